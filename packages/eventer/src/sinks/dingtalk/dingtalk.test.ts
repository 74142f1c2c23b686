import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import { type DingTalkServer, startDingTalkServer } from '@ack-npd/testkit/peers/index';
import { SinkError } from '../../errors.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from '../fixtures/aliyun-sink-events.ts';
import {
  createDingTalkSink,
  dingTalkBody,
  dingTalkQuery,
  dingTalkSign,
  foldDingTalkEvents,
  foldMessage,
  parseDingTalkOptions,
  renderDingTalkMessage,
} from './index.ts';

const T0 = Date.parse('2026-11-23T10:00:00Z');

describe('dingtalk signature', () => {
  test('matches the documented vector', () => {
    assert.equal(dingTalkSign(1700000000000, 'SECtest'), 'aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g=');
    assert.equal(
      dingTalkQuery('tok', 'SECtest', 1700000000000),
      'access_token=tok&sign=aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D&timestamp=1700000000000',
    );
    assert.equal(dingTalkQuery('tok', undefined, 1700000000000), 'access_token=tok');
  });
});

describe('dingtalk payloads (byte-exact with kube-eventer)', () => {
  test('text with labels prepended, Go HTML escaping', () => {
    const event = kubeEvent();
    const body = dingTalkBody(renderDingTalkMessage(event, { msgType: 'text', labels: ['cluster-a', 'prod'], clusterId: '', region: '' }));
    assert.equal(
      body,
      String.raw`{"msgtype":"text","text":{"content":"prod\ncluster-a\nLevel:Warning \nKind:Pod \nNamespace:default \nName:web-7d4b9c-x2x9z.17a8c3d2e1f0b9a8 \nReason:BackOff \nTimestamp:2023-11-14 22:13:20 \nMessage:Back-off restarting failed container web in pod \u003cweb\u003e"},"markdown":{"title":"","text":""}}`,
    );
  });

  test('markdown with node link, console link and labels', () => {
    const event = kubeEvent();
    const body = dingTalkBody(
      renderDingTalkMessage(event, { msgType: 'markdown', labels: ['L0', ' '], clusterId: 'c123', region: 'cn-hangzhou' }),
    );
    assert.equal(
      body,
      String.raw`{"msgtype":"markdown","text":{"content":""},"markdown":{"title":"Kubernetes(ID:c123) Event","text":"label[0]: **L0**\n\nNode: [cn-hangzhou.192.168.0.10](https://ecs.console.aliyun.com/#/server/192/detail?regionId=cn-hangzhou) \n\nLevel: **Warning** \n\nKind: **Pod** \n\nNamespace: [default](https://cs.console.aliyun.com/#/k8s/namespace) \n\nName: [web-7d4b9c-x2x9z.17a8c3d2e1f0b9a8](https://cs.console.aliyun.com/#/k8s/pod/c123/default/web-7d4b9c-x2x9z/container) \n\nReason: **BackOff** \n\nTimestamp: **2023-11-14 22:13:20 +0000 UTC** \n\nMessage: **Back-off restarting failed container web in pod \u003cweb\u003e**"}}`,
    );
  });

  test('markdown for a Node event without a dotted host', () => {
    const event = kubeEvent({ kind: 'Node', objectName: 'node-1', name: 'node-1.abc', host: 'node-1' });
    const { markdown } = renderDingTalkMessage(event, { msgType: 'markdown', labels: [], clusterId: 'c', region: 'r' });
    assert.ok(markdown.text.startsWith('Node: **node-1** \n\nLevel: **Warning**'));
    assert.ok(markdown.text.includes('Name: node-1.abc \n\n'));
  });
});

