import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import type { ClusterClient } from '@ack-npd/testkit';
import { sharedCluster } from '@ack-npd/testkit';
import { type SharedServer, sharedServer } from '@ack-npd/testkit/servers/index';
import { MongoClient } from 'mongodb';
import { shipThroughPeerRestart } from '../testing/data-sink-e2e.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from './fixtures/aliyun-sink-events.ts';
import { createMongoSink, eventToMongoDocument, parseMongoUri } from './mongo.ts';

describe('mongo options and documents', () => {
  test('the documented replica-set URI is taken as is; anything else is a ConfigError', () => {
    const uri = 'mongodb://root:123456@127.0.0.1:30694,127.0.0.2:32761,127.0.0.3:31958/?authSource=admin';
    assert.equal(parseMongoUri(specFrom('mongo', `?${uri}`)), uri);
    assert.throws(() => parseMongoUri(specFrom('mongo', '?127.0.0.1:27017')), ConfigError);
  });
  test("kube-eventer's document shape, empty values omitted, plus change", () => {
    const doc = eventToMongoDocument(kubeEvent());
    assert.deepEqual(Object.keys(doc), [
      'count',
      'namespace',
      'kind',
      'name',
      'type',
      'reason',
      'message',
      'event_id',
      'first_occurrence_time',
      'last_occurrence_time',
      'change',
    ]);
    assert.deepEqual(doc.last_occurrence_time, new Date('2023-11-14T22:13:20Z'));
  });
});

describe('mongo sink against FerretDB (MongoDB wire protocol)', { timeout: 400_000 }, () => {
  let server: SharedServer;
  let cluster: ClusterClient;
  let reader: MongoClient;
  before(async () => {
    [server, cluster] = await Promise.all([sharedServer('ferretdb'), sharedCluster()]);
    reader = new MongoClient(server.info.url, { serverSelectionTimeoutMS: 5000 });
  });
  after(async () => {
    await reader?.close();
  });
  const events = () => reader.db('k8s').collection('event');

  test('upserts on (event_id, count): a retried batch adds nothing', async () => {
    const sink = await createMongoSink(specFrom('mongo', `?${server.info.url}`), sinkContext(manualClock(0)));
    const batch = [kubeEvent({ uid: 'm-1' }), kubeEvent({ uid: 'm-2' })];
    await sink.send(batch, AbortSignal.timeout(30_000));
    await sink.send(batch, AbortSignal.timeout(30_000));
    const docs = await events()
      .find({ event_id: { $in: ['m-1', 'm-2'] } })
      .toArray();
    assert.deepEqual(docs.map((d) => [d.event_id, d.count, d.change]).sort(), [
      ['m-1', 3, 'added'],
      ['m-2', 3, 'added'],
    ]);
    await sink.close();
  });

  test('events from the real control plane reach the database across a restart, none lost or duplicated', async () => {
    await shipThroughPeerRestart({
      cluster,
      server,
      name: 'mongo',
      sink: () => `mongo:?${server.info.url}`,
      dedupes: true,
      readBack: async (namespace) => {
        const docs = await events()
          .find({ namespace })
          .toArray()
          .catch(() => []);
        return docs.map((doc) => `${doc.event_id}/${doc.count}`);
      },
    });
  });
});
