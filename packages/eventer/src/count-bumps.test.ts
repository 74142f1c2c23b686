import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  type DingTalkServer,
  type EventBridgeServer,
  type SlsServer,
  startDingTalkServer,
  startEventBridgeServer,
  startSlsServer,
} from '@ack-npd/testkit/peers/index';
import { createDingTalkSink } from './sinks/dingtalk/index.ts';
import { createEventBridgeSink } from './sinks/eventbridge.ts';
import { manualClock, sinkContext, specFrom } from './sinks/fixtures/aliyun-sink-events.ts';
import { bumpWindowFor, DEFAULT_BUMP_WINDOW_MS } from './sinks/index.ts';
import { createLogSink } from './sinks/log.ts';
import { createSlsSink } from './sinks/sls/index.ts';
import { createWebhookSink } from './sinks/webhook.ts';
import { deliverBumps } from './testing/count-bumps.ts';

// One event and 5 count bumps, through the delivery layer with each sink's default bump
// window, to each sink's peer: what a receiver sees.
describe('count bumps: chat sinks fold them, data sinks mark them', () => {
  let dingtalk: DingTalkServer;
  let sls: SlsServer;
  let eventbridge: EventBridgeServer;
  const hooks: { headers: IncomingHttpHeaders; body: string }[] = [];
  const webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  before(async () => {
    dingtalk = await startDingTalkServer({ robots: [{ accessToken: 'bumps' }] });
    sls = await startSlsServer({ accessKeys: [{ accessKeyId: 'ak', accessKeySecret: 'sk' }], projects: { p: ['k8s-event'] } });
    eventbridge = await startEventBridgeServer({ accessKeys: [{ accessKeyId: 'ak', accessKeySecret: 'sk' }] });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await Promise.all([dingtalk.close(), sls.close(), eventbridge.close()]);
    webhook.closeAllConnections();
    await new Promise((resolve) => webhook.close(resolve));
  });

  test('defaults: chat sinks get a 1-minute bump window, data sinks none, a configured bumpWindow wins', () => {
    for (const key of ['dingtalk', 'wechat', 'wecom', 'lark', 'slack', 'teams'])
      assert.equal(bumpWindowFor({}, key), DEFAULT_BUMP_WINDOW_MS, key);
    for (const key of ['log', 'webhook', 'sls', 'eventbridge', 'kafka', 'elasticsearch']) assert.equal(bumpWindowFor({}, key), 0, key);
    assert.equal(bumpWindowFor({}, 'dingtalk', 0), 0);
    assert.equal(bumpWindowFor({ chat: true }, 'my-bot'), DEFAULT_BUMP_WINDOW_MS);
  });

  test('dingtalk: one message at once, then one "(×6)" message when the window closes', async () => {
    const sink = await createDingTalkSink(
      specFrom('dingtalk', `${dingtalk.url}/robot/send?access_token=bumps`),
      sinkContext(manualClock(Date.now())),
    );
    const { atOnce, done } = await deliverBumps(sink, 'dingtalk', () => dingtalk.messages.length);
    assert.equal(atOnce, 1, 'the bumps inside the window send nothing');
    assert.deepEqual(done, [1, 2, 3, 4, 5, 6]);
    const texts = dingtalk.messages.map((m) => (m.body as { text: { content: string } }).text.content);
    assert.equal(texts.length, 2);
    assert.doesNotMatch(texts[0] ?? '', /×/);
    assert.match(texts[1] ?? '', /Message:Back-off restarting failed container web in pod <web> \(×6\)$/);
  });

  test('webhook: six requests, X-Event-Count 1..6, X-Event-Action create then update, kube-eventer body unchanged', async () => {
    hooks.length = 0;
    const port = (webhook.address() as AddressInfo).port;
    const sink = await createWebhookSink(
      specFrom('webhook', `http://127.0.0.1:${port}/hook?method=POST`),
      sinkContext(manualClock(Date.now())),
    );
    const { atOnce } = await deliverBumps(sink, 'webhook', () => hooks.length);
    assert.equal(atOnce, 6);
    assert.deepEqual(
      hooks.map((h) => h.headers['x-event-count']),
      ['1', '2', '3', '4', '5', '6'],
    );
    assert.deepEqual(
      hooks.map((h) => h.headers['x-event-action']),
      ['create', 'update', 'update', 'update', 'update', 'update'],
    );
    assert.deepEqual(Object.keys(JSON.parse(hooks[5]?.body ?? '{}')), [
      'EventType',
      'EventKind',
      'EventReason',
      'EventTime',
      'EventMessage',
    ]);
    assert.doesNotMatch(hooks[5]?.body ?? '', /×/);

    hooks.length = 0;
    const templated = await createWebhookSink(
      specFrom(
        'webhook',
        `http://127.0.0.1:${port}/hook?method=POST&body_template=${encodeURIComponent('{{ .EventAction }}/{{ .Count }}')}`,
      ),
      sinkContext(manualClock(Date.now())),
    );
    await deliverBumps(templated, 'webhook', () => hooks.length);
    assert.deepEqual(
      hooks.map((h) => h.body),
      ['create/1', 'update/2', 'update/3', 'update/4', 'update/5', 'update/6'],
    );
  });

  test('sls: six logs, each with count and action fields', async () => {
    const sink = await createSlsSink(
      specFrom('sls', `https://sls.aliyuncs.com?project=p&logStore=k8s-event&endpoint=${sls.url}&accessKeyId=ak&accessKeySecret=sk`),
      sinkContext(manualClock(Date.now())),
    );
    const logs = () =>
      sls.received.flatMap((r) => r.group.logs.map((log) => Object.fromEntries(log.contents.map((c) => [c.key, c.value]))));
    const { atOnce } = await deliverBumps(sink, 'sls', () => logs().length);
    assert.equal(atOnce, 6);
    assert.deepEqual(
      logs().map((log) => `${log.action}/${log.count}/${(JSON.parse(log.eventId ?? '{}') as { count: number }).count}`),
      ['create/1/1', 'update/2/2', 'update/3/3', 'update/4/4', 'update/5/5', 'update/6/6'],
    );
  });

  test('eventbridge: six CloudEvents with eventcount and eventaction extensions', async () => {
    const sink = await createEventBridgeSink(
      specFrom(
        'eventbridge',
        `?clusterId=c1&regionId=cn-hangzhou&accountId=42&endpoint=${eventbridge.url}&accessKeyId=ak&accessKeySecret=sk`,
      ),
      sinkContext(manualClock(Date.now())),
    );
    const { atOnce } = await deliverBumps(sink, 'eventbridge', () => eventbridge.events.length);
    assert.equal(atOnce, 6);
    assert.deepEqual(
      eventbridge.events.map(({ event }) => `${event.eventaction}/${event.eventcount}`),
      ['create/1', 'update/2', 'update/3', 'update/4', 'update/5', 'update/6'],
    );
    assert.equal(new Set(eventbridge.events.map(({ event }) => event.id)).size, 6, 'each state has its own CloudEvent id');
  });

  test('log: six lines, each with count and change', async () => {
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk) => (text += chunk));
    const sink = createLogSink(specFrom('log', ''), sinkContext(manualClock(Date.now())), output);
    const lines = () => text.split('\n').filter((line) => line !== '');
    const { atOnce } = await deliverBumps(sink, 'log', () => lines().length);
    assert.equal(atOnce, 6);
    assert.deepEqual(
      lines().map((line) => {
        const parsed = JSON.parse(line) as { change: string; count: number };
        return `${parsed.change}/${parsed.count}`;
      }),
      ['added/1', 'updated/2', 'updated/3', 'updated/4', 'updated/5', 'updated/6'],
    );
  });
});
