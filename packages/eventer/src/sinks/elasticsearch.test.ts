import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import type { ClusterClient } from '@ack-npd/testkit';
import { sharedCluster } from '@ack-npd/testkit';
import { type ServerKind, type SharedServer, sharedServer } from '@ack-npd/testkit/servers/index';
import { SinkError } from '../errors.ts';
import { shipThroughPeerRestart } from '../testing/data-sink-e2e.ts';
import { bulkBody, createElasticsearchSink, eventToDocument, indexName, parseElasticsearchOptions } from './elasticsearch.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from './fixtures/aliyun-sink-events.ts';

describe('elasticsearch options and documents', () => {
  test("kube-eventer's documented URIs and defaults", () => {
    const nodes = parseElasticsearchOptions(specFrom('elasticsearch', '?nodes=http://127.0.0.1:9200&nodes=http://127.0.0.2:9200'));
    assert.deepEqual(nodes.nodes, ['http://127.0.0.1:9200', 'http://127.0.0.2:9200']);
    assert.equal(nodes.version, 5);
    assert.equal(nodes.index, 'heapster');
    assert.equal(nodes.sniff, true);
    assert.equal(nodes.bulkWorkers, 5);
    assert.equal(nodes.clusterName, 'default');
    const lb = parseElasticsearchOptions(specFrom('elasticsearch', 'http://127.0.0.1:9200?sniff=false&ver=6'));
    assert.deepEqual([lb.nodes, lb.sniff, lb.version], [['http://127.0.0.1:9200'], false, 6]);
    const all = parseElasticsearchOptions(
      specFrom(
        'elasticsearch',
        'http://h:9200?index=events&esUserName=u&esUserSecret=p&maxRetries=2&healthCheck=0&startupHealthcheckTimeout=3&ver=opensearch&bulkWorkers=2&cluster_name=c&pipeline=pl&use_namespace=true',
      ),
    );
    assert.equal(all.auth, `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.deepEqual(
      [
        all.index,
        all.maxRetries,
        all.healthCheck,
        all.startupHealthcheckTimeoutMs,
        all.opensearch,
        all.bulkWorkers,
        all.pipeline,
        all.useNamespace,
      ],
      ['events', 2, false, 3000, true, 2, 'pl', true],
    );
  });
  test('bad options are ConfigErrors naming the option', () => {
    for (const [uri, word] of [
      ['?sniff=false', 'nodes'],
      ['http://h:9200?ver=9', 'ver'],
      ['http://h:9200?bulkWorkers=x', 'bulkWorkers'],
      ['http://h:9200?index=UPPER', 'index'],
      ['http://h:9200?sigv4=true', 'sigv4'],
    ] as const) {
      assert.throws(
        () => parseElasticsearchOptions(specFrom('elasticsearch', uri)),
        (e: unknown) => e instanceof ConfigError && e.message.includes(word),
        uri,
      );
    }
  });
  test("kube-eventer's index names and EsSinkPoint document; _id is uid-count", () => {
    const event = kubeEvent();
    assert.equal(indexName({ index: 'heapster', useNamespace: false }, event), 'heapster-2023.11.14');
    assert.equal(indexName({ index: 'heapster', useNamespace: true }, event), 'heapster-default-2023.11.14');
    const doc = eventToDocument(event, 'prod');
    assert.deepEqual(Object.keys(doc), [
      'Count',
      'Metadata',
      'InvolvedObject',
      'Source',
      'FirstOccurrenceTimestamp',
      'LastOccurrenceTimestamp',
      'Message',
      'Reason',
      'Type',
      'EventTags',
      'Change',
    ]);
    assert.equal(doc.LastOccurrenceTimestamp, '2023-11-14T22:13:20Z');
    assert.deepEqual(doc.EventTags, {
      eventID: event.uid,
      cluster_name: 'prod',
      pod_id: event.involvedObject.uid,
      pod_name: event.involvedObject.name,
      hostname: event.source.host,
    });
    const [action6] = bulkBody([event], { index: 'heapster', useNamespace: false, version: 6, clusterName: 'c' }).split('\n');
    assert.deepEqual(JSON.parse(action6 ?? ''), { index: { _index: 'heapster-2023.11.14', _id: `${event.uid}-3`, _type: 'events' } });
    const [action8] = bulkBody([event], { index: 'heapster', useNamespace: false, version: 8, clusterName: 'c' }).split('\n');
    assert.equal(JSON.parse(action8 ?? '').index._type, undefined);
  });
});

// One flavour at a time (CPU is scarce): each is stopped before the next starts. The
// control-plane scenario with a node restart runs on 8.15 (about a minute and a half on two
// loaded cores); 7.17 and OpenSearch get the same bulk, dedupe, alias, pipeline and failover checks.
const flavours: { kind: ServerKind; ver: string; e2e: boolean }[] = [
  { kind: 'elasticsearch-8.15.0', ver: '8', e2e: true },
  { kind: 'elasticsearch-7.17.25', ver: '7', e2e: process.env.ACK_NPD_ES_E2E_ALL === '1' },
  { kind: 'opensearch-2.19.4', ver: 'opensearch', e2e: process.env.ACK_NPD_ES_E2E_ALL === '1' },
];

for (const flavour of flavours) {
  describe(`elasticsearch sink against ${flavour.kind}`, { timeout: 600_000 }, () => {
    let server: SharedServer;
    let cluster: ClusterClient;
    const search = async (path: string, body?: unknown) => {
      const response = await fetch(`${server.info.url}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return (await response.json()) as Record<string, unknown>;
    };
    const hits = async (index: string, query: unknown) => {
      await fetch(`${server.info.url}/${index}/_refresh`, { method: 'POST' });
      const result = (await search(`/${index}/_search?size=1000`, { query })) as {
        hits?: { hits: { _id: string; _source: Record<string, unknown> }[] };
      };
      return result.hits?.hits ?? [];
    };
    before(async () => {
      [server, cluster] = await Promise.all([sharedServer(flavour.kind), sharedCluster()]);
    });
    after(async () => {
      await server?.stop();
    });

    test('bulk with ids from (uid, count): a retried batch overwrites; the alias and the pipeline are used', async () => {
      const index = `unit${flavour.ver}`;
      const sink = await createElasticsearchSink(
        specFrom('elasticsearch', `${server.info.url}?ver=${flavour.ver}&index=${index}&cluster_name=unit&bulkWorkers=2`),
        sinkContext(manualClock(0)),
      );
      const batch = Array.from({ length: 120 }, (_, i) => kubeEvent({ uid: `es-${i}` }));
      await sink.send(batch, AbortSignal.timeout(60_000));
      await sink.send(batch, AbortSignal.timeout(60_000));
      const found = await hits(`${index}-events`, { match_all: {} });
      assert.equal(found.length, 120);
      assert.ok(found.some((hit) => hit._id === 'es-7-3'));
      assert.equal((found[0]?._source.EventTags as Record<string, string> | undefined)?.cluster_name, 'unit');
      await sink.close();

      const piped = await createElasticsearchSink(
        specFrom('elasticsearch', `${server.info.url}?ver=${flavour.ver}&index=${index}&pipeline=no-such-pipeline&sniff=false`),
        sinkContext(manualClock(0)),
      );
      await assert.rejects(
        piped.send([kubeEvent({ uid: 'p-1' })], AbortSignal.timeout(60_000)),
        (e: unknown) => e instanceof SinkError && !e.retryable,
      );
      const put = await fetch(`${server.info.url}/_ingest/pipeline/eventer`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ description: 'test', processors: [] }),
      });
      assert.equal(put.status, 200, await put.text());
      const good = await createElasticsearchSink(
        specFrom('elasticsearch', `${server.info.url}?ver=${flavour.ver}&index=${index}&pipeline=eventer&sniff=false`),
        sinkContext(manualClock(0)),
      );
      await good.send([kubeEvent({ uid: 'p-1' })], AbortSignal.timeout(60_000));
      assert.equal((await hits(`${index}-events`, { term: { 'EventTags.eventID.keyword': 'p-1' } })).length, 1);
    });

    test('a node that is down is skipped for the next one', async () => {
      const sink = await createElasticsearchSink(
        specFrom(
          'elasticsearch',
          `?nodes=http://127.0.0.1:1&nodes=${server.info.url}&ver=${flavour.ver}&index=failover&sniff=false&healthCheck=false`,
        ),
        sinkContext(manualClock(0)),
      );
      await sink.send([kubeEvent({ uid: 'f-1' })], AbortSignal.timeout(60_000));
      await sink.send([kubeEvent({ uid: 'f-2' })], AbortSignal.timeout(60_000));
      assert.equal((await hits('failover-events', { match_all: {} })).length, 2);
    });

    if (flavour.e2e) {
      test('events from the real control plane are searchable across a restart of the node, none lost or duplicated', async () => {
        await shipThroughPeerRestart({
          cluster,
          server,
          name: `es${flavour.ver}`,
          sink: () => `elasticsearch:${server.info.url}?ver=${flavour.ver}&index=e2e&use_namespace=true`,
          dedupes: true,
          readBack: async (namespace) => {
            const found = await hits(`e2e-${namespace}-*`, { match_all: {} }).catch(() => []);
            return found.map((hit) => `${(hit._source.EventTags as Record<string, string>).eventID}/${hit._source.Count}`);
          },
        });
      });
    }
  });
}
