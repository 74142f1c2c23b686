// Every example URI in kube-eventer's docs/en/{kafka,elasticsearch,mysql,influxdb,mongodb}-sink.md
// (hosts moved to loopback) starts the eventer against the real control plane with no
// configuration error; a broken one exits 2 naming the sink and the option.
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { ClusterClient } from '@ack-npd/testkit';
import { sharedCluster, waitFor } from '@ack-npd/testkit';
import { freePort } from '@ack-npd/testkit/ports';
import { parseSinkSpec } from '../config/sink-uri.ts';
import { EventerProcess } from '../testing/eventer-process.ts';
import { manualClock, sinkContext } from './fixtures/aliyun-sink-events.ts';
import { sinkFactory } from './index.ts';

const DOC_EXAMPLES = [
  // kafka-sink.md
  'kafka:?brokers=127.0.0.1:9092&brokers=127.0.0.1:9093&timeseriestopic=testseries',
  'kafka:?brokers=127.0.0.1:9092&brokers=127.0.0.1:9093&eventstopic=testtopic',
  // elasticsearch-sink.md
  'elasticsearch:?nodes=http://127.0.0.1:9200&nodes=http://127.0.0.2:9200',
  'elasticsearch:http://127.0.0.1:9200?sniff=false&ver=6',
  // mysql-sink.md
  'mysql:?root:transwarp@tcp(127.0.0.1:3306)/kube_eventer?charset=utf8&table=kube_event',
  // influxdb-sink.md
  'influxdb:http://127.0.0.1:80/',
  // mongodb-sink.md
  'mongo:?mongodb://root:123456@127.0.0.1:30694,127.0.0.2:32761,127.0.0.3:31958/?authSource=admin',
];

describe("kube-eventer's documented data-sink URIs", { timeout: 180_000 }, () => {
  let cluster: ClusterClient;
  before(async () => {
    cluster = await sharedCluster();
  });

  test('each builds its sink (nothing is dialled before an event)', async () => {
    for (const example of DOC_EXAMPLES) {
      const spec = parseSinkSpec(example, { env: {} });
      const sink = await sinkFactory(spec)(spec, sinkContext(manualClock(0)));
      assert.equal(sink.name, spec.key, example);
      await sink.close();
    }
  });

  async function run(sinks: readonly string[]) {
    const namespace = await cluster.createNamespace('doc-examples');
    const dir = await mkdtemp(join(tmpdir(), 'doc-examples-'));
    const port = await freePort();
    const log = join(dir, 'eventer.log');
    const eventer = new EventerProcess(
      [
        `--source=kubernetes:?inClusterConfig=false&auth=${cluster.kubeconfigPath}`,
        ...sinks.map((sink) => `--sink=${sink}`),
        `--namespaces=${namespace}`,
        `--healthz-port=${port}`,
        '--healthz-ip=127.0.0.1',
      ],
      log,
    );
    eventer.start();
    return { eventer, port, log: () => readFile(log, 'utf8').catch(() => '') };
  }

  test('the eventer starts with all of them at once and stops cleanly', async () => {
    const { eventer, port, log } = await run(DOC_EXAMPLES);
    try {
      await waitFor('/healthz', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, {
        timeoutMs: 60_000,
        describe: () => `eventer running: ${eventer.running}`,
      });
      assert.ok(eventer.running);
    } finally {
      assert.equal(await eventer.stop('SIGTERM'), 0, await log());
    }
    assert.doesNotMatch(await log(), /invalid configuration/);
  });

  test('a broken URI exits 2 with the sink and option named, no stack trace', async () => {
    const { eventer, log } = await run(['mysql:?root@127.0.0.1:3306/kube_eventer']);
    await waitFor('the eventer to exit', () => !eventer.running, { timeoutMs: 60_000 });
    assert.equal(await eventer.stop('SIGTERM'), 2);
    const text = await log();
    assert.match(text, /mysql\?dsn: expected mysql:\?user:password@tcp\(host:3306\)/);
    assert.doesNotMatch(text, /\n\s+at /);
  });
});
