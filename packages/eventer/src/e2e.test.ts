import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { systemClock } from '@ack-npd/core';
import { createLogger } from '@ack-npd/core/logger';
import type { ClusterClient } from '@ack-npd/testkit';
import { sharedCluster, waitFor } from '@ack-npd/testkit';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { parseSinkSpec } from './config.ts';
import { createWebhookSink } from './sinks/webhook.ts';
import { clusterKube, createEvents as createEventsIn } from './testing/cluster-events.ts';
import { EventerProcess, leaseArgs } from './testing/eventer-process.ts';
import { testEvent } from './testing/memory-sink.ts';
import { WebhookReceiver } from './testing/receiver.ts';

// Real kube-apiserver (testkit), the eventer as a child process, a local webhook receiver.
/**
 * A kill -9 failover resends what the dead leader accepted after its last completed checkpoint save:
 * saves start at most 200 ms apart and take one ConfigMap update, so nothing older than this.
 */
const FAILOVER_REDELIVERY_WINDOW_MS = 1000;
const BODY = '{"key":"{{ .Metadata.UID }}/{{ .Count }}","reason":"{{ .Reason }}"}';

let cluster: ClusterClient;
let dir = '';
const processes: EventerProcess[] = [];
const receivers: WebhookReceiver[] = [];

before(async () => {
  cluster = await sharedCluster();
  dir = await mkdtemp(join(tmpdir(), 'eventer-e2e-'));
});
after(async () => {
  for (const p of processes) await p.stop('SIGKILL');
  for (const r of receivers) await r.close();
  await rm(dir, { recursive: true, force: true });
});

async function setup(name: string, extraArgs: (namespace: string) => string[] = () => []) {
  const namespace = await cluster.createNamespace(`eventer-${name}`);
  const receiver = new WebhookReceiver();
  receivers.push(receiver);
  const url = await receiver.start();
  const config = join(dir, `${name}.yaml`);
  await writeFile(
    config,
    JSON.stringify({
      sinks: [{ name: 'hook', uri: `webhook:${url}?method=POST`, options: { body_template: BODY } }],
      delivery: { maxRetries: 2 },
    }),
  );
  const args = [
    `--source=kubernetes:?inClusterConfig=false&auth=${cluster.kubeconfigPath}`,
    `--config=${config}`,
    `--namespaces=${namespace}`,
    '--frequency=200ms',
    '--healthz-port=0',
    `--checkpoint=configmap:${namespace}/eventer-checkpoint`,
    ...extraArgs(namespace),
  ];
  const eventer = (id: string, more: string[] = []) => {
    const p = new EventerProcess(
      [...args, `--spool-dir=${join(dir, `${name}-spool-${id}`)}`, `--identity=${id}`, ...more],
      join(dir, `${name}-${id}.log`),
    );
    processes.push(p);
    return p;
  };
  return { namespace, receiver, eventer };
}

/**
 * Bumps the count of `count` events whose first version the receiver already has (a bump of
 * an event nobody saw yet would hide its count=1 version from every watcher).
 */
async function bumpCounts(namespace: string, receiver: WebhookReceiver, count: number): Promise<string[]> {
  const list = await cluster.core.listNamespacedEvent({ namespace });
  const targets = (list.items ?? []).filter((e) => receiver.deliveries.has(`${e.metadata?.uid}/1`)).slice(0, count);
  assert.equal(targets.length, count);
  for (const event of targets) {
    await cluster.core.replaceNamespacedEvent({
      namespace,
      name: event.metadata?.name ?? '',
      body: { ...event, count: (event.count ?? 1) + 1, lastTimestamp: new Date() },
    });
  }
  return targets.map((e) => `${e.metadata?.uid}/${(e.count ?? 1) + 1}`);
}

const createEvents = (namespace: string, from: number, to: number, concurrency?: number) =>
  createEventsIn(cluster, namespace, from, to, concurrency);

