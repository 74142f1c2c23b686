// The center killed -9 mid-ingest while the eventer ships real control-plane events: after
// restarts, rows counted by (uid, count) are exactly the events' versions — none lost, none twice.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, test } from 'node:test';
import { createEvents } from '@ack-npd/eventer/testing/cluster-events';
import { EventerProcess } from '@ack-npd/eventer/testing/eventer-process';
import { sharedCluster, waitFor } from '@ack-npd/testkit';
import { freePort } from '@ack-npd/testkit/ports';
import { CenterProcess } from './testing/center-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'eventcenter-ingest-'));
const stops: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const stop of stops) await stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function storedKeys(namespace: string): { keys: Set<string>; rows: number } {
  const db = new DatabaseSync(join(dir, 'center', 'events.db'), { readOnly: true });
  try {
    const rows = db.prepare('SELECT uid, count FROM events WHERE namespace = ?').all(namespace) as { uid: string; count: number }[];
    return { keys: new Set(rows.map((r) => `${r.uid}/${r.count}`)), rows: rows.length };
  } finally {
    db.close();
  }
}

test('center killed -9 mid-ingest, the eventer retries: none lost, none duplicated', { timeout: 300_000 }, async () => {
  const cluster = await sharedCluster();
  const namespace = `ec-ingest-${Date.now().toString(36)}`;
  await cluster.kubectl(['create', 'namespace', namespace]);
  const port = await freePort();
  const center = () =>
    new CenterProcess([`--listen=127.0.0.1:${port}`, `--data-dir=${join(dir, 'center')}`, '--log-level=warn', '--retention=0']);
  let current = center();
  stops.push(() => current.stop('SIGKILL'));
  const url = await current.start();
  const eventer = new EventerProcess(
    [
      `--source=kubernetes:?inClusterConfig=false&auth=${cluster.kubeconfigPath}`,
      `--sink=eventcenter:${url}?max_batch=50`,
      `--namespaces=${namespace}`,
      '--frequency=200ms',
      '--healthz-port=0',
      `--spool-dir=${join(dir, 'spool')}`,
      `--checkpoint=configmap:${namespace}/eventer-checkpoint`,
    ],
    join(dir, 'eventer.log'),
  );
  stops.push(() => eventer.stop('SIGKILL'));
  eventer.start();
  await new Promise((r) => setTimeout(r, 3000));
  const expected = new Set<string>();
  for (const uid of await createEvents(cluster, namespace, 0, 500)) expected.add(`${uid}/1`);
  await waitFor('some rows before the kill', () => storedKeys(namespace).rows > 50, { timeoutMs: 60_000 });
  await current.stop('SIGKILL');
  for (const uid of await createEvents(cluster, namespace, 500, 900)) expected.add(`${uid}/1`);
  current = center();
  await current.start();
  // Count bumps of events already stored: a new row each, keyed (uid, 2).
  const list = await cluster.core.listNamespacedEvent({ namespace });
  const stored = storedKeys(namespace).keys;
  const bumped = (list.items ?? []).filter((e) => stored.has(`${e.metadata?.uid}/1`)).slice(0, 50);
  for (const event of bumped) {
    await cluster.core.replaceNamespacedEvent({
      namespace,
      name: event.metadata?.name ?? '',
      body: { ...event, count: 2, lastTimestamp: new Date() },
    });
    expected.add(`${event.metadata?.uid}/2`);
  }
  const creating = createEvents(cluster, namespace, 900, 1300);
  await waitFor('rows arriving after the restart', () => storedKeys(namespace).rows > 600, { timeoutMs: 60_000 });
  await current.stop('SIGKILL');
  for (const uid of await creating) expected.add(`${uid}/1`);
  current = center();
  await current.start();
  await waitFor(
    'every event version stored',
    () => {
      const { keys } = storedKeys(namespace);
      return [...expected].every((k) => keys.has(k));
    },
    {
      timeoutMs: 180_000,
      describe: () => {
        const { keys } = storedKeys(namespace);
        return `stored ${keys.size}/${expected.size}; missing e.g. ${[...expected]
          .filter((k) => !keys.has(k))
          .slice(0, 5)
          .join(', ')}`;
      },
    },
  );
  const { keys, rows } = storedKeys(namespace);
  assert.equal(expected.size, 1350);
  assert.equal(rows, keys.size, 'no (uid, count) stored twice');
  assert.deepEqual(
    [...keys].filter((k) => !expected.has(k)),
    [],
    'nothing that was not an event version',
  );
  assert.equal(rows, expected.size);
});
