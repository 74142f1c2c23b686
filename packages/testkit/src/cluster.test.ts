// The test kit's promises, checked against the real control plane it starts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { type ClusterClient, isReady, sharedCluster, waitFor } from './index.ts';

describe('shared real cluster', () => {
  let cluster: ClusterClient;
  let namespace: string;

  before(async () => {
    cluster = await sharedCluster();
    namespace = await cluster.createNamespace('testkit');
  });
  after(async () => {
    await cluster.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('reports the pinned Kubernetes version through a kubectl of the same version', async () => {
    const version = JSON.parse(await cluster.kubectl(['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    assert.match(version.serverVersion.gitVersion, /^v1\.\d+\.\d+$/);
    assert.equal(version.serverVersion.gitVersion, cluster.info.version);
    assert.equal(version.clientVersion.gitVersion, cluster.info.version, 'kubectl is built with the control plane: no version skew');
  });

  it('lists the kwok nodes as Ready with kubectl', async () => {
    const nodes = JSON.parse(await cluster.kubectl(['get', 'nodes', '-o', 'json'])) as { items: Parameters<typeof isReady>[0][] };
    for (const name of cluster.nodes) {
      const node = nodes.items.find((item) => item.metadata?.name === name);
      assert.ok(node, `node ${name} listed`);
      assert.ok(isReady(node), `node ${name} Ready`);
    }
    assert.ok(cluster.nodes.length >= 2);
  });

  it('runs a 3-replica Deployment to 3 Running pods, and the real controllers and scheduler write their events', async () => {
    const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
              containers: [{ name: 'app', image: 'registry.invalid/web:1' }],
            },
          },
        },
      },
    });
    await waitFor(
      '3 Running pods',
      async () => {
        const pods = await cluster.core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
        return pods.items.filter((pod) => pod.status?.phase === 'Running').length === 3;
      },
      { timeoutMs: 90_000 },
    );
    const wanted = ['ScalingReplicaSet', 'SuccessfulCreate', 'Scheduled'];
    let reasons = new Map<string, string>();
    await waitFor(
      `events ${wanted.join(', ')}`,
      async () => {
        const events = await cluster.core.listNamespacedEvent({ namespace });
        reasons = new Map(events.items.map((event) => [event.reason ?? '', event.source?.component ?? event.reportingComponent ?? '']));
        return wanted.every((reason) => reasons.has(reason));
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(reasons.get('ScalingReplicaSet'), 'deployment-controller');
    assert.equal(reasons.get('SuccessfulCreate'), 'replicaset-controller');
    assert.equal(reasons.get('Scheduled'), 'default-scheduler');
  });

  it('enforces RBAC: a ServiceAccount token is refused patch nodes/status until a ClusterRole is bound', async () => {
    const kubeconfig = await cluster.serviceAccountKubeconfig(namespace, 'patcher');
    const [node] = cluster.nodes;
    assert.ok(node);
    const patch = ['patch', 'node', node, '--subresource=status', '--type=strategic', '-p'];
    const body = JSON.stringify({
      status: { conditions: [{ type: 'TestkitProbe', status: 'False', reason: 'Probe', message: namespace }] },
    });
    await assert.rejects(cluster.kubectl([...patch, body], { kubeconfig }), /forbidden/i);

    const rbac = cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const roleName = `${namespace}-node-status`;
    await rbac.createClusterRole({
      body: { metadata: { name: roleName }, rules: [{ apiGroups: [''], resources: ['nodes/status'], verbs: ['get', 'patch'] }] },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: roleName },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
        subjects: [{ kind: 'ServiceAccount', name: 'patcher', namespace }],
      },
    });
    try {
      await waitFor(
        'patch allowed',
        async () => {
          await cluster.kubectl([...patch, body], { kubeconfig });
          return true;
        },
        { timeoutMs: 15_000 },
      );
      const status = await cluster.core.readNodeStatus({ name: node });
      const condition = status.status?.conditions?.find((item) => item.type === 'TestkitProbe');
      assert.equal(condition?.message, namespace);
    } finally {
      await rbac.deleteClusterRoleBinding({ name: roleName });
      await rbac.deleteClusterRole({ name: roleName });
    }
  });

  it('runs helm: version, and install of a throwaway chart', async () => {
    assert.match(await cluster.helm(['version', '--short']), /^v3\.\d+\.\d+/);
    const { mkdtemp, mkdir, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(cluster.info.workDir, 'chart-'));
    await mkdir(join(dir, 'templates'));
    await writeFile(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: tiny\nversion: 0.1.0\nkubeVersion: ">=1.30.0-0"\n');
    await writeFile(
      join(dir, 'templates', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-info\ndata:\n  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}\n',
    );
    await cluster.helm(['install', 'tiny', dir, '--namespace', namespace, '--wait', '--timeout', '60s']);
    const configMap = await cluster.core.readNamespacedConfigMap({ namespace, name: 'tiny-info' });
    assert.equal(configMap.data?.kubeVersion, cluster.info.version);
    assert.match(await cluster.helm(['list', '--namespace', namespace]), /tiny\s+\S+\s+1\s+.*deployed/);
  });
});
