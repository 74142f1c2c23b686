import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import { type RiemannServer, startRiemannServer, waitFor } from '@ack-npd/testkit';
import { SinkError } from '../../errors.ts';
import { eventMessages, SinkE2E } from '../../testing/sink-e2e.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from '../fixtures/aliyun-sink-events.ts';
import { createRiemannSink, parseRiemannOptions } from './index.ts';

const T0 = Date.parse('2026-11-23T10:00:00Z');
// kube-eventer docs/en/riemann-sink.md, verbatim.
const DOC_EXAMPLE = 'riemann:http://localhost:5555?ttl=120&state=ok&tags=foobar&batchsize=150';

describe('riemann options (kube-eventer compatible)', () => {
  test("kube-eventer's example and defaults", () => {
    const example = parseRiemannOptions(specFrom('riemann', DOC_EXAMPLE.slice('riemann:'.length)));
    assert.deepEqual(example, {
      host: 'localhost',
      port: 5555,
      ttl: 120,
      state: 'ok',
      tags: ['foobar'],
      batchSize: 150,
      timeoutMs: 10_000,
    });
    const defaults = parseRiemannOptions(specFrom('riemann', ''));
    assert.deepEqual(defaults, {
      host: 'riemann-heapster',
      port: 5555,
      ttl: 60,
      state: '',
      tags: ['heapster'],
      batchSize: 1000,
      timeoutMs: 10_000,
    });
    assert.deepEqual(parseRiemannOptions(specFrom('riemann', 'http://r:1?tags=a&tags=b')).tags, ['a', 'b']);
    assert.throws(
      () => parseRiemannOptions(specFrom('riemann', 'http://r:5555?ttl=soon')),
      (error: unknown) => error instanceof ConfigError && error.issues.some((i) => i.path === 'ttl'),
    );
    assert.throws(
      () => parseRiemannOptions(specFrom('riemann', 'http://r:5555?batchsize=0')),
      (error: unknown) => error instanceof ConfigError && error.issues.some((i) => i.path === 'batchsize'),
    );
  });
});

describe('riemann sink against the Riemann peer', () => {
  let server: RiemannServer;
  before(async () => {
    server = await startRiemannServer();
  });
  after(() => server.close());
  const sinkFor = async (query: string) =>
    createRiemannSink(specFrom('riemann', `http://127.0.0.1:${server.port}?${query}`), sinkContext(manualClock(T0)));

  test("one Msg per batch with kube-eventer's event fields", async () => {
    const sink = await sinkFor('ttl=120&tags=k8s&tags=prod');
    await sink.send([kubeEvent(), kubeEvent({ type: 'Normal', reason: 'Pulled', uid: 'u2' })], AbortSignal.timeout(5000));
    assert.equal(server.messages.at(-1)?.events, 2);
    const [warning, normal] = server.events.slice(-2);
    assert.equal(warning?.service, 'Pod.BackOff');
    assert.equal(warning?.host, 'cn-hangzhou.192.168.0.10');
    assert.equal(warning?.description, 'Back-off restarting failed container web in pod <web>');
    assert.equal(warning?.state, 'warning');
    assert.equal(normal?.state, 'ok');
    assert.equal(warning?.metricSint64, 3n);
    assert.equal(warning?.ttl, 120);
    assert.deepEqual(warning?.tags, ['k8s', 'prod']);
    assert.equal(warning?.time, BigInt(Date.parse('2023-11-14T22:13:20Z') / 1000));
    assert.equal(warning?.timeMicros, BigInt(Date.parse('2023-11-14T22:13:20Z')) * 1000n);
    assert.deepEqual(warning?.attributes, {
      action: 'create',
      'api-version': 'v1',
      component: 'kubelet',
      'field-path': 'spec.containers{web}',
      'first-timestamp': String(Date.parse('2023-11-14T22:10:00Z') / 1000),
      'last-timestamp': String(Date.parse('2023-11-14T22:13:20Z') / 1000),
      name: 'web-7d4b9c-x2x9z',
      namespace: 'default',
      'resource-version': '1001',
      uid: 'a1b2c3d4-0000-4000-8000-0000000000aa',
    });
  });

  test('ok=false and a dropped connection are retryable; the next send reconnects', async () => {
    const sink = await sinkFor('state=critical');
    server.failNext(1, 'index overloaded');
    await assert.rejects(sink.send([kubeEvent()], AbortSignal.timeout(5000)), (error: unknown) => {
      assert.ok(error instanceof SinkError);
      assert.equal(error.retryable, true);
      assert.match(error.message, /index overloaded/);
      return true;
    });
    await server.restart(0);
    await sink.send([kubeEvent()], AbortSignal.timeout(5000)).catch(() => undefined); // the old socket is dead
    await sink.send([kubeEvent()], AbortSignal.timeout(5000));
    assert.equal(server.events.at(-1)?.state, 'critical');
    const refused = await createRiemannSink(specFrom('riemann', 'http://127.0.0.1:1'), sinkContext(manualClock(T0)));
    await assert.rejects(
      refused.send([kubeEvent()], AbortSignal.timeout(5000)),
      (error: unknown) => error instanceof SinkError && error.retryable,
    );
    await sink.close();
  });
});

describe('riemann sink end to end', { timeout: 420_000 }, () => {
  const e2e = new SinkE2E();
  let server: RiemannServer;
  before(async () => {
    await e2e.setup();
    server = await startRiemannServer();
  });
  after(async () => {
    await e2e.teardown();
    await server.close();
  });

  test("kube-eventer's documented example starts the eventer (localhost)", async () => {
    const { eventer } = await e2e.start('riemann-docs', [DOC_EXAMPLE]);
    assert.ok(eventer.running);
    await eventer.stop('SIGTERM');
  });

  test('events from the real control plane reach Riemann once each, across a Riemann restart', async () => {
    const { namespace, eventer } = await e2e.start('riemann', [`riemann:http://127.0.0.1:${server.port}?ttl=120&tags=e2e&batchsize=7`]);
    const descriptions = () => server.events.map((e) => String(e.description));
    const arrived = (message: string) => descriptions().includes(message);
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
    // Riemann cannot drop a duplicate: a batch whose reply the restart cut off is sent again
    // (at least once). Anything beyond that one batch would be a bug.
    const twice = descriptions().length - 100;
    process.stdout.write(`# riemann e2e: ${server.messages.length} messages, ${twice} events sent again\n`);
    assert.ok(twice <= 7, `at most the one batch (batchsize 7) in flight at the restart: ${twice}`);
    assert.ok(
      server.messages.every((m) => m.events <= 7),
      'batchsize bounds each Msg',
    );
    const one = server.events.find((e) => e.description === 'event 3');
    assert.equal(one?.service, 'Pod.BackOff');
    assert.equal(one?.attributes.namespace, namespace);
    assert.deepEqual(one?.tags, ['e2e']);
    await eventer.stop('SIGTERM');
  });
});
