import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import type { ClusterClient } from '@ack-npd/testkit';
import { sharedCluster } from '@ack-npd/testkit';
import { type SharedServer, sharedServer } from '@ack-npd/testkit/servers/index';
import { shipThroughPeerRestart } from '../testing/data-sink-e2e.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from './fixtures/aliyun-sink-events.ts';
import { createInfluxdbSink, eventToLine, parseInfluxOptions } from './influxdb.ts';

describe('influxdb options and points', () => {
  test("kube-eventer's defaults and every documented option", () => {
    assert.deepEqual(parseInfluxOptions(specFrom('influxdb', 'http://127.0.0.1:80/')), {
      url: 'http://127.0.0.1',
      user: 'root',
      password: 'root',
      db: 'k8s',
      retention: undefined,
      withFields: false,
      insecureSsl: false,
      clusterName: 'default',
    });
    const all = parseInfluxOptions(
      specFrom(
        'influxdb',
        'https://db:8086?user=u&pw=p&db=events&secure=false&insecuressl=true&withfields=true&cluster_name=prod&retention=autogen',
      ),
    );
    assert.equal(all.url, 'http://db:8086');
    assert.equal(all.insecureSsl, true);
    assert.equal(all.withFields, true);
    assert.equal(all.clusterName, 'prod');
    assert.throws(
      () => parseInfluxOptions(specFrom('influxdb', 'http://h?withfields=maybe')),
      (e: unknown) => e instanceof ConfigError && e.message.includes('withfields'),
    );
  });
  test('line protocol: kube-eventer measurement, tags and fields, escaped', () => {
    const event = kubeEvent({ message: 'say "hi", ok' });
    const line = eventToLine(event, { withFields: true, clusterName: 'c 1' });
    assert.match(line, /^events,cluster_name=c\\ 1,component=/);
    assert.match(line, /,pod_id=a1b2c3d4-0000-4000-8000-0000000000aa,/);
    assert.match(line, / message="say \\"hi\\", ok",count=3i,change="added" 1700000000000$/);
    const plain = eventToLine(event, { withFields: false, clusterName: 'default' });
    assert.match(plain, /^log\/events,cluster_name=default,hostname=cn-hangzhou\.192\.168\.0\.10,pod_id=.*,pod_name=web-7d4b9c-x2x9z,uid=/);
    assert.ok(plain.includes(' value="{\n \\"kind\\": \\"Event\\",\n'), 'the indented event JSON, quotes escaped');
  });
});

describe('influxdb sink against InfluxDB 1.6', { timeout: 400_000 }, () => {
  let server: SharedServer;
  let cluster: ClusterClient;
  const select = async (q: string): Promise<unknown[][]> => {
    const response = await fetch(`${server.info.url}/query?db=k8s&q=${encodeURIComponent(q)}`);
    const body = (await response.json()) as { results: { series?: { values: unknown[][] }[] }[] };
    return body.results[0]?.series?.[0]?.values ?? [];
  };
  before(async () => {
    [server, cluster] = await Promise.all([sharedServer('influxdb'), sharedCluster()]);
  });

  test('writes both point shapes; a retried batch overwrites instead of duplicating', async () => {
    const plain = await createInfluxdbSink(
      specFrom('influxdb', `${server.info.url}?db=k8s&cluster_name=unit`),
      sinkContext(manualClock(0)),
    );
    const fields = await createInfluxdbSink(
      specFrom('influxdb', `${server.info.url}?db=k8s&withfields=true&cluster_name=unit`),
      sinkContext(manualClock(0)),
    );
    const batch = [kubeEvent({ uid: 'i-1' }), kubeEvent({ uid: 'i-2', message: 'a "quoted" message' })];
    for (const sink of [plain, plain, fields]) await sink.send(batch, AbortSignal.timeout(30_000));
    const rows = await select(`SELECT "count", "change", "uid" FROM "log/events" WHERE cluster_name = 'unit'`);
    assert.deepEqual(
      rows.map((row) => row.slice(1)),
      [
        [3, 'added', 'i-1'],
        [3, 'added', 'i-2'],
      ],
    );
    const messages = await select(`SELECT "message", "reason" FROM "events" WHERE cluster_name = 'unit' AND uid = 'i-2'`);
    assert.deepEqual(messages[0]?.slice(1), ['a "quoted" message', 'BackOff']);
    await plain.close();
    await fields.close();
  });

  test('events from the real control plane reach InfluxDB across a restart, none lost or duplicated', async () => {
    await shipThroughPeerRestart({
      cluster,
      server,
      name: 'influxdb',
      sink: () => `influxdb:${server.info.url}?db=k8s&withfields=true&cluster_name=e2e`,
      dedupes: true,
      readBack: async (namespace) => {
        const rows = await select(`SELECT "count", "uid" FROM "events" WHERE namespace_name = '${namespace}'`).catch(() => []);
        return rows.map((row) => `${row[2]}/${row[1]}`);
      },
    });
  });
});
