import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTeamsServer, type TeamsServer } from '@ack-npd/testkit';
import { SinkError } from '../errors.ts';
import { SinkE2E } from '../testing/sink-e2e.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from './fixtures/aliyun-sink-events.ts';
import { createTeamsSink, parseTeamsOptions } from './teams.ts';

const T0 = Date.parse('2026-11-23T10:00:00Z');
type Element = { type: string; text?: string; color?: string; facts?: { title: string; value: string }[] };

describe('teams sink against the Teams workflow peer', () => {
  const clock = manualClock(T0);
  let server: TeamsServer;
  before(async () => {
    server = await startTeamsServer({ clock, workflows: [{ id: 'wf1', sig: 'c2lnbmF0dXJl+/=' }] });
  });
  after(() => server.close());

  test("the workflow URL keeps its own query (sig), not the eventer's options", () => {
    const url =
      'https://prod-00.westus.logic.azure.com:443/workflows/x/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=abc&level=Normal&cluster_id=c';
    assert.equal(
      parseTeamsOptions(specFrom('teams', url)).url,
      'https://prod-00.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=abc',
    );
  });

  test('an Adaptive Card: colored title, FactSet, message, footer; within 28 KB', async () => {
    const sink = await createTeamsSink(specFrom('teams', `${server.urlFor('wf1')}&cluster_id=c1`), sinkContext(clock));
    await sink.send([kubeEvent()], AbortSignal.timeout(5000));
    const body = server.messages.at(-1)?.card.body as Element[];
    assert.equal(body[0]?.text, 'Warning BackOff: Pod default/web-7d4b9c-x2x9z');
    assert.equal(body[0]?.color, 'Attention');
    assert.deepEqual(body[1]?.facts?.slice(0, 2), [
      { title: 'Level', value: 'Warning' },
      { title: 'Kind', value: 'Pod' },
    ]);
    assert.equal(body[2]?.text, 'Back-off restarting failed container web in pod <web>');
    await sink.send([kubeEvent({ message: 'é'.repeat(30_000) })], AbortSignal.timeout(5000));
    assert.ok(Buffer.byteLength(server.messages.at(-1)?.raw ?? '') <= 28 * 1024);
  });

  test('a wrong sig is refused for good (401); 429 is a rate limit with Retry-After', async () => {
    const wrong = await createTeamsSink(specFrom('teams', server.urlFor('wf1').replace(/sig=[^&]+/, 'sig=forged')), sinkContext(clock));
    await assert.rejects(wrong.send([kubeEvent()], AbortSignal.timeout(5000)), (error: unknown) => {
      assert.ok(error instanceof SinkError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /HTTP 401/);
      assert.doesNotMatch(error.message, /forged/);
      return true;
    });
    const sink = await createTeamsSink(specFrom('teams', server.urlFor('wf1')), sinkContext(clock));
    clock.advance(1000);
    let limited: SinkError | undefined;
    for (let i = 0; i < 6 && !limited; i++) {
      await sink.send([kubeEvent()], AbortSignal.timeout(5000)).catch((error: SinkError) => {
        limited = error;
      });
    }
    assert.equal(limited?.rateLimited, true);
    assert.equal(limited?.retryAfterMs, 1000);
  });
});

describe('teams sink end to end', { timeout: 420_000 }, () => {
  const e2e = new SinkE2E();
  let server: TeamsServer;
  before(async () => {
    await e2e.setup();
    server = await startTeamsServer({ workflows: [{ id: 'e2e', sig: 'e2e-sig' }] });
  });
  after(async () => {
    await e2e.teardown();
    await server.close();
  });

  test('events from the real control plane arrive as Adaptive Cards, across a Teams restart', async () => {
    const { namespace, eventer } = await e2e.start('teams', ['teams:$TEAMS_URL?level=Normal'], { TEAMS_URL: server.urlFor('e2e') });
    const texts = () => server.messages.map((m) => String((m.card.body as Element[])[2]?.text));
    const result = await e2e.shipAcrossRestart(namespace, texts, () => server.restart(1500));
    assert.equal(result.accounted, 20, 'nothing lost: each event on its own or inside a rate-limit summary');
    assert.deepEqual(result.duplicates, [], 'nothing sent twice');
    await eventer.stop('SIGTERM');
  });
});
