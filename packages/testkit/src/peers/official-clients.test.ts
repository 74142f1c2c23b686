import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IncomingWebhook } from '@slack/webhook';
import Libhoney from 'libhoney';
import { type HoneycombServer, startHoneycombServer } from './honeycomb-server.ts';
import { expectedLarkSign } from './lark-server.ts';
import { runRiemannClient } from './riemann-python-client.ts';
import { type RiemannServer, startRiemannServer } from './riemann-server.ts';
import { type SlackServer, startSlackServer } from './slack-server.ts';

// The protocol-faithful peers, validated by the services' official client libraries: what
// the official client sends is accepted, what it reads back is what the service answers.

describe("Honeycomb peer with Honeycomb's libhoney (npm)", () => {
  let server: HoneycombServer;
  before(async () => {
    server = await startHoneycombServer({ writeKeys: ['hny-key'] });
  });
  after(() => server.close());

  test('libhoney batches land with their data and time; each response is 202', async () => {
    const responses: { status_code?: number }[] = [];
    const hny = new Libhoney({
      writeKey: 'hny-key',
      dataset: 'k8s events',
      apiHost: server.url,
      responseCallback: (r: typeof responses) => responses.push(...r),
    });
    for (let i = 0; i < 5; i++) {
      const event = hny.newEvent();
      event.add({ i, reason: 'BackOff' });
      event.timestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
      event.send();
    }
    await hny.flush();
    assert.deepEqual(
      responses.map((r) => r.status_code),
      [202, 202, 202, 202, 202],
    );
    const landed = server.events.filter((e) => e.dataset === 'k8s events');
    assert.deepEqual(
      landed.map((e) => e.data.i),
      [0, 1, 2, 3, 4],
    );
    assert.equal(landed[2]?.time, '2026-01-01T00:00:02.000Z');
  });

  test('libhoney sees 401 for a wrong key and per-event 429 for a throttled event', async () => {
    const responses: { status_code?: number; error?: unknown }[] = [];
    const wrong = new Libhoney({
      writeKey: 'wrong',
      dataset: 'd',
      apiHost: server.url,
      responseCallback: (r: typeof responses) => responses.push(...r),
    });
    wrong.sendNow({ a: 1 });
    await wrong.flush();
    assert.equal(responses.at(-1)?.status_code, 401);
    const hny = new Libhoney({
      writeKey: 'hny-key',
      dataset: 'd',
      apiHost: server.url,
      responseCallback: (r: typeof responses) => responses.push(...r),
    });
    server.failNextEvents(1, 429);
    hny.sendNow({ a: 1 });
    hny.sendNow({ a: 2 });
    await hny.flush();
    assert.deepEqual(
      responses.slice(-2).map((r) => r.status_code),
      [429, 202],
    );
  });
});

describe("Slack peer with Slack's @slack/webhook (npm)", () => {
  let server: SlackServer;
  before(async () => {
    server = await startSlackServer({ hooks: ['/services/T1/B1/X1'], archived: [] });
  });
  after(() => server.close());

  test('IncomingWebhook.send: text and blocks accepted ("ok"); bad blocks and unknown hooks refused with Slack\'s codes', async () => {
    const hook = new IncomingWebhook(`${server.url}/services/T1/B1/X1`);
    const reply = await hook.send({
      text: 'fallback',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Warning BackOff' } },
        { type: 'section', fields: [{ type: 'mrkdwn', text: '*Kind*\nPod' }] },
      ],
    });
    assert.equal(reply.text, 'ok');
    assert.equal(server.messages.at(-1)?.body.text, 'fallback');
    assert.match(server.messages.at(-1)?.contentType ?? '', /^application\/json/);
    const tooLong = hook.send({ blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] });
    await assert.rejects(tooLong, (error: { code?: string; statusCode?: number; body?: unknown }) => {
      assert.equal(error.code, 'slack_webhook_http_error');
      assert.equal(error.statusCode, 400);
      assert.equal(error.body, 'invalid_blocks');
      return true;
    });
    await assert.rejects(
      new IncomingWebhook(`${server.url}/services/T1/B1/GONE`).send({ text: 'x' }),
      (error: { statusCode?: number; body?: unknown }) => {
        assert.equal(error.statusCode, 404);
        assert.equal(error.body, 'no_service');
        return true;
      },
    );
  });
});

describe('Lark peer signature', () => {
  test('matches the documented vector', () => {
    assert.equal(expectedLarkSign('1700000000', 'test'), 'eSJQnOl8XqPTMPHWz9e5IzeHS/tqoc68g2967ekIPmg=');
  });
});

describe('Riemann peer with riemann-client (PyPI)', { timeout: 600_000 }, () => {
  let server: RiemannServer;
  before(async () => {
    server = await startRiemannServer();
  });
  after(() => server.close());

  test("the client's events are decoded field by field, its query answered, ok=false raised", async () => {
    const result = await runRiemannClient({
      host: '127.0.0.1',
      port: server.port,
      events: [
        {
          service: 'Pod.BackOff',
          host: 'node-1',
          state: 'warning',
          description: 'back-off',
          metric_sint64: 3,
          ttl: 120,
          tags: ['k8s', 'prod'],
          attributes: { namespace: 'default' },
        },
        { service: 'Node.Ready', host: 'node-2', state: 'ok', metric_f: 1.5 },
      ],
      query: 'true',
    });
    assert.deepEqual(result, {
      ok: true,
      sent: 2,
      query: [
        { service: 'Pod.BackOff', host: 'node-1', state: 'warning', metric_sint64: 3 },
        { service: 'Node.Ready', host: 'node-2', state: 'ok', metric_sint64: null },
      ],
    });
    const [first, second] = server.events;
    assert.equal(first?.description, 'back-off');
    assert.equal(first?.ttl, 120);
    assert.deepEqual(first?.tags, ['k8s', 'prod']);
    assert.deepEqual(first?.attributes, { namespace: 'default' });
    assert.equal(first?.metricSint64, 3n);
    assert.equal(second?.metricF, 1.5);
    server.failNext(1, 'overloaded');
    const refused = await runRiemannClient({ host: '127.0.0.1', port: server.port, events: [{ service: 's' }] });
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.error, /overloaded/);
  });
});