describe('dingtalk options', () => {
  test('parses kube-eventer options and exposes filter and limits', async () => {
    const spec = specFrom(
      'dingtalk',
      'https://oapi.dingtalk.com/robot/send?access_token=T&label=a&label=b&level=Normal&sign=SECx&msg_type=markdown&cluster_id=c1&region=cn-beijing&namespaces=kube-system,default&kinds=Pod,Node',
    );
    const options = parseDingTalkOptions(spec);
    assert.equal(options.endpoint, 'https://oapi.dingtalk.com/robot/send');
    assert.deepEqual(options.labels, ['a', 'b']);
    assert.equal(options.level, 'Normal');
    assert.equal(options.msgType, 'markdown');
    assert.deepEqual(options.namespaces, ['kube-system', 'default']);
    assert.deepEqual(options.kinds, ['Pod', 'Node']);
    const sink = await createDingTalkSink(spec, sinkContext(manualClock(T0)));
    assert.deepEqual(sink.limits, { perMinute: 20, maxBatch: 1 });
    assert.deepEqual(sink.filter, { level: 'Normal', namespaces: ['kube-system', 'default'], kinds: ['Pod', 'Node'] });
    const defaults = parseDingTalkOptions(specFrom('dingtalk', 'https://oapi.dingtalk.com/robot/send?access_token=T'));
    assert.equal(defaults.level, 'Warning');
    assert.equal(defaults.msgType, 'text');
    assert.equal(defaults.namespaces, undefined);
  });

  test('bad options are ConfigErrors naming the sink and option', () => {
    assert.throws(
      () => parseDingTalkOptions(specFrom('dingtalk', 'https://oapi.dingtalk.com/robot/send?access_token=T&level=Error')),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.includes('--sink=dingtalk') &&
        error.issues.some((issue) => issue.path === 'level' && issue.message === 'level must be Normal or Warning'),
    );
    assert.throws(
      () => parseDingTalkOptions(specFrom('dingtalk', 'https://oapi.dingtalk.com/robot/send?level=Warning')),
      (error: unknown) => error instanceof ConfigError && error.issues.some((issue) => issue.path === 'access_token'),
    );
  });
});

describe('foldMessage', () => {
  test('sums reasons, biggest first', () => {
    const events = [
      ...Array.from({ length: 30 }, () => kubeEvent({ reason: 'BackOff' })),
      ...Array.from({ length: 7 }, () => kubeEvent({ reason: 'Unhealthy' })),
    ];
    assert.equal(foldMessage(events), 'and 37 more events: 30 BackOff, 7 Unhealthy');
    const many = ['A', 'B', 'C', 'D', 'E', 'F'].map((reason) => kubeEvent({ reason }));
    assert.equal(foldMessage(many), 'and 6 more events: 1 A, 1 B, 1 C, 1 D, 1 E, ...');
    const summary = foldDingTalkEvents(events);
    assert.equal(summary.message, 'and 37 more events: 30 BackOff, 7 Unhealthy');
    assert.deepEqual(summary.folded, { events: 37, first: events[0]?.timestamp, last: events[0]?.timestamp });
    assert.equal(foldMessage([summary, kubeEvent({ reason: 'Unhealthy' })]), 'and 38 more events: 30 BackOff, 8 Unhealthy');
  });
});

