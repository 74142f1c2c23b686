// Values blocks of the WeCom (wechat app, group robot), Lark, Slack, Teams, Honeycomb and Riemann
// sinks: rendered, accepted by a real apiserver, credentials only in Secrets reached through env.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type ClusterClient, sharedCluster } from '@ack-npd/testkit';
import { parseSinkSpec } from '../../../packages/eventer/src/config/sink-uri.ts';
import { parseLarkOptions } from '../../../packages/eventer/src/sinks/lark.ts';
import { parseTeamsOptions } from '../../../packages/eventer/src/sinks/teams.ts';
import { buildEverySink, template as render, renderSinks, setArgs } from './sink-values.ts';

const SECRETS = {
  'eventer.sinks.wechat.corpSecret': 'CORP-SECRET-1',
  'eventer.sinks.wecom.key': 'ROBOT-KEY-2',
  'eventer.sinks.lark.webhookUrl': 'https://open.feishu.cn/open-apis/bot/v2/hook/LARK-TOKEN-3',
  'eventer.sinks.lark.secret': 'LARK-SIGN-4',
  'eventer.sinks.teams.webhookUrl':
    'https://prod-00.westus.logic.azure.com/workflows/w/triggers/manual/paths/invoke?api-version=2016-06-01&sig=TEAMS-SIG-5',
  'eventer.sinks.honeycomb.writeKey': 'HNY-KEY-6',
};
const VALUES = [
  'clusterId=c1',
  'eventer.sinks.wechat.enabled=true',
  'eventer.sinks.wechat.corpId=ww-corp',
  'eventer.sinks.wechat.agentId=1000012',
  'eventer.sinks.wechat.toUser=zhangsan\\,lisi',
  'eventer.sinks.wecom.enabled=true',
  'eventer.sinks.wecom.level=normal',
  'eventer.sinks.lark.enabled=true',
  'eventer.sinks.lark.label=prod',
  'eventer.sinks.slack.enabled=true',
  'eventer.sinks.slack.existingSecret=my-slack',
  'eventer.sinks.teams.enabled=true',
  'eventer.sinks.honeycomb.enabled=true',
  'eventer.sinks.riemann.enabled=true',
  'eventer.sinks.riemann.host=riemann.monitoring',
  'eventer.sinks.riemann.tags={k8s,prod}',
];

describe('chart: WeCom, Lark, Slack, Teams, Honeycomb and Riemann sink values', () => {
  let cluster: ClusterClient;
  before(async () => {
    cluster = await sharedCluster();
  });
  const template = (args: readonly string[]) => render(cluster, args);

  it('renders manifests a real apiserver accepts, with every credential only in a Secret', async () => {
    const { sinks, env, secrets } = await renderSinks(cluster, setArgs(VALUES, SECRETS), SECRETS);
    assert.deepEqual(sinks, [
      '--sink=wechat:?corp_id=ww-corp&corp_secret=$WECHAT_CORP_SECRET&agent_id=1000012&to_user=zhangsan,lisi&level=Warning&cluster_id=c1',
      '--sink=wecom:https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=$WECOM_KEY&msg_type=markdown&level=Normal&cluster_id=c1',
      '--sink=lark:$LARK_WEBHOOK_URL?msg_type=interactive&sign=$LARK_SECRET&level=Warning&label=prod&cluster_id=c1',
      '--sink=slack:$SLACK_WEBHOOK_URL?level=Warning&cluster_id=c1',
      '--sink=teams:$TEAMS_WEBHOOK_URL?level=Warning&cluster_id=c1',
      '--sink=honeycomb:?dataset=k8s-events',
      '--sink=riemann:tcp://riemann.monitoring:5555?ttl=60&batchsize=1000&tags=k8s&tags=prod',
    ]);
    // The eventer takes every rendered URI, with the Secrets' values in its environment.
    const eventerEnv = {
      WECHAT_CORP_SECRET: 'CORP-SECRET-1',
      WECOM_KEY: 'ROBOT-KEY-2',
      LARK_WEBHOOK_URL: SECRETS['eventer.sinks.lark.webhookUrl'],
      LARK_SECRET: 'LARK-SIGN-4',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X',
      TEAMS_WEBHOOK_URL: SECRETS['eventer.sinks.teams.webhookUrl'],
      HONEYCOMB_WRITEKEY: 'HNY-KEY-6',
    };
    await buildEverySink(sinks, eventerEnv);
    // The URLs from the Secrets arrive whole: the workflow's own query kept, the options apart.
    const spec = (key: string) =>
      parseSinkSpec((sinks.find((s) => s.startsWith(`--sink=${key}:`)) ?? '').slice('--sink='.length), { env: eventerEnv });
    assert.equal(parseTeamsOptions(spec('teams')).url, SECRETS['eventer.sinks.teams.webhookUrl']);
    assert.equal(parseLarkOptions(spec('lark')).url, SECRETS['eventer.sinks.lark.webhookUrl']);
    assert.deepEqual(env.get('WECHAT_CORP_SECRET'), { name: 'anpd-ack-node-problem-detector-eventer-wechat', key: 'corp-secret' });
    assert.deepEqual(env.get('SLACK_WEBHOOK_URL'), { name: 'my-slack', key: 'url' });
    assert.deepEqual(env.get('HONEYCOMB_WRITEKEY'), { name: 'anpd-ack-node-problem-detector-eventer-honeycomb', key: 'writekey' });
    assert.equal(env.get('LARK_SECRET')?.key, 'secret');
    assert.deepEqual(secrets.get('lark'), { url: SECRETS['eventer.sinks.lark.webhookUrl'], secret: 'LARK-SIGN-4' });
    assert.deepEqual(secrets.get('wecom'), { key: 'ROBOT-KEY-2' });
    assert.ok(!secrets.has('slack'), 'an existingSecret is used, not created');
  });

  it('names the missing value when a sink is enabled without its credential or host', async () => {
    await assert.rejects(
      template(['--set', 'eventer.sinks.slack.enabled=true']),
      /eventer\.sinks\.slack\.webhookUrl \(or eventer\.sinks\.slack\.existingSecret\)/,
    );
    await assert.rejects(
      template(['--set', 'eventer.sinks.wechat.enabled=true', '--set', 'eventer.sinks.wechat.corpSecret=s']),
      /eventer\.sinks\.wechat\.corpId is required/,
    );
    await assert.rejects(template(['--set', 'eventer.sinks.riemann.enabled=true']), /riemann.*host/);
    await assert.rejects(template(['--set', 'eventer.sinks.wecom.msgType=news']), /wecom\/msgType/);
  });
});
