import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Cluster, startCluster, waitFor } from '@ack-npd/testkit';
import { createEvents } from './testing/cluster-events.ts';
import { EventerProcess } from './testing/eventer-process.ts';
import { WebhookReceiver } from './testing/receiver.ts';

/**
 * Compacts the cluster's etcd at its current revision (etcd's JSON gateway), so a watch from
 * an older resourceVersion gets 410 Gone. The etcd client URL is read from the etcd process
 * that owns the cluster's data dir.
 */
async function compactEtcd(target: Cluster): Promise<void> {
  let url = '';
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const args = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!args.includes(join(target.info.workDir, 'etcd'))) continue;
    url = /--listen-client-urls=?\0?(http:\/\/[^,\0]+)/.exec(args)?.[1] ?? '';
    if (url) break;
  }
  assert.ok(url, 'etcd client URL');
  const range = await fetch(`${url}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from('/').toString('base64') }) });
  const revision = ((await range.json()) as { header: { revision: string } }).header.revision;
  const compacted = await fetch(`${url}/v3/kv/compaction`, { method: 'POST', body: JSON.stringify({ revision, physical: true }) });
  assert.equal(compacted.status, 200, await compacted.text());
}

// A dedicated cluster: restarting its apiserver would disturb the shared one.
let cluster: Cluster;
let dir = '';
const receiver = new WebhookReceiver();
const processes: EventerProcess[] = [];

before(async () => {
  [cluster, dir] = await Promise.all([startCluster({ nodes: 0 }), mkdtemp(join(tmpdir(), 'eventer-restart-'))]);
});
after(async () => {
  for (const p of processes) await p.stop('SIGKILL');
  await receiver.close();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('an apiserver restart and a forced 410 Gone lose nothing and send nothing twice', { timeout: 300_000 }, async () => {
  const namespace = await cluster.createNamespace('eventer-restart');
  const url = await receiver.start();
  const config = join(dir, 'config.yaml');
  await writeFile(
    config,
    JSON.stringify({
      sinks: [
        { name: 'hook', uri: `webhook:${url}?method=POST`, options: { body_template: '{"key":"{{ .Metadata.UID }}/{{ .Count }}"}' } },
      ],
    }),
  );
  const log = join(dir, 'eventer.log');
  const eventer = () => {
    const p = new EventerProcess(
      [
        `--source=kubernetes:?inClusterConfig=false&auth=${cluster.kubeconfigPath}`,
        `--config=${config}`,
        `--namespaces=${namespace}`,
        '--frequency=200ms',
        '--healthz-port=0',
        `--spool-dir=${join(dir, 'spool')}`,
        `--checkpoint=configmap:${namespace}/eventer-checkpoint`,
      ],
      log,
    );
    processes.push(p);
    p.start();
    return p;
  };
  const expected = new Set<string>();
  const allDelivered = (what: string) =>
    waitFor(what, () => [...expected].every((key) => receiver.deliveries.has(key)), {
      timeoutMs: 120_000,
      describe: () => `received ${receiver.deliveries.size}/${expected.size}`,
    });

  let current = eventer();
  for (const uid of await createEvents(cluster, namespace, 0, 200)) expected.add(`${uid}/1`);
  await allDelivered('events before the restart');

  // The apiserver restarts while events are being created.
  const creating = createEvents(cluster, namespace, 200, 500, 4);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await cluster.restartApiserver();
  for (const uid of await creating) expected.add(`${uid}/1`);
  for (const uid of await createEvents(cluster, namespace, 500, 600)) expected.add(`${uid}/1`);
  await allDelivered('events across the apiserver restart');
  assert.deepEqual(receiver.duplicates(), []);

  // A resume point far in the past: the watch gets 410 Gone, the eventer relists and ships
  // only what its shipped index does not have.
  assert.equal(await current.stop('SIGTERM'), 0);
  const cm = await cluster.core.readNamespacedConfigMap({ namespace, name: 'eventer-checkpoint' });
  const checkpoint = JSON.parse(cm.data?.['checkpoint.json'] ?? '{}');
  assert.ok(Number(checkpoint.resourceVersion) > 2);
  await cluster.core.replaceNamespacedConfigMap({
    namespace,
    name: 'eventer-checkpoint',
    body: { ...cm, data: { 'checkpoint.json': JSON.stringify({ ...checkpoint, resourceVersion: '2' }) } },
  });
  await compactEtcd(cluster);
  current = eventer();
  for (const uid of await createEvents(cluster, namespace, 600, 700)) expected.add(`${uid}/1`);
  await allDelivered('events after the 410');
  await waitFor('the relist', async () => (await readFile(log, 'utf8')).includes('410 Gone'), { timeoutMs: 30_000 });
  assert.deepEqual(receiver.duplicates(), []);
  assert.equal(receiver.deliveries.size, 700);
  await current.stop('SIGTERM');
});