function describeMissing(receiver: WebhookReceiver, expected: Set<string>): () => string {
  return () => {
    const missing = [...expected].filter((key) => !receiver.deliveries.has(key));
    return `received ${receiver.deliveries.size}/${expected.size} keys; missing e.g. ${missing.slice(0, 5).join(', ')}`;
  };
}

describe('eventer against a real apiserver', { timeout: 300_000 }, () => {
  test('2,000 events and 100 count bumps arrive once each, with the eventer killed -9 twice', async () => {
    const { namespace, receiver, eventer } = await setup('kill');
    const expected = new Set<string>();
    let current = eventer('a');
    current.start();
    for (const uid of await createEvents(namespace, 0, 700)) expected.add(`${uid}/1`);
    await waitFor('some deliveries before the first kill', () => receiver.deliveries.size > 100, { timeoutMs: 60_000 });
    await current.stop('SIGKILL');
    for (const uid of await createEvents(namespace, 700, 1300)) expected.add(`${uid}/1`);
    // Restarts of the same replica (its spool volume survives, as a container restart's would).
    current = eventer('a');
    current.start();
    for (const key of await bumpCounts(namespace, receiver, 100)) expected.add(key);
    await waitFor('deliveries after the restart', () => receiver.raw > 900, { timeoutMs: 60_000 });
    await current.stop('SIGKILL');
    current = eventer('a');
    current.start();
    for (const uid of await createEvents(namespace, 1300, 2000)) expected.add(`${uid}/1`);
    await waitFor('every event and count bump delivered', () => [...expected].every((key) => receiver.deliveries.has(key)), {
      timeoutMs: 120_000,
      describe: describeMissing(receiver, expected),
    });
    assert.equal(expected.size, 2100);
    const unexpected = [...receiver.deliveries.keys()].filter((key) => !expected.has(key));
    assert.deepEqual(unexpected, [], 'nothing but the created events and their count bumps');
    const duplicates = receiver.duplicates();
    // A SIGKILL between "the receiver answered 200" and "the eventer journaled it" can only
    // redeliver the events in flight at that instant (webhook: one at a time).
    process.stdout.write(`# kill -9 test: ${receiver.raw} deliveries for ${expected.size} keys, ${duplicates.length} redelivered\n`);
    assert.ok(duplicates.length <= 4, `redeliveries after kill -9: ${duplicates.length}`);
    assert.ok(duplicates.every(([, n]) => n === 2));
    await current.stop('SIGTERM');
  });

  test('a graceful restart (SIGTERM) loses and duplicates nothing; a sink outage is spooled and replayed', async () => {
    const { namespace, receiver, eventer } = await setup('graceful');
    const expected = new Set<string>();
    let current = eventer('a');
    current.start();
    for (const uid of await createEvents(namespace, 0, 200)) expected.add(`${uid}/1`);
    await waitFor('first events', () => receiver.deliveries.size === 200, {
      timeoutMs: 60_000,
      describe: describeMissing(receiver, expected),
    });
    receiver.mode = 'fail';
    for (const uid of await createEvents(namespace, 200, 400)) expected.add(`${uid}/1`);
    const log = join(dir, 'graceful-a.log');
    await waitFor('spooling', async () => (await readFile(log, 'utf8')).includes('spooling'), { timeoutMs: 60_000 });
    assert.equal(await current.stop('SIGTERM'), 0);
    current = eventer('a'); // same spool dir: what was spooled is replayed
    current.start();
    for (const uid of await createEvents(namespace, 400, 500)) expected.add(`${uid}/1`);
    receiver.mode = 'ok';
    await waitFor('everything after the outage', () => [...expected].every((key) => receiver.deliveries.has(key)), {
      timeoutMs: 120_000,
      describe: describeMissing(receiver, expected),
    });
    assert.deepEqual(receiver.duplicates(), []);
    assert.equal(receiver.deliveries.size, 500);
    await current.stop('SIGTERM');
  });

  test('leader failover between two eventers: graceful handover without gap or duplicates, kill -9 without gap', async () => {
    const { namespace, receiver, eventer } = await setup('ha', leaseArgs);
    const leases = cluster.kubeConfig.makeApiClient(CoordinationV1Api);
    const holder = async () => (await leases.readNamespacedLease({ namespace, name: 'eventer' })).spec?.holderIdentity ?? '';
    const replicas = new Map([
      ['x', eventer('x')],
      ['y', eventer('y')],
    ]);
    for (const replica of replicas.values()) replica.start();
    const expected = new Set<string>();
    const allDelivered = (what: string) =>
      waitFor(what, () => [...expected].every((key) => receiver.deliveries.has(key)), {
        timeoutMs: 90_000,
        describe: describeMissing(receiver, expected),
      });
    await waitFor('a leader', async () => (await holder()) !== '', { timeoutMs: 30_000 });
    for (const uid of await createEvents(namespace, 0, 300)) expected.add(`${uid}/1`);
    await allDelivered('events before the handover');

    // Graceful: the leader stops (SIGTERM) while events keep coming; the follower takes over.
    const first = await holder();
    const creating = createEvents(namespace, 300, 600, 4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await replicas.get(first)?.stop('SIGTERM'), 0);
    for (const uid of await creating) expected.add(`${uid}/1`);
    await allDelivered('events across the graceful handover');
    const second = await holder();
    assert.notEqual(second, first);
    assert.deepEqual(receiver.duplicates(), [], 'a graceful handover sends nothing twice');

    // Crash: the new leader is killed -9; the restarted first replica takes over when the lease expires.
    const restarted = eventer(first);
    replicas.set(first, restarted);
    restarted.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const creating2 = createEvents(namespace, 600, 900, 4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    await replicas.get(second)?.stop('SIGKILL');
    for (const uid of await creating2) expected.add(`${uid}/1`);
    await allDelivered('events across the crash failover');
    assert.equal(await holder(), first);
    const duplicates = receiver.duplicates();
    const ages = duplicates.map(([key]) => killedAt - (receiver.firstAt.get(key) ?? 0));
    process.stdout.write(
      `# failover test: ${receiver.raw} deliveries for ${expected.size} keys, ${duplicates.length} redelivered after kill -9, first sent ${Math.max(0, ...ages)} ms before it at most\n`,
    );
    // Another pod has no access to the dead leader's local journal: what it accepted after its
    // last completed checkpoint save is sent again, and nothing older (README "Guarantee").
    const older = duplicates.filter((_, i) => (ages[i] ?? 0) > FAILOVER_REDELIVERY_WINDOW_MS);
    assert.deepEqual(older, [], `redelivered though accepted more than ${FAILOVER_REDELIVERY_WINDOW_MS} ms before the kill`);
    assert.equal(receiver.deliveries.size, 900);
    await replicas.get(first)?.stop('SIGTERM');
  });

  test('webhook custom_body_configmap: the body template comes from the ConfigMap key "content"', async () => {
    const namespace = await cluster.createNamespace('eventer-body');
    await cluster.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'body' }, data: { content: '{"key":"{{ .InvolvedObject.Name }}|{{ .Reason }}|{{ .Type }}"}' } },
    });
    const receiver = new WebhookReceiver();
    receivers.push(receiver);
    const url = await receiver.start();
    const spec = parseSinkSpec(`webhook:${url}?method=POST&custom_body_configmap=body&custom_body_configmap_namespace=${namespace}`, {
      env: {},
    });
    const context = { logger: createLogger({ name: 't', level: 'silent' }), clock: systemClock, env: {}, kube: await clusterKube(cluster) };
    const sink = await createWebhookSink(spec, context);
    await sink.send([testEvent({ reason: 'Evicted', type: 'Warning' })], AbortSignal.timeout(5000));
    assert.match([...receiver.deliveries.keys()][0] ?? '', /^obj-\d+\|Evicted\|Warning$/);
    await sink.close();
    const missing = parseSinkSpec(`webhook:${url}?custom_body_configmap=nope&custom_body_configmap_namespace=${namespace}`, { env: {} });
    await assert.rejects(createWebhookSink(missing, context), /custom_body_configmap: cannot read ConfigMap .*\/nope \(404\)/);
  });
});
