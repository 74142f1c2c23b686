import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemClock } from '@ack-npd/core';
import { createLogger } from '@ack-npd/core/logger';
import type { ClusterClient } from '@ack-npd/testkit';
import { sharedCluster, waitFor } from '@ack-npd/testkit';
import { parseSinkSpec } from './config.ts';
import { createDingTalkSink } from './sinks/dingtalk/index.ts';
import { createWebhookSink } from './sinks/webhook.ts';
import { KubeEventSource } from './source.ts';
import { goTimeString } from './template.ts';
import { clusterKube } from './testing/cluster-events.ts';
import { WebhookReceiver } from './testing/receiver.ts';
import type { KubeEvent } from './types.ts';

// Events without lastTimestamp, from the real control plane: the scheduler's Scheduled
// (events.k8s.io/v1, eventTime only) and a core/v1 event with no time at all.
const logger = createLogger({ name: 't', level: 'silent' });
let cluster: ClusterClient;
const receiver = new WebhookReceiver();
let url = '';

before(async () => {
  cluster = await sharedCluster();
  url = await receiver.start();
});
after(() => receiver.close());

async function watchUntil(namespace: string, done: (events: KubeEvent[]) => boolean): Promise<KubeEvent[]> {
  const events: KubeEvent[] = [];
  const stop = new AbortController();
  const source = new KubeEventSource({ kube: await clusterKube(cluster), namespaces: [namespace], clock: systemClock, logger });
  const running = (async () => {
    for await (const item of source.run(stop.signal)) if (item.type === 'event') events.push(item.event);
  })();
  try {
    await waitFor('events from the apiserver', () => done(events), { timeoutMs: 90_000 });
  } finally {
    stop.abort();
    await running.catch(() => undefined);
  }
  return events;
}

describe('events without lastTimestamp render a real time', { timeout: 180_000 }, () => {
  test('webhook default body: scheduler Scheduled uses eventTime, a time-less event the time it was seen', async () => {
    const namespace = await cluster.createNamespace('eventer-time');
    await cluster.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'scheduled' },
        spec: {
          tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [{ name: 'app', image: 'registry.invalid/app:1' }],
        },
      },
    });
    const before = Date.now();
    await cluster.core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name: 'timeless.1' },
        involvedObject: { kind: 'Pod', name: 'scheduled', namespace, apiVersion: 'v1' },
        reason: 'NoTime',
        message: 'no timestamps at all',
        type: 'Normal',
        source: { component: 'test' },
      },
    });
    const events = await watchUntil(namespace, (seen) => ['Scheduled', 'NoTime'].every((r) => seen.some((e) => e.reason === r)));
    const scheduled = events.find((e) => e.reason === 'Scheduled') as KubeEvent;
    const timeless = events.find((e) => e.reason === 'NoTime') as KubeEvent;
    assert.equal(scheduled.raw.lastTimestamp ?? null, null, 'the scheduler writes no lastTimestamp');
    const eventTime = String(scheduled.raw.eventTime ?? '');
    assert.match(eventTime, /^\d{4}-\d\d-\d\dT[\d:]+\.\d{6}Z$/, 'events.k8s.io/v1 MicroTime');
    assert.equal(timeless.raw.lastTimestamp ?? null, null);
    assert.equal(timeless.raw.eventTime ?? null, null);

    const sink = await createWebhookSink(parseSinkSpec(`webhook:${url}?method=POST`, { env: {} }), {
      logger,
      clock: systemClock,
      env: {},
      kube: undefined,
    });
    await sink.send([scheduled, timeless], AbortSignal.timeout(10_000));
    await sink.close();
    const bodies = [...receiver.deliveries.keys()].map((body) => JSON.parse(body) as Record<string, string>);
    const byReason = new Map(bodies.map((body) => [body.EventReason, body]));
    // Go prints MicroTime with its microseconds: "2026-01-02 03:04:05.123456 +0000 UTC".
    const micros = /\.(\d+)Z$/.exec(eventTime)?.[1] ?? '';
    assert.equal(byReason.get('Scheduled')?.EventTime, goTimeString(Date.parse(eventTime), micros));
    const seen = byReason.get('NoTime')?.EventTime ?? '';
    assert.doesNotMatch(seen, /^0001-01-01/);
    const seenMs = Date.parse(seen.replace(' +0000 UTC', 'Z').replace(' ', 'T'));
    assert.ok(seenMs >= before - 1000 && seenMs <= Date.now(), `${seen} is the time the event was seen`);

    // DingTalk's text and markdown bodies print the same fallback (never Go's zero time).
    for (const msgType of ['text', 'markdown']) {
      const chat = await createDingTalkSink(parseSinkSpec(`dingtalk:${url}?access_token=t&msg_type=${msgType}`, { env: {} }), {
        logger,
        clock: systemClock,
        env: {},
        kube: undefined,
      });
      receiver.deliveries.clear();
      await chat.send([scheduled], AbortSignal.timeout(10_000)).catch(() => undefined);
      await chat.close();
      const body = [...receiver.deliveries.keys()].join('\n');
      assert.ok(body.length > 0, `${msgType}: a DingTalk request was made`);
      assert.doesNotMatch(body, /0001-01-01/, msgType);
    }
  });
});
