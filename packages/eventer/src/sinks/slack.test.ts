import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type SlackServer, startSlackServer } from '@ack-npd/testkit';
import { SinkError } from '../errors.ts';
import { SinkE2E } from '../testing/sink-e2e.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from './fixtures/aliyun-sink-events.ts';
import { createSlackSink, parseSlackOptions } from './slack.ts';

const T0 = Date.parse('2026-11-23T10:00:00Z');
const HOOK = '/services/T000/B000/XXXX';
type Block = { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text: string }[] };

describe('slack sink against the Slack peer', () => {
  const clock = manualClock(T0);
  let server: SlackServer;
  before(async () => {
    server = await startSlackServer({ clock, hooks: [HOOK, '/services/T/B/ARCHIVED'], archived: ['/services/T/B/ARCHIVED'], burst: 0 });
  });
  after(() => server.close());
  const sinkFor = async (path: string) => createSlackSink(specFrom('slack', `${server.url}${path}`), sinkContext(clock));

  test('options keep only the hook URL', () => {
    assert.equal(
      parseSlackOptions(specFrom('slack', 'https://hooks.slack.com/services/T/B/X?level=Normal&cluster_id=c')).url,
      'https://hooks.slack.com/services/T/B/X',
    );
  });

  test('Block Kit: header, fields, escaped message, context; a text fallback', async () => {
    const sink = await sinkFor(`${HOOK}?cluster_id=c1`);
    await sink.send([kubeEvent()], AbortSignal.timeout(5000));
    const body = server.messages.at(-1)?.body ?? {};
    assert.equal(body.text, 'Warning BackOff: Pod default/web-7d4b9c-x2x9z: Back-off restarting failed container web in pod <web>');
    const blocks = body.blocks as Block[];
    assert.deepEqual(
      blocks.map((b) => b.type),
      ['header', 'section', 'section', 'context'],
    );
    assert.equal(blocks[0]?.text?.text, 'Warning BackOff: Pod default/web-7d4b9c-x2x9z');
    assert.ok(blocks[1]?.fields?.some((f) => f.text === '*Cluster*\nc1'));
    assert.equal(blocks[2]?.text?.text, ':warning: Back-off restarting failed container web in pod &lt;web&gt;');
    assert.match(blocks[3]?.elements?.[0]?.text ?? '', /^2023-11-14 22:13:20 UTC · cluster c1 · kubelet$/);
  });

  test('a long message still makes valid blocks; 429 carries Retry-After; 404 and 410 are for good', async () => {
    const sink = await sinkFor(HOOK);
    clock.advance(1000);
    await sink.send([kubeEvent({ message: 'm'.repeat(10_000) })], AbortSignal.timeout(5000));
    await assert.rejects(sink.send([kubeEvent()], AbortSignal.timeout(5000)), (error: unknown) => {
      assert.ok(error instanceof SinkError);
      assert.equal(error.rateLimited, true);
      assert.equal(error.retryAfterMs, 1000);
      return true;
    });
    clock.advance(1000);
    for (const [path, status] of [
      ['/services/T/B/GONE', 404],
      ['/services/T/B/ARCHIVED', 410],
    ] as const) {
      const dead = await sinkFor(path);
      await assert.rejects(dead.send([kubeEvent()], AbortSignal.timeout(5000)), (error: unknown) => {
        assert.ok(error instanceof SinkError);
        assert.equal(error.retryable, false);
        assert.match(error.message, new RegExp(`HTTP ${status}`));
        return true;
      });
    }
    server.failNext(1, 500);
    await assert.rejects(
      sink.send([kubeEvent()], AbortSignal.timeout(5000)),
      (error: unknown) => error instanceof SinkError && error.retryable,
    );
  });
});

describe('slack sink end to end', { timeout: 420_000 }, () => {
  const e2e = new SinkE2E();
  let server: SlackServer;
  before(async () => {
    await e2e.setup();
    // One message a second and no burst: the eventer's 60/min bucket lets more through, so Slack answers 429.
    server = await startSlackServer({ hooks: [HOOK], burst: 0 });
  });
  after(async () => {
    await e2e.teardown();
    await server.close();
  });

  test('events from the real control plane arrive, 429s are waited out, across a Slack restart', async () => {
    const { namespace, eventer } = await e2e.start('slack', [`slack:$SLACK_WEBHOOK?level=Normal`], {
      SLACK_WEBHOOK: `${server.url}${HOOK}`,
    });
    const texts = () => server.messages.map((m) => ((m.body.blocks as Block[])[2]?.text?.text ?? '').replace(/^:\w+: /, ''));
    const result = await e2e.shipAcrossRestart(namespace, texts, () => server.restart(1500));
    assert.equal(result.accounted, 20, 'nothing lost: each event on its own or inside a rate-limit summary');
    assert.deepEqual(result.duplicates, [], 'nothing sent twice');
    const limited = server.refusals.filter((r) => r.status === 429).length;
    process.stdout.write(`# slack e2e: ${server.messages.length} messages, ${limited} answered 429, ${result.folded} events folded\n`);
    await eventer.stop('SIGTERM');
  });
});
