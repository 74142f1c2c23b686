import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { systemClock } from '@ack-npd/core';
import { KubeClient, loadKubeTarget } from '@ack-npd/core/kube-lite';
import { createLogger } from '@ack-npd/core/logger';
import { createRegistry } from '@ack-npd/core/metrics';
import { sharedCluster, waitFor } from '@ack-npd/testkit';
import { Eventer } from './app.ts';
import { type Checkpoint, CheckpointConflictError, ConfigMapCheckpointStore } from './checkpoint.ts';
import { buildConfig } from './config.ts';
import { createEventerMetrics } from './metrics.ts';
import { postEvents } from './testing/load.ts';
import { MemorySink } from './testing/memory-sink.ts';

let kube: KubeClient;
let namespace: string;
before(async () => {
  const cluster = await sharedCluster();
  kube = new KubeClient(await loadKubeTarget({ kubeconfig: cluster.kubeconfigPath, env: {} }));
  namespace = await cluster.createNamespace('eventer-checkpoint');
});
after(() => kube?.close());

const checkpoint = (writer: string, resourceVersion: string): Checkpoint => ({
  version: 1,
  resourceVersion,
  horizon: 0,
  shipped: [],
  writer,
  savedAt: new Date().toISOString(),
});

test('a ConfigMap checkpoint write is conditional: a replica that lost the lease cannot clobber the new leader', async () => {
  const old = new ConfigMapCheckpointStore({ kube, namespace, name: 'fenced' });
  const next = new ConfigMapCheckpointStore({ kube, namespace, name: 'fenced' });
  assert.equal(await old.load(), undefined);
  await old.save(checkpoint('old', '10'));
  await old.save(checkpoint('old', '20'));
  // The new leader reads after it won the lease, and claims the checkpoint.
  assert.equal((await next.load())?.resourceVersion, '20');
  await next.save(checkpoint('next', '20'));
  // The old leader's late final save is refused, and stays refused until it reads again.
  await assert.rejects(old.save(checkpoint('old', '30')), CheckpointConflictError);
  await assert.rejects(old.save(checkpoint('old', '40')), CheckpointConflictError);
  assert.deepEqual([(await next.load())?.writer, (await next.load())?.resourceVersion], ['next', '20']);
  await next.save(checkpoint('next', '50'));
  // A later term of the old replica reads the current state first, then may write.
  assert.equal((await old.load())?.resourceVersion, '50');
  await old.save(checkpoint('old', '60'));
  await assert.rejects(next.save(checkpoint('next', '70')), CheckpointConflictError);
});

test('a checkpoint ConfigMap deleted by hand is written again, not taken for another writer', async () => {
  const store = new ConfigMapCheckpointStore({ kube, namespace, name: 'deleted' });
  await store.load();
  await store.save(checkpoint('a', '1'));
  await kube.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}/configmaps/deleted` });
  await store.save(checkpoint('a', '2'));
  await store.save(checkpoint('a', '3'));
  assert.equal((await new ConfigMapCheckpointStore({ kube, namespace, name: 'deleted' }).load())?.resourceVersion, '3');
});

test('two replicas creating the checkpoint at once: one wins, the other is told', async () => {
  const a = new ConfigMapCheckpointStore({ kube, namespace, name: 'created' });
  const b = new ConfigMapCheckpointStore({ kube, namespace, name: 'created' });
  await a.load();
  await b.load();
  await a.save(checkpoint('a', '1'));
  await assert.rejects(b.save(checkpoint('b', '1')), CheckpointConflictError);
  assert.equal((await b.load())?.writer, 'a');
});

test('a leader whose checkpoint another writer took over stops shipping, re-reads it, and resends nothing', async () => {
  const output = new PassThrough();
  let logged = '';
  output.on('data', (chunk) => (logged += chunk));
  const logger = createLogger({ name: 't', level: 'info', destination: output });
  const metrics = createEventerMetrics(createRegistry({ defaultMetrics: false }));
  const config = buildConfig(
    {
      sink: ['webhook:http://unused/x'],
      frequency: 50,
      namespaces: namespace,
      'leader-elect': true,
      'leader-elect-namespace': namespace,
      'leader-elect-lease-name': 'fenced-app',
      'leader-elect-retry-period': 200,
      identity: 'a',
    },
    {},
    'h',
  );
  const sink = new MemorySink('webhook');
  const eventer = new Eventer({ config, kube, sinks: [sink], clock: systemClock, logger, metrics });
  const stop = new AbortController();
  const running = eventer.run(stop.signal);
  try {
    const first = await postEvents(kube, namespace, { prefix: 'fence-a', count: 5 });
    const names = () => sink.events.map((event) => event.name);
    await waitFor('the first events', () => first.every((p) => names().includes(p.name)), { timeoutMs: 30_000 });
    const store = new ConfigMapCheckpointStore({ kube, namespace, name: 'fenced-app-checkpoint' });
    // Wait until the leader's checkpoint holds them, then a rival writes it (as a new leader would).
    await waitFor('the checkpoint saved', async () => ((await store.load())?.shipped.length ?? 0) >= 5, { timeoutMs: 30_000 });
    await waitFor(
      'the rival write',
      async () => {
        const current = await store.load();
        assert.ok(current);
        // The leader may save in between (a bookmark): read again and retry.
        return store.save({ ...current, writer: 'rival' }).then(
          () => true,
          () => false,
        );
      },
      { timeoutMs: 30_000 },
    );
    // The leader notices at its next save, after it shipped something: it stops and re-reads.
    const second = await postEvents(kube, namespace, { prefix: 'fence-b', count: 5 });
    await waitFor('the leader fenced', () => logged.includes('checkpoint taken over by another replica'), { timeoutMs: 30_000 });
    await waitFor('a new term', () => logged.split('starting event shipping').length > 2, { timeoutMs: 30_000 });
    await waitFor('the later events', () => second.every((p) => names().includes(p.name)), { timeoutMs: 30_000 });
    assert.match(logged, /not writing the final checkpoint: another replica took it over/);
    // The new term read the rival's checkpoint: what it holds is not shipped again (fence-b,
    // shipped after the rival's write, may be: the bound of a leader that lost its place).
    for (const p of first) assert.equal(names().filter((name) => name === p.name).length, 1, p.name);
  } finally {
    stop.abort();
    await running;
    await eventer.close();
  }
});
