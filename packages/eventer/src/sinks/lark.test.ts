import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import { type LarkServer, startLarkServer } from '@ack-npd/testkit';
import { SinkError } from '../errors.ts';
import { SinkE2E } from '../testing/sink-e2e.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from './fixtures/aliyun-sink-events.ts';
import { createLarkSink, larkSign, parseLarkOptions } from './lark.ts';

const T0 = Date.parse('2026-11-23T10:00:00Z');

type Card = {
  header: { template: string; title: { content: string } };
  elements: { tag: string; fields?: { text: { content: string } }[]; text?: { content: string } }[];
};

describe('lark signature and options', () => {
  test('matches the documented vector', () => {
    assert.equal(larkSign(1700000000, 'test'), 'eSJQnOl8XqPTMPHWz9e5IzeHS/tqoc68g2967ekIPmg=');
  });

  test('options: the webhook URL, sign, msg_type; our options are not sent on', () => {
    const options = parseLarkOptions(
      specFrom('lark', 'https://open.feishu.cn/open-apis/bot/v2/hook/abc?sign=S&level=Normal&label=prod&cluster_id=c1&namespaces=a,b'),
    );
    assert.equal(options.url, 'https://open.feishu.cn/open-apis/bot/v2/hook/abc');
    assert.equal(options.secret, 'S');
    assert.equal(options.msgType, 'interactive');
    assert.deepEqual(options.namespaces, ['a', 'b']);
    assert.throws(
      () => parseLarkOptions(specFrom('lark', '?sign=S')),
      (error: unknown) => error instanceof ConfigError && error.issues.some((i) => i.path === 'url'),
    );
    assert.throws(
      () => parseLarkOptions(specFrom('lark', 'https://open.feishu.cn/open-apis/bot/v2/hook/abc?msg_type=post')),
      (error: unknown) => error instanceof ConfigError && error.issues.some((i) => i.path === 'msg_type'),
    );
  });
});

describe('lark sink against the Lark peer', () => {
  const clock = manualClock(T0);
  let server: LarkServer;
  before(async () => {
    server = await startLarkServer({
      clock,
      bots: [{ token: 'signed', secret: 'bot-secret' }, { token: 'plain', keywords: ['Kind'] }, { token: 'limited' }],
    });
  });
  after(() => server.close());
  const sinkFor = async (path: string, at = T0) =>
    createLarkSink(specFrom('lark', `${server.url}/open-apis/bot/v2/hook/${path}`), sinkContext(manualClock(at)));

  test('a signed card: red header for a Warning, facts, message, footer', async () => {
    const sink = await sinkFor('signed?sign=bot-secret&cluster_id=c1&label=prod');
    await sink.send([kubeEvent()], AbortSignal.timeout(5000));
    const received = server.messages.at(-1);
    assert.equal(received?.body.msg_type, 'interactive');
    assert.equal(received?.body.timestamp, String(T0 / 1000));
    const card = received?.body.card as unknown as Card;
    assert.equal(card.header.template, 'red');
    assert.equal(card.header.title.content, 'Warning BackOff: Pod default/web-7d4b9c-x2x9z');
    const facts = card.elements[0]?.fields?.map((f) => f.text.content) ?? [];
    assert.deepEqual(facts.slice(0, 5), [
      '**Level**\nWarning',
      '**Kind**\nPod',
      '**Namespace**\ndefault',
      '**Name**\nweb-7d4b9c-x2x9z',
      '**Reason**\nBackOff',
    ]);
    assert.ok(facts.includes('**Cluster**\nc1') && facts.includes('**Labels**\nprod') && facts.includes('**Count**\n3'));
    assert.equal(card.elements[2]?.text?.content, 'Back-off restarting failed container web in pod <web>');
  });

  test('text messages; keywords; a wrong secret or an old timestamp is refused for good', async () => {
    const text = await sinkFor('plain?msg_type=text&level=Normal');
    await text.send([kubeEvent({ type: 'Normal', reason: 'Scheduled' })], AbortSignal.timeout(5000));
    assert.match(
      String((server.messages.at(-1)?.body.content as { text?: string } | undefined)?.text),
      /^Normal Scheduled: Pod default\/web-7d4b9c-x2x9z\nLevel: Normal\nKind: Pod/,
    );
    for (const sink of [await sinkFor('signed?sign=wrong'), await sinkFor('signed?sign=bot-secret', T0 - 2 * 3_600_000)]) {
      await assert.rejects(sink.send([kubeEvent()], AbortSignal.timeout(5000)), (error: unknown) => {
        assert.ok(error instanceof SinkError);
        assert.equal(error.retryable, false);
        assert.match(error.message, /code 19021/);
        assert.doesNotMatch(error.message, /bot-secret/);
        return true;
      });
    }
    const unknown = await sinkFor('nope');
    await assert.rejects(unknown.send([kubeEvent()], AbortSignal.timeout(5000)), /code 19001/);
  });

  test('a huge message is cut to fit 20 KB; 5 a second is throttled (11232) as a rate limit', async () => {
    const sink = await sinkFor('limited');
    await sink.send([kubeEvent({ message: '界'.repeat(20_000) })], AbortSignal.timeout(5000));
    assert.ok(Buffer.byteLength(server.messages.at(-1)?.raw ?? '') <= 20 * 1024);
    clock.advance(1000);
    let limited: SinkError | undefined;
    for (let i = 0; i < 6 && !limited; i++) {
      await sink.send([kubeEvent()], AbortSignal.timeout(5000)).catch((error: SinkError) => {
        limited = error;
      });
    }
    assert.ok(limited?.rateLimited);
    assert.match(String(limited?.message), /11232/);
  });
});

describe('lark sink end to end', { timeout: 420_000 }, () => {
  const e2e = new SinkE2E();
  let server: LarkServer;
  before(async () => {
    await e2e.setup();
    server = await startLarkServer({ bots: [{ token: 'e2e', secret: 'e2e-secret' }] });
  });
  after(async () => {
    await e2e.teardown();
    await server.close();
  });

  test('events from the real control plane arrive as signed cards, across a Lark restart', async () => {
    const { namespace, eventer } = await e2e.start(
      'lark',
      [`lark:${server.url}/open-apis/bot/v2/hook/e2e?sign=$LARK_SECRET&level=Normal&cluster_id=e2e`],
      {
        LARK_SECRET: 'e2e-secret',
      },
    );
    const texts = () => server.messages.map((m) => (m.body.card as unknown as Card).elements[2]?.text?.content ?? '');
    const result = await e2e.shipAcrossRestart(namespace, texts, () => server.restart(1500));
    assert.equal(result.accounted, 20, 'nothing lost: each event on its own or inside a rate-limit summary');
    assert.deepEqual(result.duplicates, [], 'nothing sent twice');
    await eventer.stop('SIGTERM');
  });
});
