// The agent's apiserver client (core kube-lite, no @kubernetes/client-node) against a REAL control
// plane: every call the Kubernetes exporter makes, with a token limited to the npd ClusterRole, and
// every way to authenticate (token, client certificate, in-cluster service account with rotation,
// exec plugin).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { KubeApiError } from '@ack-npd/core';
import { KubeClient, loadKubeTarget } from '@ack-npd/core/kube-lite';
import { type ClusterClient, sharedCluster, waitFor } from '@ack-npd/testkit';
import { NPD_CLUSTER_ROLE } from '../rbac.ts';
import { type ApiEvent, createNodeApi, kubeTime } from './node-api.ts';

describe('node API client against a real apiserver', { timeout: 180_000 }, () => {
  let cluster: ClusterClient;
  let node: string;
  let namespace: string;
  let kubeconfig: string;
  let token: string;
  const work = mkdtempSync(join(tmpdir(), 'node-api-'));

  before(async () => {
    cluster = await sharedCluster();
    node = await cluster.createNode('nodeapi');
    namespace = await cluster.createNamespace('nodeapi');
    kubeconfig = await cluster.serviceAccountWithClusterRole(namespace, 'npd', NPD_CLUSTER_ROLE.rules, ['list', 'pods', '-A']);
    const target = await loadKubeTarget({ kubeconfig });
    assert.equal(target.auth.kind, 'token');
    token = target.auth.kind === 'token' ? target.auth.token : '';
  });

  it('makes every call of the exporter with exactly the npd role', async () => {
    const api = createNodeApi(new KubeClient(await loadKubeTarget({ kubeconfig })));
    const uid = (await cluster.core.readNode({ name: node })).metadata?.uid;
    assert.deepEqual(await api.getNode(node), { uid });

    const now = kubeTime(Date.now());
    await api.patchNodeStatus(node, [
      { type: 'LiteProblem', status: 'True', reason: 'LiteBroken', message: 'it broke', lastTransitionTime: now, lastHeartbeatTime: now },
    ]);
    const conditions = (await cluster.core.readNode({ name: node })).status?.conditions ?? [];
    const lite = conditions.find((c) => c.type === 'LiteProblem');
    assert.equal(lite?.reason, 'LiteBroken');
    assert.ok(
      conditions.some((c) => c.type === 'Ready'),
      'strategic merge kept the other conditions',
    );

    const at = new Date();
    const event: ApiEvent = {
      metadata: { name: `${node}.lite`, namespace: 'default' },
      involvedObject: { kind: 'Node', name: node, uid: uid ?? '', apiVersion: 'v1' },
      reason: 'LiteBlip',
      message: 'blip',
      type: 'Warning',
      source: { component: 'lite-test', host: node },
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      reportingComponent: 'lite-test',
      reportingInstance: node,
    };
    // Node events live in default, as the exporter writes them.
    await api.createEvent('default', event);
    await api.patchEvent('default', `${node}.lite`, { count: 2, lastTimestamp: new Date(), message: 'blip again' });
    const written = await cluster.core.readNamespacedEvent({ namespace: 'default', name: `${node}.lite` });
    assert.equal(written.count, 2);
    assert.equal(written.message, 'blip again');
    assert.equal(written.source?.component, 'lite-test');
    await assert.rejects(api.patchEvent('default', `${node}.absent`, { count: 2 }), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.equal(error.status, 404, 'the recorder recreates expired events on 404');
      return true;
    });

    await cluster.core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'on-node' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } },
    });
    const pods = await api.listPodsOnNode(node);
    assert.deepEqual(
      pods.map((p) => `${p.namespace}/${p.name}`),
      [`${namespace}/on-node`],
    );
    assert.ok(pods[0]?.uid);
  });

  it('is refused with the status and message of the apiserver for what the role does not allow', async () => {
    const client = new KubeClient(await loadKubeTarget({ kubeconfig }));
    await assert.rejects(client.request({ method: 'GET', path: '/api/v1/nodes', description: 'list nodes' }), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.equal(error.status, 403);
      assert.match(error.message, /^list nodes: HTTP 403: nodes is forbidden: User "system:serviceaccount:/);
      return true;
    });
  });

  it('authenticates with a client certificate (the admin kubeconfig)', async () => {
    const target = await loadKubeTarget({ kubeconfig: cluster.kubeconfigPath });
    assert.ok(target.clientCert && target.clientKey);
    const list = await new KubeClient(target).request<{ items: unknown[] }>({ method: 'GET', path: '/api/v1/nodes' });
    assert.ok(list.items.length > 0);
  });

  it('runs in-cluster from the service account files and picks up a rotated token', async () => {
    const sa = join(work, 'serviceaccount');
    mkdirSync(sa);
    writeFileSync(join(sa, 'ca.crt'), readFileSync(cluster.info.caCert));
    writeFileSync(join(sa, 'token'), 'not-a-token');
    const url = new URL(cluster.info.server);
    const target = await loadKubeTarget({
      env: { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port },
      serviceAccountDir: sa,
    });
    const api = createNodeApi(new KubeClient(target));
    await assert.rejects(api.getNode(node), (error: unknown) => error instanceof KubeApiError && error.status === 401);
    // The kubelet replaces the projected token; the next 401 makes the client read it again.
    writeFileSync(join(sa, 'token'), `${token}\n`);
    assert.ok((await api.getNode(node)).uid);
  });

  it('gets its token from an exec credential plugin, once until it expires', async () => {
    const calls = join(work, 'exec-calls');
    const plugin = join(work, 'plugin.sh');
    writeFileSync(
      plugin,
      `#!/bin/sh\necho "$KUBERNETES_EXEC_INFO" >> "${calls}"\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$TOKEN"\n`,
    );
    chmodSync(plugin, 0o755);
    const file = join(work, 'exec.kubeconfig');
    writeFileSync(
      file,
      readFileSync(kubeconfig, 'utf8').replace(
        /^ {4}token: .*$/m,
        `    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./plugin.sh\n      env: [{name: TOKEN, value: "${token}"}]`,
      ),
    );
    const api = createNodeApi(new KubeClient(await loadKubeTarget({ kubeconfig: file })));
    assert.ok((await api.getNode(node)).uid);
    assert.ok((await api.getNode(node)).uid);
    await waitFor('the plugin log', async () => readFileSync(calls, 'utf8').length > 0, { timeoutMs: 5000 });
    const lines = readFileSync(calls, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1, 'the credential is cached');
    assert.equal(JSON.parse(lines[0] ?? '{}').spec.interactive, false);
  });
});
