import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import { startWeComServer, type WeComServer, waitFor } from '@ack-npd/testkit';
import { SinkError } from '../errors.ts';
import { eventMessages, SinkE2E } from '../testing/sink-e2e.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from './fixtures/aliyun-sink-events.ts';
import { createWeChatSink, parseWeChatOptions, renderWeChatText, weChatBody } from './wechat.ts';

const T0 = Date.parse('2026-11-23T10:00:00Z');
const APP = { corpId: 'ww-corp', corpSecret: 'app-secret', agentId: 1000012 };

// kube-eventer docs/en/wechat-sink.md, both examples verbatim.
const DOC_EXAMPLES = [
  'wechat:?corp_id=a5c19f3e02feba7bd5dfc22bfb&corp_secret=a212359acfe86fd80eb1591870&agent_id=1000012&to_user=zhangshan,xiaowang&level=Normal',
  'wechat:?corp_id=a5c19f3e02feba7bd5dfc22bfb&corp_secret=a212359acfe86fd80eb1591870&agent_id=1000012&to_user=&level=Normal',
];

describe('wechat options and body (kube-eventer compatible)', () => {
  test("kube-eventer's documented examples parse; to_user empty means @all", () => {
    const [first, second] = DOC_EXAMPLES.map((uri) => parseWeChatOptions(specFrom('wechat', uri.slice('wechat:'.length))));
    assert.equal(first?.corpId, 'a5c19f3e02feba7bd5dfc22bfb');
    assert.equal(first?.agentId, 1000012);
    assert.equal(first?.toUser, 'zhangshan|xiaowang');
    assert.equal(first?.level, 'Normal');
    assert.equal(first?.endpoint, 'https://qyapi.weixin.qq.com');
    assert.equal(second?.toUser, '@all');
    const options = parseWeChatOptions(specFrom('wechat', '?corp_id=c&corp_secret=s&agent_id=1&label=c1&namespaces=a,b&kinds=Pod'));
    assert.equal(options.level, 'Warning');
    assert.deepEqual(options.labels, ['c1']);
    assert.deepEqual(options.namespaces, ['a', 'b']);
    assert.deepEqual(options.kinds, ['Pod']);
  });

  test('missing or bad options name the option', () => {
    const issue = (uri: string, path: string) =>
      assert.throws(
        () => parseWeChatOptions(specFrom('wechat', uri)),
        (error: unknown) =>
          error instanceof ConfigError && error.message.includes('--sink=wechat') && error.issues.some((i) => i.path === path),
      );
    issue('?corp_secret=s&agent_id=1', 'corp_id');
    issue('?corp_id=c&agent_id=1', 'corp_secret');
    issue('?corp_id=c&corp_secret=s&agent_id=x', 'agent_id');
    issue('?corp_id=c&corp_secret=s&agent_id=1&level=Error', 'level');
  });

  test('the body is what kube-eventer posts (text template, labels first, Go escaping)', () => {
    const options = parseWeChatOptions(specFrom('wechat', '?corp_id=c&corp_secret=s&agent_id=1000012&to_user=zhangsan&label=c1'));
    assert.equal(
      weChatBody(options, renderWeChatText(kubeEvent(), options.labels)),
      String.raw`{"touser":"zhangsan","toparty":"","totag":"","msgtype":"text","agentid":1000012,"text":{"content":"c1\nLevel:Warning \nKind:Pod \nNamespace:default \nName:web-7d4b9c-x2x9z.17a8c3d2e1f0b9a8 \nReason:BackOff \nTimestamp:2023-11-14 22:13:20 +0000 UTC \nMessage:Back-off restarting failed container web in pod \u003cweb\u003e"},"safe":0}`,
    );
    const long = renderWeChatText(kubeEvent({ message: 'x'.repeat(5000) }), []);
    assert.ok(Buffer.byteLength(long) <= 2048 && long.endsWith('…'));
  });
});

