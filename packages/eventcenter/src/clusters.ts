import { Counter, type Registry } from '@ack-npd/core/metrics';
import type { IngestEvent } from './model.ts';
import type { EventStore } from './store/types.ts';

export interface ClusterInfo {
  readonly id: string;
  readonly name: string;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

/** Refresh a cluster's lastSeen at most this often (one doc write per cluster per minute, not per batch). */
const TOUCH_MS = 60_000;

/**
 * The clusters that shipped events: id → display name, kept as store docs so both backends
 * and every replica see them. Written on ingest when a name is new or changed.
 */
export function clusterRegistry(store: EventStore) {
  const known = new Map<string, ClusterInfo>();
  let loaded: Promise<void> | undefined;
  const load = () => {
    loaded ??= store.listDocs<ClusterInfo>('cluster').then((docs) => {
      for (const doc of docs) known.set(doc.id, { ...doc.body, id: doc.id });
    });
    return loaded;
  };
  return {
    async seen(events: readonly IngestEvent[], defaultCluster: string, now: number): Promise<void> {
      await load();
      const names = new Map<string, string>();
      for (const e of events) {
        const id = e.cluster ?? defaultCluster;
        names.set(id, e.clusterName || names.get(id) || known.get(id)?.name || id);
      }
      for (const [id, name] of names) {
        const before = known.get(id);
        if (before && before.name === name && now - before.lastSeen < TOUCH_MS) continue;
        const info: ClusterInfo = { id, name, firstSeen: before?.firstSeen ?? now, lastSeen: now };
        known.set(id, info);
        await store.putDoc('cluster', id, info, now);
      }
    },
    async list(): Promise<ClusterInfo[]> {
      await load();
      // Another replica may have added clusters: re-read the docs.
      for (const doc of await store.listDocs<ClusterInfo>('cluster')) known.set(doc.id, { ...doc.body, id: doc.id });
      return [...known.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    },
  };
}

export type ClusterRegistry = ReturnType<typeof clusterRegistry>;

/** `eventcenter_ingest_refused_total{cluster,reason}`: batches a credential was not allowed to write. */
export function ingestRefusedCounter(registry: Registry): Counter<'cluster' | 'reason'> {
  return new Counter({
    name: 'eventcenter_ingest_refused_total',
    help: 'Ingest batches refused: a cluster-bound credential sent events of another cluster (reason=foreign-cluster).',
    labelNames: ['cluster', 'reason'],
    registers: [registry],
  });
}
