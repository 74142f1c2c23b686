// One event center for two clusters (issue 16's acceptance): two real control planes, an
// eventer process in each shipping to one center process. Cluster A's eventer holds a static
// per-cluster token and no configured id (the kube-system namespace UID becomes its id);
// cluster B's eventer sends its own ServiceAccount token, which the center verifies by
// TokenReview against B's apiserver.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Cluster, type ClusterClient, sharedCluster, startCluster, waitFor } from '@ack-npd/testkit';
import { type NodeProgram, startCenter, startEventer } from './browser/programs.ts';

const EVENTER_RULES = [
  { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch'] },
  // As the chart grants it: only the kube-system namespace, for the cluster id.
  { apiGroups: [''], resources: ['namespaces'], resourceNames: ['kube-system'], verbs: ['get'] },
];
const REVIEWER_RULES = [{ apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] }];
const EDITOR = 'fleet-editor-token';
const TOKEN_A = 'cluster-a-ingest-token';

function tokenOf(kubeconfig: string): string {
  return /token:\s*"?([^"\s]+)"?/.exec(readFileSync(kubeconfig, 'utf8'))?.[1] ?? '';
}

async function kubeSystemUid(cluster: ClusterClient): Promise<string> {
  return (await cluster.kubectl(['get', 'namespace', 'kube-system', '-o', 'jsonpath={.metadata.uid}'])).trim();
}

/** A Warning event about a ConfigMap, created straight through the apiserver. */
async function warn(cluster: ClusterClient, namespace: string, reason: string, name: string): Promise<void> {
  const now = new Date();
  await cluster.core.createNamespacedEvent({
    namespace,
    body: {
      metadata: { name: `${name}.${Date.now().toString(36)}`, namespace },
      involvedObject: { kind: 'ConfigMap', namespace, name, apiVersion: 'v1' },
      reason,
      message: `${reason} on ${name}`,
      type: 'Warning',
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: 'fleet-test' },
    },
  });
}