describe('wechat sink against the WeCom peer', () => {
  const clock = manualClock(T0);
  let server: WeComServer;
  before(async () => {
    server = await startWeComServer({ apps: [APP], clock, appPerMinute: 30 });
  });
  after(() => server.close());

  const sinkFor = async (query: string) => createWeChatSink(specFrom('wechat', `${server.url}?${query}`), sinkContext(clock));
  const good = 'corp_id=ww-corp&corp_secret=app-secret&agent_id=1000012&to_user=zhangsan,lisi';

  test('one token for many messages, refreshed before it expires and on 42001 / 40014', async () => {
    const sink = await sinkFor(good);
    const issued = server.tokensIssued;
    for (let i = 0; i < 5; i++) await sink.send([kubeEvent({ reason: `R${i}` })], AbortSignal.timeout(5000));
    assert.equal(server.tokensIssued - issued, 1, 'the token is cached, not fetched per event');
    assert.equal(server.appMessages.at(-1)?.body.touser, 'zhangsan|lisi');
    assert.equal(server.appMessages.at(-1)?.body.agentid, 1000012);

    server.expireTokens();
    await sink.send([kubeEvent()], AbortSignal.timeout(5000));
    assert.equal(server.refusals.at(-1)?.errcode, 42001);
    assert.equal(server.tokensIssued - issued, 2, 'expired token: refreshed once and the message delivered');

    server.revokeTokens();
    const before = server.appMessages.length;
    await sink.send([kubeEvent()], AbortSignal.timeout(5000));
    assert.equal(server.refusals.at(-1)?.errcode, 40014);
    assert.equal(server.appMessages.length, before + 1);
    assert.equal(server.tokensIssued - issued, 3);

    clock.advance(7200_000 - 4 * 60_000); // inside the 5-minute margin before WeCom's expiry
    await sink.send([kubeEvent()], AbortSignal.timeout(5000));
    assert.equal(server.tokensIssued - issued, 4, 'refreshed ahead of expiry, without a failed send');
    clock.set(T0);
  });

  test('a wrong secret, corp id or agent id is refused for good, without the secret in the error', async () => {
    for (const [query, code] of [
      ['corp_id=ww-corp&corp_secret=wrong-secret&agent_id=1000012', 40001],
      ['corp_id=nope&corp_secret=app-secret&agent_id=1000012', 40013],
      ['corp_id=ww-corp&corp_secret=app-secret&agent_id=999', 40056],
    ] as const) {
      const sink = await sinkFor(query);
      await assert.rejects(sink.send([kubeEvent()], AbortSignal.timeout(5000)), (error: unknown) => {
        assert.ok(error instanceof SinkError);
        assert.equal(error.retryable, false);
        assert.match(error.message, new RegExp(`errcode ${code}`));
        assert.doesNotMatch(error.message, /wrong-secret|app-secret/);
        return true;
      });
    }
  });

  test('over the app rate (45009) is a rate limit; HTTP 5xx is retryable', async () => {
    const sink = await sinkFor(good);
    clock.advance(60_001);
    let limited: SinkError | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      await sink.send([kubeEvent()], AbortSignal.timeout(5000)).catch((error: SinkError) => {
        limited = error;
      });
    }
    assert.ok(limited?.rateLimited, 'a 45009 answer is reported as a rate limit');
    assert.equal(limited?.retryAfterMs, 60_000);
    clock.advance(60_001);
    server.failNext(1, 502);
    await assert.rejects(
      sink.send([kubeEvent()], AbortSignal.timeout(5000)),
      (error: unknown) => error instanceof SinkError && error.retryable,
    );
    clock.set(T0);
  });
});

describe('wechat sink end to end', { timeout: 420_000 }, () => {
  const e2e = new SinkE2E();
  let server: WeComServer;
  before(async () => {
    await e2e.setup();
    server = await startWeComServer({ apps: [APP] });
  });
  after(async () => {
    await e2e.teardown();
    await server.close();
  });

  test("kube-eventer's documented examples start the eventer (host moved to loopback)", async () => {
    const examples = DOC_EXAMPLES.map((uri) => uri.replace('wechat:?', `wechat:${server.url}?`));
    const { eventer } = await e2e.start('wechat-docs', examples);
    assert.ok(eventer.running);
    await eventer.stop('SIGTERM');
  });

  test('events from the real control plane arrive; one token, refreshed when WeCom expires it; across a WeCom restart', async () => {
    const issued = server.tokensIssued;
    const { namespace, eventer } = await e2e.start(
      'wechat',
      ['wechat:$WECHAT_ENDPOINT?corp_id=ww-corp&corp_secret=$WECHAT_SECRET&agent_id=1000012&to_user=ops&level=Normal&label=e2e'],
      { WECHAT_ENDPOINT: server.url, WECHAT_SECRET: APP.corpSecret },
    );
    const contents = () => server.appMessages.map((m) => m.body.text?.content ?? '');
    const arrived = (message: string) => contents().some((c) => c.endsWith(`Message:${message}`));
    await e2e.createEvents(namespace, 0, 10);
    await waitFor('the first events', () => eventMessages(0, 10).every(arrived), { timeoutMs: 60_000 });
    assert.equal(server.tokensIssued - issued, 1, 'one access token for the first ten');
    await server.restart(1500);
    server.expireTokens(); // WeCom expired it while it was away: the next send gets 42001
    const refusals = server.refusals.length;
    await e2e.createEvents(namespace, 10, 20);
    await waitFor('every event after the restart', () => eventMessages(0, 20).every(arrived), {
      timeoutMs: 90_000,
      describe: () =>
        `missing: ${eventMessages(0, 20)
          .filter((m) => !arrived(m))
          .join(', ')}`,
    });
    const mine = contents().filter((c) => c.startsWith('e2e\nLevel:'));
    assert.equal(mine.length, 20, 'nothing lost, nothing sent twice');
    assert.ok(mine.some((c) => c.includes('Level:Warning') && c.includes('Kind:Pod') && c.includes(`Namespace:${namespace}`)));
    assert.equal(server.tokensIssued - issued, 2, 'one refresh after 42001, not a token per event');
    assert.deepEqual(
      server.refusals.slice(refusals).map((r) => r.errcode),
      [42001],
    );
    await eventer.stop('SIGTERM');
  });
});
