import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterClient } from '@ack-npd/testkit';
import { waitFor } from '@ack-npd/testkit';
import type { SharedServer } from '@ack-npd/testkit/servers/index';
import { createEvents } from './cluster-events.ts';
import { EventerProcess } from './eventer-process.ts';

/** What a data sink's peer holds: one entry per stored row/document/message, as `uid/count`. */
export type ReadBack = (namespace: string) => Promise<string[]>;

/** Starts the eventer (a child process, the real control plane as source) with one `--sink`. */
export async function startEventer(cluster: ClusterClient, name: string, sink: string, namespace: string): Promise<EventerProcess> {
  const dir = await mkdtemp(join(tmpdir(), `eventer-${name}-`));
  const eventer = new EventerProcess(
    [
      `--source=kubernetes:?inClusterConfig=false&auth=${cluster.kubeconfigPath}`,
      `--sink=${sink}`,
      `--namespaces=${namespace}`,
      '--frequency=200ms',
      '--healthz-port=0',
      `--checkpoint=configmap:${namespace}/eventer-checkpoint`,
      `--spool-dir=${join(dir, 'spool')}`,
    ],
    join(dir, 'eventer.log'),
  );
  eventer.start();
  return eventer;
}

/**
 * The acceptance scenario every data sink passes: events created in the real apiserver are
 * shipped by the eventer process; the peer is stopped mid-stream while more events and count
 * bumps are created, then started again; at the end the peer holds every (uid, count) —
 * exactly once when `dedupes` (the sink's writes are idempotent on uid+count).
 */
export async function shipThroughPeerRestart(options: {
  cluster: ClusterClient;
  server: SharedServer;
  name: string;
  sink: (namespace: string) => string;
  readBack: ReadBack;
  dedupes: boolean;
  events?: number;
}): Promise<{ namespace: string; stored: string[] }> {
  const { cluster, server, readBack } = options;
  const total = options.events ?? 60;
  const namespace = await cluster.createNamespace(`sink-${options.name}`);
  const eventer = await startEventer(cluster, options.name, options.sink(namespace), namespace);
  const expected = new Set<string>();
  let stored: string[] = [];
  const missing = () => [...expected].filter((key) => !stored.includes(key));
  const allStored = (what: string) =>
    waitFor(
      what,
      async () => {
        stored = await readBack(namespace);
        return missing().length === 0;
      },
      { timeoutMs: 120_000, intervalMs: 500, describe: () => `stored ${stored.length}; missing e.g. ${missing().slice(0, 5).join(', ')}` },
    );
  try {
    const half = Math.floor(total / 2);
    for (const uid of await createEvents(cluster, namespace, 0, half, 4)) expected.add(`${uid}/1`);
    await allStored('the first half of the events in the peer');
    await server.stop();
    for (const uid of await createEvents(cluster, namespace, half, total, 4)) expected.add(`${uid}/1`);
    // Count bumps while the peer is down: the same event again, as an update with count 2.
    const list = await cluster.core.listNamespacedEvent({ namespace });
    for (const event of (list.items ?? []).slice(0, 3)) {
      await cluster.core.replaceNamespacedEvent({
        namespace,
        name: event.metadata?.name ?? '',
        body: { ...event, count: 2, lastTimestamp: new Date() },
      });
      expected.add(`${event.metadata?.uid}/2`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the eventer meets the outage
    await server.start();
    await allStored('every event and count bump after the peer restart');
    if (options.dedupes) {
      const seen = new Map<string, number>();
      for (const key of stored) seen.set(key, (seen.get(key) ?? 0) + 1);
      assert.deepEqual(
        [...seen].filter(([, n]) => n > 1),
        [],
        'nothing stored twice',
      );
    }
    assert.deepEqual(
      stored.filter((key) => !expected.has(key)),
      [],
      'nothing but the created events and bumps',
    );
    return { namespace, stored };
  } finally {
    await eventer.stop('SIGTERM');
  }
}
