import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { buildConfig } from '../config/flags.ts';
import { parseSinkSpec } from '../config/sink-uri.ts';
import { manualClock, sinkContext } from './fixtures/aliyun-sink-events.ts';
import { sinkFactory } from './index.ts';

// The README's sinks table is documentation users copy: the `--sink` example and the YAML form
// of each sink below must build it (the $VARs set, hosts as written). Sinks whose factory may
// dial at start (brokers, databases) are left to their own tests: no test leaves loopback.
const KEYS = ['log', 'webhook', 'dingtalk', 'sls', 'eventbridge', 'wechat', 'wecom', 'lark', 'slack', 'teams', 'honeycomb', 'riemann'];
const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));
const ENV = {
  TOKEN: 't',
  DINGTALK_TOKEN: 't',
  DINGTALK_SECRET: 'SECs',
  WECHAT_CORP_SECRET: 's',
  WECOM_KEY: 'k',
  LARK_TOKEN: 'tok',
  LARK_SECRET: 's',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X',
  TEAMS_WORKFLOW_URL: 'https://prod-00.westus.logic.azure.com/workflows/w/triggers/manual/paths/invoke?api-version=2016-06-01&sig=s',
  HONEYCOMB_WRITEKEY: 'k',
  ACCESS_KEY_ID: 'ak',
  ACCESS_KEY_SECRET: 'sk',
  KAFKA_PASSWORD: 'kp',
  ES_PASSWORD: 'ep',
  MYSQL_PASSWORD: 'mp',
  INFLUXDB_PASSWORD: 'ip',
  MONGO_PASSWORD: 'gp',
};

async function sinksTable(): Promise<{ key: string; flag: string; yaml: string }[]> {
  const text = await readFile(README, 'utf8');
  const start = text.indexOf('| sink ');
  const rows = text.slice(start).split('\n').slice(2);
  const table: { key: string; flag: string; yaml: string }[] = [];
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    const cells = row.split(' | ').map((cell) => cell.replace(/^\|?\s*|\s*\|?$/g, ''));
    const flag = /`--sink='?([^`']+)'?`/.exec(cells[1] ?? '')?.[1];
    const yaml = /^`(.+)`$/.exec(cells[2] ?? '')?.[1];
    if (flag && yaml) table.push({ key: cells[0] ?? '', flag, yaml });
  }
  return table;
}

test("the README's --sink examples and YAML forms build their sinks", async () => {
  const table = (await sinksTable()).filter((row) => KEYS.includes(row.key));
  assert.deepEqual(
    table.map((row) => row.key),
    KEYS,
  );
  const dir = await mkdtemp(join(tmpdir(), 'readme-forms-'));
  try {
    for (const { key, flag, yaml } of table) {
      const specs = [parseSinkSpec(flag, { env: ENV })];
      const file = join(dir, `${key}.yaml`);
      await writeFile(file, JSON.stringify({ sinks: [parseYaml(yaml)] }));
      const config = buildConfig({ config: file, source: 'kubernetes:https://kubernetes.default' }, ENV, 'host');
      specs.push(...config.sinks.map((plan) => plan.spec));
      for (const spec of specs) {
        assert.equal(spec.key, key);
        const sink = await sinkFactory(spec)(spec, sinkContext(manualClock(0), ENV));
        await sink.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