describe('dingtalk sink against the DingTalk peer', () => {
  const serverClock = manualClock(T0);
  let server: DingTalkServer;
  before(async () => {
    server = await startDingTalkServer({
      clock: serverClock,
      robots: [
        { accessToken: 'signed', secret: 'SECright' },
        { accessToken: 'plain', keywords: ['Level'] },
        { accessToken: 'limited' },
        { accessToken: 'flaky' },
      ],
    });
  });
  after(() => server.close());

  const sinkFor = async (query: string, clockMs = T0) =>
    createDingTalkSink(specFrom('dingtalk', `${server.url}/robot/send?${query}`), sinkContext(manualClock(clockMs)));

  test('a signed message is accepted and its bytes are what we rendered', async () => {
    const sink = await sinkFor('access_token=signed&sign=SECright&label=prod');
    const event = kubeEvent();
    await sink.send([event], AbortSignal.timeout(5000));
    const received = server.messages.at(-1);
    assert.ok(received);
    assert.equal(received.accessToken, 'signed');
    assert.equal(received.contentType, 'application/json;charset=utf-8');
    assert.equal(received.query.get('timestamp'), String(T0));
    assert.equal(
      received.raw,
      dingTalkBody(renderDingTalkMessage(event, { msgType: 'text', labels: ['prod'], clusterId: '', region: '' })),
    );
    assert.ok(received.body.text?.content.startsWith('prod\nLevel:Warning \nKind:Pod'));
  });

  test('a wrong secret is refused for good', async () => {
    const sink = await sinkFor('access_token=signed&sign=SECwrong');
    await assert.rejects(sink.send([kubeEvent()], AbortSignal.timeout(5000)), (error: unknown) => {
      assert.ok(error instanceof SinkError);
      assert.equal(error.retryable, false);
      assert.equal(error.rateLimited, false);
      assert.match(error.message, /310000: sign not match/);
      assert.doesNotMatch(error.message, /SECwrong/);
      return true;
    });
  });

  test('a timestamp more than an hour off is refused', async () => {
    const sink = await sinkFor('access_token=signed&sign=SECright', T0 - 2 * 3_600_000);
    await assert.rejects(sink.send([kubeEvent()], AbortSignal.timeout(5000)), /invalid timestamp/);
  });

  test('an unknown token and missing keywords are permanent', async () => {
    const unknown = await sinkFor('access_token=nope');
    await assert.rejects(
      unknown.send([kubeEvent()], AbortSignal.timeout(5000)),
      (error: unknown) => error instanceof SinkError && !error.retryable && /300001/.test(error.message),
    );
    const keywords = await sinkFor('access_token=plain&msg_type=markdown&cluster_id=c');
    // The markdown body holds "Level: **" so the keyword "Level" is present.
    await keywords.send([kubeEvent()], AbortSignal.timeout(5000));
    assert.equal(server.messages.at(-1)?.body.msgtype, 'markdown');
  });

  test('the 21st message in a minute is 130101: rate limited, retry after a minute', async () => {
    const sink = await sinkFor('access_token=limited');
    for (let i = 0; i < 20; i++) await sink.send([kubeEvent({ reason: `R${i}` })], AbortSignal.timeout(5000));
    await assert.rejects(sink.send([kubeEvent()], AbortSignal.timeout(5000)), (error: unknown) => {
      assert.ok(error instanceof SinkError);
      assert.equal(error.rateLimited, true);
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 60_000);
      return true;
    });
    assert.equal(server.refusals.at(-1)?.errcode, 130101);
    serverClock.advance(60_001);
    await sink.send([kubeEvent()], AbortSignal.timeout(5000));
    serverClock.set(T0);
  });

  test('HTTP 5xx is retryable', async () => {
    const sink = await sinkFor('access_token=flaky');
    server.failNext(1, 502);
    await assert.rejects(
      sink.send([kubeEvent()], AbortSignal.timeout(5000)),
      (error: unknown) => error instanceof SinkError && error.retryable && !error.rateLimited,
    );
    await sink.send([kubeEvent()], AbortSignal.timeout(5000));
  });

  test('a refused connection is retryable and does not leak the token', async () => {
    const sink = await createDingTalkSink(
      specFrom('dingtalk', 'http://127.0.0.1:1/robot/send?access_token=secret-token'),
      sinkContext(manualClock(T0)),
    );
    await assert.rejects(sink.send([kubeEvent()], AbortSignal.timeout(5000)), (error: unknown) => {
      assert.ok(error instanceof SinkError);
      assert.equal(error.retryable, true);
      assert.doesNotMatch(String(error.message) + String((error.cause as Error | undefined)?.message), /secret-token/);
      return true;
    });
  });
});
