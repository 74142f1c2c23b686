// Against the real control plane: owner chains read from ownerReferences with the chart's RBAC,
// and bearer tokens checked by the apiserver's TokenReview (viewer vs editor).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { KubeClient, loadKubeTarget } from '@ack-npd/core/kube-lite';
import { createLogger } from '@ack-npd/core/logger';
import { normalizeEvent } from '@ack-npd/eventer/normalize';
import { eventCenterPayload } from '@ack-npd/eventer/sinks/eventcenter';
import { type ClusterClient, sharedCluster, waitFor } from '@ack-npd/testkit';
import { AppsV1Api } from '@kubernetes/client-node';
import { createAlertService } from './alerts/service.ts';
import { startEventCenter } from './app.ts';
import { tokenReviewAuth } from './auth.ts';
import { clusterOwnerLookup } from './owners.ts';
import { openStore } from './store/open.ts';
import type { EventStore } from './store/types.ts';

const RBAC = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
  { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get'] },
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
];

function tokenOf(kubeconfig: string): string {
  return /token:\s*"?([^"\s]+)"?/.exec(readFileSync(kubeconfig, 'utf8'))?.[1] ?? '';
}

describe('event center with a real cluster', { timeout: 240_000 }, () => {
  let cluster: ClusterClient;
  let namespace: string;
  let store: EventStore;
  let url: string;
  let close: () => Promise<void>;
  before(async () => {
    cluster = await sharedCluster();
    namespace = `ec-${Date.now().toString(36)}`;
    await cluster.kubectl(['create', 'namespace', namespace]);
    const centerKubeconfig = await cluster.serviceAccountWithClusterRole(namespace, 'eventcenter', RBAC, [
      'create',
      'tokenreviews.authentication.k8s.io',
    ]);
    const kube = new KubeClient(await loadKubeTarget({ kubeconfig: centerKubeconfig, env: {} }));
    store = await openStore({ backend: 'sqlite', path: ':memory:' });
    const logger = createLogger({ name: 't', level: 'silent' });
    const alerts = await createAlertService({ store, logger, notify: [], env: {}, kube });
    const center = await startEventCenter({
      store,
      logger,
      address: '127.0.0.1',
      port: 0,
      auth: tokenReviewAuth({
        kube,
        editors: [`system:serviceaccount:${namespace}:editor`],
        ingesters: [`system:serviceaccount:${namespace}:eventer`],
      }),
      lookupOwners: clusterOwnerLookup(kube),
      extraRoutes: alerts.routes,
    });
    url = center.server.url;
    close = async () => {
      await center.close();
      await alerts.close();
      await store.close();
    };
  });
  after(async () => close?.());

  it('TokenReview: any authenticated account reads, the listed editor writes, the eventer ingests, strangers get 401', async () => {
    const viewer = tokenOf(await cluster.serviceAccountKubeconfig(namespace, 'viewer'));
    const editor = tokenOf(await cluster.serviceAccountKubeconfig(namespace, 'editor'));
    const eventer = tokenOf(await cluster.serviceAccountKubeconfig(namespace, 'eventer'));
    const call = (path: string, token: string, body?: unknown) =>
      fetch(`${url}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }).then((r) => r.status);
    assert.equal(await call('/api/v1/events', viewer), 200);
    assert.equal(await call('/api/v1/alert-rules', viewer, { template: 'node-not-ready' }), 403);
    assert.equal(await call('/api/v1/alert-rules', editor, { template: 'node-not-ready' }), 201);
    assert.equal(await call('/api/v1/ingest', viewer, { events: [] }), 403);
    assert.equal(await call('/api/v1/ingest', eventer, { events: [] }), 200);
    assert.equal(await call('/api/v1/events', 'not-a-token'), 401);
  });

  it('pod lifecycle: owners read from ownerReferences (Pod → ReplicaSet → Deployment) with the chart’s RBAC', async () => {
    const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'shop' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'shop' } },
          template: {
            metadata: { labels: { app: 'shop' } },
            spec: {
              tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
              containers: [{ name: 'app', image: 'registry.invalid/shop:1' }],
            },
          },
        },
      },
    });
    let pod = '';
    await waitFor(
      'the pod and its Scheduled event',
      async () => {
        const events = await cluster.core.listNamespacedEvent({ namespace });
        pod = events.items.find((e) => e.reason === 'Scheduled')?.involvedObject?.name ?? '';
        return (
          pod !== '' &&
          events.items.some((e) => e.reason === 'ScalingReplicaSet') &&
          events.items.some((e) => e.reason === 'SuccessfulCreate')
        );
      },
      { timeoutMs: 90_000 },
    );
    const events = await cluster.core.listNamespacedEvent({ namespace });
    const eventer = tokenOf(await cluster.serviceAccountKubeconfig(namespace, 'eventer'));
    const ingest = await fetch(`${url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${eventer}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        events: events.items.map((e) => eventCenterPayload(normalizeEvent(JSON.parse(JSON.stringify(e)), 'added', Date.now()), undefined)),
      }),
    });
    assert.equal(ingest.status, 200);
    const editor = tokenOf(await cluster.serviceAccountKubeconfig(namespace, 'editor'));
    const response = await fetch(`${url}/api/v1/pods/${namespace}/${pod}/lifecycle`, { headers: { authorization: `Bearer ${editor}` } });
    assert.equal(response.status, 200);
    const life = (await response.json()) as {
      ownerSource: string;
      owners: { kind: string; name: string }[];
      events: { role: string; reason: string }[];
      node: string;
    };
    assert.equal(life.ownerSource, 'cluster');
    assert.equal(life.owners.length, 2);
    assert.equal(life.owners[0]?.kind, 'ReplicaSet');
    assert.deepEqual(life.owners[1], { kind: 'Deployment', name: 'shop' });
    assert.ok(cluster.nodes.includes(life.node), `node ${life.node}`);
    const roles = life.events.map((e) => `${e.role}:${e.reason}`);
    assert.ok(
      roles.includes('owner:ScalingReplicaSet') && roles.includes('owner:SuccessfulCreate') && roles.includes('pod:Scheduled'),
      roles.join(' '),
    );
    assert.ok(roles.indexOf('owner:ScalingReplicaSet') < roles.indexOf('pod:Scheduled'), 'in order');
  });
});
