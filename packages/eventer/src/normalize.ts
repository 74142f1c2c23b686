import type { CoreV1Event } from '@kubernetes/client-node';
import type { KubeEvent } from './types.ts';

function toMs(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(String(value));
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Turns a core/v1 Event as the apiserver sent it (JSON, dates as strings) into the pipeline's
 * model. Timestamp: lastTimestamp, else series.lastObservedTime / eventTime, else
 * firstTimestamp, else `now` (kube-eventer's order, with the series refinement).
 */
export function normalizeEvent(raw: CoreV1Event, change: 'added' | 'updated', now: number): KubeEvent {
  const meta = raw.metadata ?? {};
  const involved = raw.involvedObject ?? {};
  const timestamp = toMs(raw.lastTimestamp) ?? toMs(raw.series?.lastObservedTime) ?? toMs(raw.eventTime) ?? toMs(raw.firstTimestamp) ?? now;
  const count = raw.series?.count ?? raw.count ?? 1;
  return {
    raw,
    uid: meta.uid ?? `${meta.namespace ?? ''}/${meta.name ?? ''}`,
    namespace: meta.namespace ?? involved.namespace ?? '',
    name: meta.name ?? '',
    type: raw.type ?? 'Normal',
    reason: raw.reason ?? '',
    message: raw.message ?? '',
    count: Math.max(1, count),
    timestamp,
    involvedObject: {
      kind: involved.kind ?? '',
      namespace: involved.namespace ?? '',
      name: involved.name ?? '',
      uid: involved.uid ?? '',
      apiVersion: involved.apiVersion ?? '',
      fieldPath: involved.fieldPath ?? '',
    },
    source: {
      component: raw.source?.component ?? raw.reportingComponent ?? '',
      host: raw.source?.host ?? raw.reportingInstance ?? '',
    },
    resourceVersion: meta.resourceVersion ?? '',
    change,
  };
}

/** Whether the involved object is cluster-scoped (Node, PersistentVolume, ...): no namespace on it. */
export function isClusterScoped(event: KubeEvent): boolean {
  return event.involvedObject.namespace === '';
}

/** "create" for an event shipped for the first time, "update" for a later state of it (a count bump). */
export function eventAction(event: KubeEvent): 'create' | 'update' {
  return event.change === 'updated' ? 'update' : 'create';
}
