import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import type { ClusterClient } from '@ack-npd/testkit';
import { sharedCluster } from '@ack-npd/testkit';
import { KAFKA_SASL_USER, type SharedServer, sharedServer } from '@ack-npd/testkit/servers/index';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { SinkError } from '../errors.ts';
import { shipThroughPeerRestart } from '../testing/data-sink-e2e.ts';
import type { KubeEvent, Sink } from '../types.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from './fixtures/aliyun-sink-events.ts';
import { createKafkaSink, kafkaValue, parseKafkaOptions } from './kafka.ts';

describe('kafka options and message value', () => {
  test("kube-eventer's documented URIs and every option", async () => {
    const a = parseKafkaOptions(specFrom('kafka', '?brokers=localhost:9092&brokers=localhost:9093&timeseriestopic=testseries'));
    assert.deepEqual(
      [a.brokers, a.topic, a.compression, a.sasl, a.tls],
      [['localhost:9092', 'localhost:9093'], 'heapster-events', 'none', undefined, undefined],
    );
    const b = parseKafkaOptions(specFrom('kafka', '?brokers=localhost:9092&brokers=localhost:9093&eventstopic=testtopic'));
    assert.equal(b.topic, 'testtopic');
    const dir = await mkdtemp(join(tmpdir(), 'kafka-pem-'));
    try {
      await writeFile(join(dir, 'ca.pem'), 'CA');
      await writeFile(join(dir, 'cert.pem'), 'CERT');
      await writeFile(join(dir, 'key.pem'), 'KEY');
      const c = parseKafkaOptions(
        specFrom(
          'kafka',
          `?brokers=h:9093&compression=lz4&user=u&password=p&mechanism=SCRAM-SHA-512&cacert=${dir}/ca.pem&cert=${dir}/cert.pem&key=${dir}/key.pem&insecuressl=true`,
        ),
      );
      assert.deepEqual(c.sasl, { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' });
      assert.deepEqual(c.tls, { ca: 'CA', cert: 'CERT', key: 'KEY', rejectUnauthorized: false });
      assert.equal(c.compression, 'lz4');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  test('bad options are ConfigErrors naming the option', () => {
    for (const [uri, word] of [
      ['?eventstopic=t', 'brokers'],
      ['?brokers=h:1&compression=brotli', 'compression'],
      ['?brokers=h:1&mechanism=MD5', 'mechanism'],
      ['?brokers=h:1&cert=/x', 'cert'],
      ['?brokers=h:1&cacert=/nonexistent/ca.pem', 'cacert'],
      ['?brokers=h:1&insecuressl=perhaps', 'insecuressl'],
    ] as const) {
      assert.throws(
        () => parseKafkaOptions(specFrom('kafka', uri)),
        (e: unknown) => e instanceof ConfigError && e.message.includes(word),
        uri,
      );
    }
  });
  test("kube-eventer's KafkaSinkPoint value, plus count and change", () => {
    const value = JSON.parse(kafkaValue(kubeEvent()));
    assert.deepEqual(Object.keys(value), ['EventValue', 'EventTimestamp', 'EventTags', 'EventCount', 'EventChange']);
    assert.equal(value.EventTimestamp, '2023-11-14T22:13:20Z');
    assert.match(value.EventValue, /^\{\n "kind": "Event",\n "apiVersion": "v1",/);
    assert.deepEqual(Object.keys(value.EventTags), ['eventID', 'pod_id', 'pod_name', 'hostname']);
    assert.deepEqual([value.EventCount, value.EventChange], [3, 'added']);
  });
});

describe('kafka sink against Apache Kafka (KRaft)', { timeout: 500_000 }, () => {
  let server: SharedServer;
  let cluster: ClusterClient;
  before(async () => {
    [server, cluster] = await Promise.all([sharedServer('kafka'), sharedCluster()]);
  });

  /** Every message of the topic (a fresh consumer group from the earliest offset, until 2 s pass without news). */
  async function consumeAll(topic: string): Promise<{ key: string; value: Record<string, unknown> }[]> {
    const consumer = new Consumer({
      groupId: `reader-${Date.now()}-${Math.random()}`,
      clientId: 'test-reader',
      bootstrapBrokers: [server.info.url],
      deserializers: stringDeserializers,
      timeout: 10_000,
    });
    const messages: { key: string; value: Record<string, unknown> }[] = [];
    try {
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 500 });
      await new Promise<void>((resolve) => {
        let idle = setTimeout(resolve, 4000);
        stream.on('data', (message) => {
          messages.push({ key: String(message.key), value: JSON.parse(String(message.value)) as Record<string, unknown> });
          clearTimeout(idle);
          idle = setTimeout(resolve, 2000);
        });
      });
      await stream.close();
    } finally {
      await consumer.close(true);
    }
    return messages;
  }

  /** As the delivery layer does: a retryable failure (a topic still being auto-created) is tried again. */
  async function sendRetrying(sink: Sink, batch: KubeEvent[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await sink.send(batch, AbortSignal.timeout(60_000));
      } catch (error) {
        if (!(error instanceof SinkError && error.retryable) || attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  test('a batch with gzip, lz4, snappy and zstd; key = involved object uid; SASL PLAIN on the second listener', async () => {
    for (const compression of ['gzip', 'lz4', 'snappy', 'zstd']) {
      const sink = await createKafkaSink(
        specFrom('kafka', `?brokers=${server.info.url}&eventstopic=unit-${compression}&compression=${compression}`),
        sinkContext(manualClock(0)),
      );
      await sendRetrying(sink, [kubeEvent({ uid: `k-${compression}`, objectUid: 'obj-1' })]);
      await sink.close();
      const messages = await consumeAll(`unit-${compression}`);
      assert.deepEqual(
        messages.map((m) => [m.key, (m.value.EventTags as Record<string, string>).eventID]),
        [['obj-1', `k-${compression}`]],
        compression,
      );
    }
    const { user, password } = KAFKA_SASL_USER;
    const sasl = `?brokers=127.0.0.1:${server.info.extra.saslPort}&eventstopic=unit-sasl&user=${user}`;
    const good = await createKafkaSink(specFrom('kafka', `${sasl}&password=${password}`), sinkContext(manualClock(0)));
    await sendRetrying(good, [kubeEvent({ uid: 'k-sasl' })]);
    await good.close();
    assert.equal((await consumeAll('unit-sasl')).length, 1);
    const bad = await createKafkaSink(specFrom('kafka', `${sasl}&password=wrong`), sinkContext(manualClock(0)));
    await assert.rejects(bad.send([kubeEvent()], AbortSignal.timeout(60_000)), (e: unknown) => e instanceof SinkError && !e.retryable);
    await bad.close();
  });

  test('events from the real control plane are consumed across a broker restart, none lost', async () => {
    await shipThroughPeerRestart({
      cluster,
      server,
      name: 'kafka',
      sink: (namespace) => `kafka:?brokers=${server.info.url}&eventstopic=e2e-${namespace}&compression=gzip`,
      // At-least-once: Kafka cannot deduplicate a batch retried after a lost acknowledgement.
      dedupes: false,
      readBack: async (namespace) => {
        const messages = await consumeAll(`e2e-${namespace}`).catch(() => []);
        return messages.map((m) => `${(m.value.EventTags as Record<string, string>).eventID}/${m.value.EventCount}`);
      },
    });
  });
});
