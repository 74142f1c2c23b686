import { createHash } from 'node:crypto';
import type { Logger } from '@ack-npd/core';
import type { Exporter, Status } from '../types.ts';

export interface EventCenterExporterOptions {
  /** The center's base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** Bearer token (from $EVENTCENTER_TOKEN); empty = none (loopback center). */
  readonly token: string;
  readonly nodeName: string;
  readonly logger: Logger;
  readonly flushMs?: number;
  /** Events kept while the center is unreachable; beyond it the oldest are dropped (logged). */
  readonly maxQueue?: number;
}

function uid(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/**
 * Standalone mode: condition changes and events posted to the event center's ingest API as
 * events on this Node (a condition change carries `condition`, which the node view reads).
 * The uid is derived from the content, so a retried batch is stored once.
 */
export function createEventCenterExporter(options: EventCenterExporterOptions): Exporter {
  const url = `${options.url.replace(/\/$/, '')}/api/v1/ingest`;
  const node = options.nodeName;
  const seen = new Map<string, string>();
  const queue: Record<string, unknown>[] = [];
  const maxQueue = options.maxQueue ?? 10_000;
  let dropped = 0;
  let flushing: Promise<void> | undefined;
  let failures = 0;
  const event = (fields: { uid: string; timestamp: number; type: string; reason: string; message: string; source: string }) => ({
    uid: fields.uid,
    count: 1,
    timestamp: fields.timestamp,
    namespace: '',
    type: fields.type,
    reason: fields.reason,
    message: fields.message,
    involvedObject: { kind: 'Node', namespace: '', name: node, uid: node },
    source: { component: fields.source, host: node },
  });
  const push = (item: Record<string, unknown>) => {
    queue.push(item);
    if (queue.length > maxQueue) {
      queue.shift();
      if (dropped++ % 100 === 0) options.logger.warn({ dropped }, 'event center unreachable: dropping the oldest queued events');
    }
  };
  const flush = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.slice(0, 500);
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
          body: JSON.stringify({ events: batch }),
          signal: AbortSignal.timeout(15_000),
        });
        await response.body?.cancel();
        if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          options.logger.warn({ status: response.status }, 'event center refused a batch; dropping it');
        } else if (!response.ok) {
          throw new Error(`HTTP ${response.status}`);
        }
        queue.splice(0, batch.length);
        failures = 0;
      } catch (error) {
        if (failures++ % 20 === 0) options.logger.warn({ err: (error as Error).message }, 'event center not reachable; will retry');
        return;
      }
    }
  };
  const schedule = () => {
    flushing ??= flush().finally(() => {
      flushing = undefined;
    });
  };
  const timer = setInterval(schedule, options.flushMs ?? 1000);
  timer.unref();
  return {
    name: 'eventcenter',
    async export(status: Status) {
      for (const c of status.conditions) {
        const key = `${status.source}\u0000${c.type}`;
        const fingerprint = `${c.status}\u0000${c.reason}\u0000${c.transition}`;
        if (seen.get(key) === fingerprint) continue;
        seen.set(key, fingerprint);
        push({
          ...event({
            uid: uid(node, 'condition', c.type, c.status, c.reason, c.transition),
            timestamp: c.transition,
            type: c.status === 'True' ? 'Warning' : 'Normal',
            reason: c.reason,
            message: c.message,
            source: status.source,
          }),
          condition: { type: c.type, status: c.status, reason: c.reason, message: c.message },
        });
      }
      for (const e of status.events) {
        push(
          event({
            uid: uid(node, 'event', status.source, e.reason, e.message, e.timestamp),
            timestamp: e.timestamp,
            type: e.severity === 'warn' ? 'Warning' : 'Normal',
            reason: e.reason,
            message: e.message,
            source: status.source,
          }),
        );
      }
      schedule();
    },
    async close() {
      clearInterval(timer);
      await flushing;
      await flush();
    },
  };
}