describe('one event center, two clusters', { timeout: 300_000 }, () => {
  let a: ClusterClient;
  let b: Cluster;
  let dir: string;
  let url = '';
  let idA = '';
  const idB = 'b-staging';
  let nsA = '';
  let nsB = '';
  const programs: NodeProgram[] = [];
  const api = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${EDITOR}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const eventsOf = async (cluster: string, namespace: string, reason = 'FleetProbe') =>
    (await api(`/api/v1/events?cluster=${cluster}&namespace=${namespace}&reason=${reason}&limit=500`)).body.events as {
      cluster: string;
      reason: string;
      namespace: string;
    }[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventcenter-fleet-'));
    [a, b] = await Promise.all([sharedCluster(), startCluster({ nodes: 0 })]);
    idA = await kubeSystemUid(a);
    nsA = await a.createNamespace('fleet-a');
    nsB = await b.createNamespace('fleet-b');
    const eventerA = await a.serviceAccountWithClusterRole(nsA, 'eventer', EVENTER_RULES, ['get', 'namespace/kube-system']);
    const eventerB = await b.serviceAccountWithClusterRole(nsB, 'eventer', EVENTER_RULES, ['list', 'events']);
    const reviewerB = await b.serviceAccountWithClusterRole(nsB, 'center', REVIEWER_RULES, [
      'create',
      'tokenreviews.authentication.k8s.io',
    ]);
    const center = await startCenter({
      dir,
      uiDir: dir,
      args: ['--auth=token', `--member-cluster=${idB}=${reviewerB}:system:serviceaccount:${nsB}:eventer`],
      env: { EVENTCENTER_EDITOR_TOKENS: EDITOR, EVENTCENTER_CLUSTER_TOKENS: `${idA}=${TOKEN_A}` },
    });
    programs.push(center.program);
    url = center.url;
    programs.push(
      startEventer({
        dir,
        kubeconfig: eventerA,
        namespaces: [nsA],
        center: url,
        sinkQuery: 'token=$INGEST_TOKEN&cluster_name=prod',
        env: { INGEST_TOKEN: TOKEN_A },
        log: 'eventer-a',
      }),
      startEventer({
        dir,
        kubeconfig: eventerB,
        namespaces: [nsB],
        center: url,
        sinkQuery: `token=$INGEST_TOKEN&cluster=${idB}&cluster_name=staging`,
        env: { INGEST_TOKEN: tokenOf(eventerB) },
        log: 'eventer-b',
      }),
    );
  });

  after(async () => {
    for (const program of programs) await program.stop().catch(() => undefined);
    await b?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("each cluster's events arrive under its own id and name", async () => {
    await warn(a, nsA, 'FleetProbe', 'in-a');
    await warn(b, nsB, 'FleetProbe', 'in-b');
    await waitFor(
      'both clusters’ events in the center',
      async () => (await eventsOf(idA, nsA)).length > 0 && (await eventsOf(idB, nsB)).length > 0,
      { timeoutMs: 90_000, describe: () => programs.map((p) => p.tail(1500)).join('\n') },
    );
    // Neither cluster's events leak under the other's id.
    assert.deepEqual(await eventsOf(idA, nsB), []);
    assert.deepEqual(await eventsOf(idB, nsA), []);
    const both = (await api(`/api/v1/events?cluster=${idA},${idB}&reason=FleetProbe`)).body.events as { cluster: string }[];
    assert.deepEqual([...new Set(both.map((e) => e.cluster))].sort(), [idA, idB].sort());
    const clusters = (await api('/api/v1/clusters')).body.clusters as { id: string; name: string }[];
    assert.deepEqual(
      clusters.map((c) => [c.id, c.name]).sort(),
      [
        [idA, 'prod'],
        [idB, 'staging'],
      ].sort(),
    );
    // The UID is what the eventer found on its own: A was given no id.
    assert.match(idA, /^[0-9a-f-]{36}$/);
  });

  it("a cluster's credential cannot write another cluster's events: 403, counted", async () => {
    const event = { uid: 'forged-1', count: 1, timestamp: Date.now(), reason: 'Forged', cluster: idB, involvedObject: { kind: 'Pod' } };
    const forged = await fetch(`${url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN_A}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [event] }),
    });
    assert.equal(forged.status, 403);
    assert.match(((await forged.json()) as { error: string }).error, /cluster/);
    // B's ServiceAccount token (verified by B's apiserver) cannot write A's events either.
    const bToken = tokenOf(await b.serviceAccountKubeconfig(nsB, 'eventer'));
    const forgedB = await fetch(`${url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ ...event, uid: 'forged-2', cluster: idA }] }),
    });
    assert.equal(forgedB.status, 403);
    // A's own credential writing unlabelled events: they are A's.
    const own = await fetch(`${url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN_A}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ ...event, uid: 'own-1', cluster: undefined, namespace: nsA }] }),
    });
    assert.equal(own.status, 200);
    const forgedStored = (await api('/api/v1/events?reason=Forged')).body.events as { uid: string; cluster: string }[];
    assert.deepEqual(
      forgedStored.map((e) => [e.uid, e.cluster]),
      [['own-1', idA]],
    );
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, new RegExp(`eventcenter_ingest_refused_total\\{cluster="${idA}",reason="foreign-cluster"\\} 1`));
    assert.match(metrics, new RegExp(`eventcenter_ingest_refused_total\\{cluster="${idB}",reason="foreign-cluster"\\} 1`));
  });

  it('an alert rule scoped to cluster A does not fire on B’s events, and names A when it fires', async () => {
    const created = await api('/api/v1/alert-rules', {
      method: 'POST',
      body: JSON.stringify({ name: 'fleet burst', query: 'reason:FleetBurst', threshold: 1, windowMs: 600_000, clusters: [idA] }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const ruleId = created.body.id as string;
    await warn(b, nsB, 'FleetBurst', 'only-b');
    await waitFor('B’s FleetBurst in the center', async () => (await eventsOf(idB, nsB, 'FleetBurst')).length > 0, { timeoutMs: 90_000 });
    const quiet = (await api('/api/v1/alerts/evaluate', { method: 'POST', body: '{}' })).body.alerts as { ruleId: string }[];
    assert.deepEqual(
      quiet.filter((x) => x.ruleId === ruleId),
      [],
    );
    await warn(a, nsA, 'FleetBurst', 'in-a');
    await waitFor('A’s FleetBurst in the center', async () => (await eventsOf(idA, nsA, 'FleetBurst')).length > 0, { timeoutMs: 90_000 });
    const fired = (await api('/api/v1/alerts/evaluate', { method: 'POST', body: '{}' })).body.alerts as {
      ruleId: string;
      state: string;
      group: Record<string, string>;
    }[];
    const mine = fired.filter((x) => x.ruleId === ruleId);
    assert.deepEqual(
      mine.map((x) => [x.state, x.group.cluster]),
      [['firing', idA]],
    );
  });
});
