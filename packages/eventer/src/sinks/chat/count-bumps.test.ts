import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type LarkServer,
  type SlackServer,
  startLarkServer,
  startSlackServer,
  startTeamsServer,
  startWeComServer,
  type TeamsServer,
  type WeComServer,
} from '@ack-npd/testkit/peers/index';
import { deliverBumps } from '../../testing/count-bumps.ts';
import type { Sink } from '../../types.ts';
import { manualClock, sinkContext, specFrom } from '../fixtures/aliyun-sink-events.ts';
import { bumpWindowFor, DEFAULT_BUMP_WINDOW_MS } from '../index.ts';
import { createLarkSink } from '../lark.ts';
import { createSlackSink } from '../slack.ts';
import { createTeamsSink } from '../teams.ts';
import { createWeChatSink } from '../wechat.ts';
import { createWeComRobotSink } from '../wecom.ts';

// One event and 5 count bumps through the delivery layer, with each chat sink's default bump
// window, into its peer: one message at once, one "(×6)" message when the window closes.
/** The six occurrences through the chat sink; the messages that arrived at once and in all. */
async function deliver(sink: Sink, key: string, messages: () => readonly string[]): Promise<{ atOnce: number; all: readonly string[] }> {
  assert.equal(bumpWindowFor(sink, key), DEFAULT_BUMP_WINDOW_MS, `${key} is a chat sink`);
  const { atOnce } = await deliverBumps(sink, key, () => messages().length);
  return { atOnce, all: messages() };
}

describe('count bumps: every chat sink sends one message, then one "(×6)" when the window closes', () => {
  let wecom: WeComServer;
  let lark: LarkServer;
  let slack: SlackServer;
  let teams: TeamsServer;
  before(async () => {
    wecom = await startWeComServer({ apps: [{ corpId: 'c', corpSecret: 's', agentId: 1 }], robotKeys: ['k'] });
    lark = await startLarkServer({ bots: [{ token: 't' }] });
    slack = await startSlackServer({ hooks: ['/services/T/B/X'] });
    teams = await startTeamsServer({ workflows: [{ id: 'w', sig: 's' }] });
  });
  after(() => Promise.all([wecom.close(), lark.close(), slack.close(), teams.close()]));

  const context = () => sinkContext(manualClock(Date.now()));
  const cases: [string, () => Promise<Sink>, () => readonly string[]][] = [
    [
      'wechat',
      async () => createWeChatSink(specFrom('wechat', `${wecom.url}?corp_id=c&corp_secret=s&agent_id=1`), context()),
      () => wecom.appMessages.map((m) => m.body.text?.content ?? ''),
    ],
    [
      'wecom',
      async () => createWeComRobotSink(specFrom('wecom', `${wecom.url}/cgi-bin/webhook/send?key=k`), context()),
      () => wecom.robotMessages.map((m) => m.body.markdown?.content ?? ''),
    ],
    [
      'lark',
      async () => createLarkSink(specFrom('lark', `${lark.url}/open-apis/bot/v2/hook/t`), context()),
      () => lark.messages.map((m) => m.raw),
    ],
    [
      'slack',
      async () => createSlackSink(specFrom('slack', `${slack.url}/services/T/B/X`), context()),
      () => slack.messages.map((m) => String(m.body.text)),
    ],
    ['teams', async () => createTeamsSink(specFrom('teams', teams.urlFor('w')), context()), () => teams.messages.map((m) => m.raw)],
  ];
  for (const [key, create, messages] of cases) {
    test(key, async () => {
      const { atOnce, all } = await deliver(await create(), key, messages);
      assert.equal(atOnce, 1, 'the bumps inside the window send nothing');
      assert.equal(all.length, 2);
      assert.doesNotMatch(all[0] ?? '', /×/);
      assert.match(all[1] ?? '', /Back-off restarting failed container web in pod (<web>|&lt;web&gt;|\\u003cweb\\u003e) \(×6\)/);
    });
  }
});
