import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import { type HoneycombServer, startHoneycombServer, waitFor } from '@ack-npd/testkit';
import { SinkError } from '../errors.ts';
import { eventMessages, SinkE2E } from '../testing/sink-e2e.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from './fixtures/aliyun-sink-events.ts';
import { batchUrl, createHoneycombSink, honeycombData, parseHoneycombOptions } from './honeycomb.ts';

const T0 = Date.parse('2026-11-23T10:00:00Z');
// kube-eventer docs/en/honeycomb-sink.md, verbatim.
const DOC_EXAMPLE = 'honeycomb:?dataset=mydataset&writekey=secretwritekey';

describe('honeycomb options and data (kube-eventer compatible)', () => {
  test("kube-eventer's example and defaults: dataset heapster, writekey from env HONEYCOMB_WRITEKEY", () => {
    const example = parseHoneycombOptions(specFrom('honeycomb', DOC_EXAMPLE.slice('honeycomb:'.length)), {});
    assert.deepEqual(example, {
      apiHost: 'https://api.honeycomb.io/',
      dataset: 'mydataset',
      writeKey: 'secretwritekey',
      timeoutMs: 10_000,
    });
    const fromEnv = parseHoneycombOptions(specFrom('honeycomb', ''), { HONEYCOMB_WRITEKEY: 'k' });
    assert.equal(fromEnv.dataset, 'heapster');
    assert.equal(fromEnv.writeKey, 'k');
    assert.throws(
      () => parseHoneycombOptions(specFrom('honeycomb', '?dataset=d'), {}),
      (error: unknown) => error instanceof ConfigError && error.issues.some((i) => i.path === 'writekey'),
    );
    assert.equal(batchUrl('https://api.honeycomb.io/', 'my set'), 'https://api.honeycomb.io/1/batch/my%20set');
    assert.equal(batchUrl('http://127.0.0.1:9/prefix', 'd'), 'http://127.0.0.1:9/prefix/1/batch/d');
  });

  test("data carries kube-eventer's fields plus uid and action", () => {
    assert.deepEqual(honeycombData(kubeEvent()), {
      namespace: 'default',
      kind: 'Pod',
      name: 'web-7d4b9c-x2x9z',
      subobject: 'spec.containers{web}',
      'source.component': 'kubelet',
      'source.host': 'cn-hangzhou.192.168.0.10',
      count: 3,
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container web in pod <web>',
      uid: '6f1c2a4e-0000-4000-8000-000000000001',
      action: 'create',
    });
  });
});

describe('honeycomb sink against the Honeycomb peer', () => {
  let server: HoneycombServer;
  before(async () => {
    server = await startHoneycombServer({ writeKeys: ['good-key'] });
  });
  after(() => server.close());
  const sinkFor = async (query: string) =>
    createHoneycombSink(specFrom('honeycomb', `?apihost=${server.url}&${query}`), sinkContext(manualClock(T0)));

  test('a batch lands with its event times; an unknown key is refused for good', async () => {
    const sink = await sinkFor('dataset=k8s&writekey=good-key');
    const events = [kubeEvent({ uid: 'a' }), kubeEvent({ uid: 'b', lastTimestamp: '2024-01-02T03:04:05Z' })];
    await sink.send(events, AbortSignal.timeout(5000));
    assert.deepEqual(server.batches.at(-1), { dataset: 'k8s', count: 2, encoding: 'identity' });
    assert.deepEqual(
      server.events.slice(-2).map((e) => [e.data.uid, e.time]),
      [
        ['a', '2023-11-14T22:13:20.000Z'],
        ['b', '2024-01-02T03:04:05.000Z'],
      ],
    );
    const bad = await sinkFor('dataset=k8s&writekey=bad-key');
    await assert.rejects(bad.send(events, AbortSignal.timeout(5000)), (error: unknown) => {
      assert.ok(error instanceof SinkError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /HTTP 401/);
      assert.doesNotMatch(error.message, /bad-key/);
      return true;
    });
  });

  test('per-event 429/503 statuses: only the refused events are sent again', async () => {
    const sink = await sinkFor('dataset=partial&writekey=good-key');
    const events = ['p1', 'p2', 'p3', 'p4'].map((uid) => kubeEvent({ uid }));
    server.failNextEvents(2, 503);
    await assert.rejects(sink.send(events, AbortSignal.timeout(5000)), (error: unknown) => error instanceof SinkError && error.retryable);
    await sink.send(events, AbortSignal.timeout(5000)); // the delivery layer's retry of the same batch
    const landed = server.events.filter((e) => e.dataset === 'partial').map((e) => e.data.uid);
    assert.deepEqual([...landed].sort(), ['p1', 'p2', 'p3', 'p4'], 'each event once');
    assert.deepEqual(
      server.batches.filter((b) => b.dataset === 'partial').map((b) => b.count),
      [4, 2],
    );
  });
});

describe('honeycomb sink end to end', { timeout: 420_000 }, () => {
  const e2e = new SinkE2E();
  let server: HoneycombServer;
  before(async () => {
    await e2e.setup();
    server = await startHoneycombServer({ writeKeys: ['secretwritekey', 'e2e-key'] });
  });
  after(async () => {
    await e2e.teardown();
    await server.close();
  });

  test("kube-eventer's documented example starts the eventer (apihost moved to loopback)", async () => {
    const { eventer } = await e2e.start('honeycomb-docs', [`${DOC_EXAMPLE}&apihost=${server.url}`]);
    assert.ok(eventer.running);
    await eventer.stop('SIGTERM');
  });

  test('events from the real control plane land in the dataset once each, across a Honeycomb restart', async () => {
    const { namespace, eventer } = await e2e.start('honeycomb', [`honeycomb:?dataset=e2e&apihost=${server.url}`], {
      HONEYCOMB_WRITEKEY: 'e2e-key',
    });
    const messages = () => server.events.filter((e) => e.dataset === 'e2e').map((e) => String(e.data.message));
    const arrived = (message: string) => messages().includes(message);
    await e2e.createEvents(namespace, 0, 50);
    await waitFor('the first events', () => eventMessages(0, 50).every(arrived), { timeoutMs: 60_000 });
    await server.restart(1500);
    await e2e.createEvents(namespace, 50, 100);
    await waitFor('every event after the restart', () => eventMessages(0, 100).every(arrived), {
      timeoutMs: 90_000,
      describe: () =>
        `missing: ${eventMessages(0, 100)
          .filter((m) => !arrived(m))
          .slice(0, 10)
          .join(', ')}`,
    });
    assert.equal(messages().length, 100, 'nothing lost, nothing sent twice');
    const one = server.events.find((e) => e.data.message === 'event 3');
    assert.equal(one?.data.namespace, namespace);
    assert.equal(one?.data.kind, 'Pod');
    assert.equal(one?.data.type, 'Warning');
    assert.ok(one?.time && Math.abs(Date.parse(one.time) - Date.now()) < 300_000, 'the event time is sent');
    await eventer.stop('SIGTERM');
  });
});
