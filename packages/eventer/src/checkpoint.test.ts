import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KubeClient, loadKubeTarget } from '@ack-npd/core/kube-lite';
import { sharedCluster } from '@ack-npd/testkit';
import { type Checkpoint, CheckpointConflictError, ConfigMapCheckpointStore } from './checkpoint.ts';

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

test('two replicas creating the checkpoint at once: one wins, the other is told', async () => {
  const a = new ConfigMapCheckpointStore({ kube, namespace, name: 'created' });
  const b = new ConfigMapCheckpointStore({ kube, namespace, name: 'created' });
  await a.load();
  await b.load();
  await a.save(checkpoint('a', '1'));
  await assert.rejects(b.save(checkpoint('b', '1')), CheckpointConflictError);
  assert.equal((await b.load())?.writer, 'a');
});
