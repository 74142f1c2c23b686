import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import { startWeComServer, type WeComServer, waitFor } from '@ack-npd/testkit';
import { SinkError } from '../errors.ts';
import { eventMessages, SinkE2E, tally } from '../testing/sink-e2e.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from './fixtures/aliyun-sink-events.ts';
import { createWeComRobotSink, parseWeComRobotOptions } from './wecom.ts';

const T0 = Date.parse('2026-11-23T10:00:00Z');

describe('wecom group robot against the WeCom peer', () => {
  const clock = manualClock(T0);
  let server: WeComServer;
  before(async () => {
    server = await startWeComServer({ clock, robotKeys: ['k1', 'k2'] });
  });
  after(() => server.close());
  const sinkFor = async (query: string) =>
    createWeComRobotSink(specFrom('wecom', `${server.url}/cgi-bin/webhook/send?${query}`), sinkContext(clock));

  test('options: key required; default endpoint is qyapi.weixin.qq.com', () => {
    assert.equal(parseWeComRobotOptions(specFrom('wecom', '?key=abc')).url, 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc');
    assert.throws(
      () => parseWeComRobotOptions(specFrom('wecom', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?level=Warning')),
      (error: unknown) => error instanceof ConfigError && error.issues.some((i) => i.path === 'key'),
    );
  });

  test('markdown with a colored title and facts; text with mentions; both within the byte limits', async () => {
    const sink = await sinkFor('key=k1&cluster_id=c1');
    await sink.send([kubeEvent()], AbortSignal.timeout(5000));
    const markdown = server.robotMessages.at(-1)?.body.markdown?.content ?? '';
    assert.match(
      markdown,
      /^### <font color="warning">Warning BackOff: Pod default\/web-7d4b9c-x2x9z<\/font>\n> Level: <font color="comment">Warning<\/font>\n> Kind:/,
    );
    assert.ok(markdown.includes('> Cluster: <font color="comment">c1</font>'));
    assert.ok(markdown.endsWith('\n\nBack-off restarting failed container web in pod <web>'));
    await sink.send([kubeEvent({ message: '事'.repeat(3000) })], AbortSignal.timeout(5000));
    assert.ok(Buffer.byteLength(server.robotMessages.at(-1)?.body.markdown?.content ?? '') <= 4096);
    const text = await sinkFor('key=k1&msg_type=text&mentioned_list=@all');
    await text.send([kubeEvent({ message: 'x'.repeat(3000) })], AbortSignal.timeout(5000));
    const body = server.robotMessages.at(-1)?.body.text as { content: string; mentioned_list?: string[] };
    assert.ok(Buffer.byteLength(body.content) <= 2048);
    assert.deepEqual(body.mentioned_list, ['@all']);
  });

  test('93000 (unknown key) is for good; 45009 (21st message in a minute) is a rate limit', async () => {
    const unknown = await sinkFor('key=nope');
    await assert.rejects(unknown.send([kubeEvent()], AbortSignal.timeout(5000)), (error: unknown) => {
      assert.ok(error instanceof SinkError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /93000/);
      return true;
    });
    const sink = await sinkFor('key=k2');
    for (let i = 0; i < 20; i++) await sink.send([kubeEvent()], AbortSignal.timeout(5000));
    await assert.rejects(sink.send([kubeEvent()], AbortSignal.timeout(5000)), (error: unknown) => {
      assert.ok(error instanceof SinkError);
      assert.equal(error.rateLimited, true);
      assert.equal(error.retryAfterMs, 60_000);
      return true;
    });
  });
});

describe('wecom group robot end to end', { timeout: 420_000 }, () => {
  const e2e = new SinkE2E();
  let server: WeComServer;
  before(async () => {
    await e2e.setup();
    // WeCom's own 20/min answer (45009, then a minute's wait) is tested above; here the eventer's
    // bucket (20 a minute) must keep the robot under it by itself.
    server = await startWeComServer({ robotKeys: ['e2e'], robotPerMinute: 1000 });
  });
  after(async () => {
    await e2e.teardown();
    await server.close();
  });

  test('a burst of 40 after 10: 20 a minute on their own, the rest folded, nothing lost, across a restart', async () => {
    const { namespace, eventer } = await e2e.start('wecom', ['wecom:$WECOM_URL?key=$WECOM_KEY&level=Normal&msg_type=text'], {
      WECOM_URL: `${server.url}/cgi-bin/webhook/send`,
      WECOM_KEY: 'e2e',
    });
    const texts = () => server.robotMessages.map((m) => (m.body.text?.content ?? '').split('\n').at(-1) ?? '');
    const all = eventMessages(0, 50);
    const accounted = (upTo: number) => tally(texts(), all.slice(0, upTo)).accounted >= upTo;
    await e2e.createEvents(namespace, 0, 10);
    await waitFor('the first events', () => accounted(10), { timeoutMs: 60_000 });
    await server.restart(1500);
    await e2e.createEvents(namespace, 10, 50, 16);
    // The bucket refills one message every 3 s: the summary of the overflow comes within a few seconds.
    await waitFor('every event, on its own or folded', () => accounted(50), {
      timeoutMs: 120_000,
      describe: () => `messages ${texts().length}; missing: ${tally(texts(), all).missing.join(', ')}`,
    });
    const result = tally(texts(), all);
    assert.equal(result.accounted, 50);
    assert.ok(result.folded > 0, 'the overflow was folded into a summary');
    assert.deepEqual(result.duplicates, []);
    assert.ok(server.robotMessages.length < 50, `fewer messages than events: ${server.robotMessages.length}`);
    await eventer.stop('SIGTERM');
  });
});
