import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ConfigError, systemClock } from '@ack-npd/core';
import { createLogger } from '@ack-npd/core/logger';
import { parseSinkSpec } from '../config.ts';
import { SinkError } from '../errors.ts';
import { testEvent } from '../testing/memory-sink.ts';
import { createEventCenterSink } from './eventcenter.ts';

// The protocol as the event center's ingest route reads it; the center itself is exercised
// end to end (with redelivery after kill -9) in packages/eventcenter/src/ingest.test.ts.
const received: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
let reply = 200;
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    received.push({ url: req.url ?? '', headers: req.headers, body });
    res.writeHead(reply, { 'content-type': 'application/json' }).end('{"error":"x"}');
  });
});
let base = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
});

const context = { logger: createLogger({ name: 't', level: 'silent' }), clock: systemClock, env: {}, kube: undefined };

test('posts batches of normalized events with the bearer token and cluster to /api/v1/ingest', async () => {
  received.length = 0;
  reply = 200;
  const spec = parseSinkSpec(`eventcenter:${base}?token=$TOKEN&cluster=prod&level=Warning`, { env: { TOKEN: 's3cret' } });
  const sink = await createEventCenterSink(spec, context);
  assert.equal(sink.limits?.maxBatch, 500);
  const events = [testEvent({ uid: 'a', count: 3, reason: 'BackOff' }), testEvent({ uid: 'b', kind: 'Node', name: 'n1' })];
  await sink.send(events, AbortSignal.timeout(5000));
  assert.equal(received.length, 1);
  const [r] = received;
  assert.equal(r?.url, '/api/v1/ingest');
  assert.equal(r?.headers.authorization, 'Bearer s3cret');
  assert.equal(r?.headers['content-type'], 'application/json');
  const body = JSON.parse(r?.body ?? '{}') as { events: Record<string, unknown>[] };
  assert.equal(body.events.length, 2);
  assert.deepEqual(
    body.events.map((e) => [e.uid, e.count, e.cluster, e.reason]),
    [
      ['a', 3, 'prod', 'BackOff'],
      ['b', 1, 'prod', 'BackOff'],
    ],
  );
  assert.deepEqual(body.events[1]?.involvedObject, events[1]?.involvedObject);
  assert.deepEqual(body.events[0]?.raw, JSON.parse(JSON.stringify(events[0]?.raw)));
  assert.deepEqual(
    body.events.map((e) => e.clusterName),
    ['prod', 'prod'],
    'the name defaults to the id',
  );
  await sink.close();
});

test('cluster_name names the cluster on every event; without an id or a cluster to ask, no cluster field', async () => {
  received.length = 0;
  reply = 200;
  const named = await createEventCenterSink(parseSinkSpec(`eventcenter:${base}?cluster=c-1&cluster_name=prod-hz`, { env: {} }), context);
  await named.send([testEvent({ uid: 'n' })], AbortSignal.timeout(5000));
  const anonymous = await createEventCenterSink(parseSinkSpec(`eventcenter:${base}`, { env: {} }), context);
  await anonymous.send([testEvent({ uid: 'x' })], AbortSignal.timeout(5000));
  const [first, second] = received.map((r) => (JSON.parse(r.body) as { events: Record<string, unknown>[] }).events[0]);
  assert.deepEqual([first?.cluster, first?.clusterName], ['c-1', 'prod-hz']);
  assert.deepEqual([second?.cluster, second?.clusterName], [undefined, undefined]);
  // With a kubeconfig whose apiserver cannot answer, an unset id is a clear config error, not a silent blank.
  const { KubeClient } = await import('@ack-npd/core/kube-lite');
  const kube = new KubeClient({ server: 'http://127.0.0.1:1', insecure: true, auth: { kind: 'none' } });
  const failed = await createEventCenterSink(parseSinkSpec(`eventcenter:${base}`, { env: {} }), { ...context, kube }).catch(
    (e: unknown) => e,
  );
  assert.ok(failed instanceof ConfigError);
  assert.match(failed.message, /eventcenter\?cluster.*kube-system namespace UID/);
});

test('5xx/429 are retryable, 401/400 permanent; a dead center is retryable', async () => {
  const sink = await createEventCenterSink(parseSinkSpec(`eventcenter:${base}/api/v1/ingest`, { env: {} }), context);
  for (const [status, retryable] of [
    [503, true],
    [429, true],
    [401, false],
    [400, false],
  ] as const) {
    reply = status;
    const error = await sink.send([testEvent()], AbortSignal.timeout(5000)).catch((e: unknown) => e);
    assert.ok(error instanceof SinkError, String(status));
    assert.equal(error.retryable, retryable, String(status));
  }
  assert.equal(received.at(-1)?.url, '/api/v1/ingest', 'a URL already ending in the ingest path is kept');
  assert.equal(received.at(-1)?.headers.authorization, undefined, 'no token, no header');
  const dead = await createEventCenterSink(parseSinkSpec('eventcenter:http://127.0.0.1:1', { env: {} }), context);
  const error = await dead.send([testEvent()], AbortSignal.timeout(5000)).catch((e: unknown) => e);
  assert.ok(error instanceof SinkError && error.retryable);
  const bad = await createEventCenterSink(parseSinkSpec('eventcenter:?token=x', { env: {} }), context).catch((e: unknown) => e);
  assert.ok(bad instanceof ConfigError);
  assert.match(bad.message, /eventcenter\?url/);
});
