import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError, systemClock } from '@ack-npd/core';
import { createLogger } from '@ack-npd/core/logger';
import { parseSinkSpec } from '../config.ts';
import { SinkError } from '../errors.ts';
import { matchesFilter } from '../filter.ts';
import { testEvent } from '../testing/memory-sink.ts';
import { createWebhookSink } from './webhook.ts';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
const received: Received[] = [];
let reply: { status: number; headers?: Record<string, string> } = { status: 200 };
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    res.writeHead(reply.status, reply.headers).end('nope');
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

test('defaults: GET (kube-eventer), kube-eventer body, headers, idempotency key, extra query kept', async () => {
  received.length = 0;
  reply = { status: 200 };
  const spec = parseSinkSpec(`webhook:${base}/hook?token=abc&level=Warning&header=X-Team=ops&header=Authorization=Bearer x`, { env: {} });
  const sink = await createWebhookSink(spec, context);
  const event = testEvent({ uid: 'u1', resourceVersion: '7', type: 'Warning', reason: 'BackOff', message: 'a "quoted" msg', kind: 'Pod' });
  assert.ok(sink.filter);
  assert.equal(matchesFilter(sink.filter, testEvent({ type: 'Normal' })), false, 'level=Warning: the delivery loop drops Normal events');
  await sink.send([event], AbortSignal.timeout(5000));
  assert.equal(received.length, 1);
  const [r] = received as [Received];
  assert.equal(r.method, 'GET');
  assert.equal(r.url, '/hook?token=abc');
  assert.equal(r.headers['x-team'], 'ops');
  assert.equal(r.headers.authorization, 'Bearer x');
  assert.equal(r.headers['idempotency-key'], 'u1:7');
  assert.deepEqual(JSON.parse(r.body), {
    EventType: 'Warning',
    EventKind: 'Pod',
    EventReason: 'BackOff',
    EventTime: '2023-11-14 22:13:20 +0000 UTC',
    EventMessage: 'a "quoted" msg',
  });
  await sink.close();
});

test("headers from a Secret's headers key: one per line, blank lines and an empty value ignored", async () => {
  received.length = 0;
  reply = { status: 200 };
  const env = {
    WEBHOOK_URL: `${base}/hook?sig=a%2Bb`,
    WEBHOOK_HEADERS: 'Authorization=Bearer t+k&level=Normal%20#x\n\nX-Team=ops\n',
    NONE: '',
  };
  // biome-ignore lint/suspicious/noTemplateCurlyInString: what the chart renders for an optional Secret key
  const spec = parseSinkSpec('webhook:$WEBHOOK_URL?level=Warning&method=POST&header=$WEBHOOK_HEADERS&header=$NONE&header=${UNSET:-}', {
    env,
  });
  const sink = await createWebhookSink(spec, context);
  await sink.send([testEvent({ type: 'Warning' })], AbortSignal.timeout(5000));
  const [r] = received as [Received];
  assert.equal(r.url, '/hook?sig=a%2Bb');
  assert.equal(r.headers.authorization, 'Bearer t+k&level=Normal%20#x');
  assert.equal(r.headers['x-team'], 'ops');
  assert.ok(sink.filter && !matchesFilter(sink.filter, testEvent({ type: 'Normal' })), 'level stays Warning');
  await sink.close();
});

test('POST with a body template; errors are classified for retry', async () => {
  received.length = 0;
  const spec = parseSinkSpec(`webhook:${base}/x?method=POST`, {
    env: {},
    extraOptions: { body_template: '{"text":"{{ .Namespace }}/{{ .InvolvedObject.Name }}: {{ .Message }}"}' },
  });
  const sink = await createWebhookSink(spec, context);
  await sink.send([testEvent({ namespace: 'ns', message: 'hi' })], AbortSignal.timeout(5000));
  assert.equal(received[0]?.method, 'POST');
  assert.match(JSON.parse(received[0]?.body ?? '{}').text, /^ns\/obj-\d+: hi$/);
  const cases: [number, boolean, boolean][] = [
    [503, true, false],
    [429, true, true],
    [400, false, false],
    [404, false, false],
  ];
  for (const [status, retryable, rateLimited] of cases) {
    reply = { status, headers: status === 429 ? { 'retry-after': '7' } : {} };
    const error = await sink.send([testEvent()], AbortSignal.timeout(5000)).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof SinkError, `status ${status}`);
    assert.equal(error.retryable, retryable, `status ${status}`);
    assert.equal(error.rateLimited, rateLimited);
    if (status === 429) assert.equal(error.retryAfterMs, 7000);
  }
  reply = { status: 200 };
  await sink.close();
});

test('a dead endpoint is a retryable error; bad options are ConfigErrors naming the option', async () => {
  const dead = await createWebhookSink(parseSinkSpec('webhook:http://127.0.0.1:1/x', { env: {} }), context);
  const error = await dead.send([testEvent()], AbortSignal.timeout(5000)).catch((e: unknown) => e);
  assert.ok(error instanceof SinkError && error.retryable);
  await dead.close();
  const bad = async (uri: string, pattern: RegExp) => {
    const e = await createWebhookSink(parseSinkSpec(uri, { env: {} }), context).catch((x: unknown) => x);
    assert.ok(e instanceof ConfigError, uri);
    assert.match(e.message, pattern);
  };
  await bad(`webhook:${base}?method=DELETE`, /webhook\?method/);
  await bad(`webhook:${base}?header=novalue`, /webhook\?header/);
  await bad('webhook:?level=Warning', /webhook\?url/);
  await bad(`webhook:${base}?custom_body_configmap=x`, /custom_body_configmap/);
});

test('TLS: ca= trusts a private CA, insecure=true skips verification, neither fails (retryable)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'webhook-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    let hits = 0;
    const tls = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
      hits++;
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/hook`;
    try {
      for (const [query, ok] of [
        [`?ca=${cert}`, true],
        ['?insecure=true', true],
        ['?insecure=1', true],
        ['?insecure=T', true],
        ['', false],
        ['?insecure=false', false],
      ] as const) {
        const sink = await createWebhookSink(parseSinkSpec(`webhook:${url}${query}`, { env: {} }), context);
        const error = await sink.send([testEvent()], AbortSignal.timeout(5000)).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (ok) assert.equal(error, undefined, query);
        else assert.ok(error instanceof SinkError && error.retryable, 'an untrusted certificate fails');
        await sink.close();
      }
      assert.equal(hits, 4);
      await assert.rejects(
        createWebhookSink(parseSinkSpec(`webhook:${url}?insecure=yes`, { env: {} }), context),
        (error: unknown) => error instanceof ConfigError && error.issues[0]?.path === 'webhook?insecure',
      );
    } finally {
      const closed = new Promise<void>((resolve) => tls.close(() => resolve()));
      tls.closeAllConnections();
      await closed;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
