import { type Clock, ConfigError, type Logger } from '@ack-npd/core';
import type { KubeClient } from '@ack-npd/core/kube-lite';
import { createRegistry } from '@ack-npd/core/metrics';
import { parseSinkSpec } from '@ack-npd/eventer/config';
import { SinkWorker } from '@ack-npd/eventer/delivery';
import { createEventerMetrics } from '@ack-npd/eventer/metrics';
import { sinkFactory } from '@ack-npd/eventer/sinks/index';
import type { KubeEvent } from '@ack-npd/eventer/types';
import type { AlertState, Notification } from './engine.ts';

/** An alert transition as a cluster event, so every eventer sink (DingTalk, webhook, SLS, ...) can carry it. */
export function alertEvent(n: Notification, now: number): KubeEvent {
  const firing = n.kind === 'firing';
  const reason = firing ? 'AlertFiring' : 'AlertResolved';
  const cluster = n.alert.group.cluster ? ` in cluster ${n.clusterName || n.alert.group.cluster}` : '';
  const labels = `${n.alert.key ? ` [${n.alert.key}]` : ''}${cluster}`;
  const message = firing
    ? `[${n.rule.severity}] ${n.rule.name}${labels}: ${n.alert.count} matching events in ${Math.round(n.rule.windowMs / 1000)}s (threshold ${n.rule.threshold})`
    : `${n.rule.name}${labels}: resolved`;
  const namespace = n.alert.group.namespace ?? '';
  const uid = `alert-${n.rule.id}-${n.alert.key}-${n.alert.since}-${reason}-${now}`;
  const time = new Date(now).toISOString();
  return {
    raw: {
      metadata: { name: `${n.rule.id}.${now}`, namespace, uid },
      type: firing ? 'Warning' : 'Normal',
      reason,
      message,
      count: 1,
      firstTimestamp: time as unknown as Date,
      lastTimestamp: time as unknown as Date,
      involvedObject: { kind: 'AlertRule', name: n.rule.name, namespace },
      source: { component: 'eventcenter' },
    },
    uid,
    namespace,
    name: `${n.rule.id}.${now}`,
    type: firing ? 'Warning' : 'Normal',
    reason,
    message,
    count: 1,
    timestamp: now,
    involvedObject: { kind: 'AlertRule', namespace, name: n.rule.name, uid: n.rule.id, apiVersion: '', fieldPath: '' },
    source: { component: 'eventcenter', host: '' },
    resourceVersion: String(now),
    change: 'added',
  };
}

export interface Notifier {
  readonly names: readonly string[];
  notify(notifications: readonly Notification[], now: number): void;
  run(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/**
 * Notification sinks from `--notify=NAME=KEY:URI`: the eventer's sink factories wrapped in
 * its delivery layer (queue, retry with backoff, rate limit), one worker per sink.
 */
export async function createNotifier(options: {
  specs: readonly string[];
  env: NodeJS.ProcessEnv;
  logger: Logger;
  clock: Clock;
  kube: KubeClient | undefined;
}): Promise<Notifier> {
  const metrics = createEventerMetrics(createRegistry());
  const workers = new Map<string, SinkWorker>();
  for (const text of options.specs) {
    const eq = text.indexOf('=');
    const colon = text.indexOf(':');
    if (eq <= 0 || (colon >= 0 && colon < eq)) {
      throw new ConfigError('--notify', [
        { path: '--notify', message: `expected NAME=KEY:URI (e.g. ops=dingtalk:https://...), got "${text.slice(0, 30)}"` },
      ]);
    }
    const name = text.slice(0, eq);
    const spec = { ...parseSinkSpec(text.slice(eq + 1), { env: options.env, name }), name };
    const sink = await sinkFactory(spec)(spec, {
      logger: options.logger.child({ component: 'sink', sink: name }),
      clock: options.clock,
      env: options.env,
      kube: options.kube,
    });
    workers.set(
      name,
      new SinkWorker({
        sink,
        clock: options.clock,
        logger: options.logger,
        metrics,
        onDone: () => {},
        delivery: { flushMs: 500, maxRetries: 8 },
      }),
    );
  }
  let seq = 0;
  return {
    names: [...workers.keys()],
    notify(notifications, now) {
      for (const n of notifications) {
        const targets = n.rule.notify.length > 0 ? n.rule.notify : [...workers.keys()];
        for (const target of targets) workers.get(target)?.offer(++seq, alertEvent(n, now));
      }
    },
    async run(signal) {
      await Promise.all([...workers.values()].map((w) => w.run(signal)));
    },
    async close() {
      await Promise.all([...workers.values()].map((w) => w.sink.close()));
    },
  };
}

export type { AlertState };
