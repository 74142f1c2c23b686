import { ConfigError } from '@ack-npd/core';
import type { Sink, SinkFactory, SinkSpec } from '../types.ts';

/**
 * The sink registry: `--sink=KEY:URI` picks the factory by KEY. Explicit map, no import side
 * effects; each sink's module (and its client libraries) is loaded only when a sink of that
 * kind is configured.
 */
const sinkLoaders = {
  log: async () => (await import('./log.ts')).createLogSink,
  stdout: async () => (await import('./log.ts')).createLogSink,
  webhook: async () => (await import('./webhook.ts')).createWebhookSink,
  dingtalk: async () => (await import('./dingtalk.ts')).createDingTalkSink,
  sls: async () => (await import('./sls.ts')).createSlsSink,
  eventbridge: async () => (await import('./eventbridge.ts')).createEventBridgeSink,
  eventcenter: async () => (await import('./eventcenter.ts')).createEventCenterSink,
} satisfies Record<string, () => Promise<SinkFactory>>;

/**
 * Sinks that post to people (one message per delivery) rather than store data: count bumps
 * of an event are folded for `bumpWindow` (default 1 minute) into one "(×N)" message.
 */
export const CHAT_SINK_KEYS: ReadonlySet<string> = new Set([
  'dingtalk',
  'wechat',
  'wecom',
  'wecom_robot',
  'lark',
  'feishu',
  'slack',
  'teams',
]);
export const DEFAULT_BUMP_WINDOW_MS = 60_000;

/** The count-bump window a sink gets: the configured `bumpWindow`, else 1 minute for chat sinks and 0 (every bump ships) for data sinks. */
export function bumpWindowFor(sink: Pick<Sink, 'chat'>, key: string, configuredMs?: number): number {
  if (configuredMs !== undefined) return configuredMs;
  return (sink.chat ?? CHAT_SINK_KEYS.has(key)) ? DEFAULT_BUMP_WINDOW_MS : 0;
}

export type SinkKey = keyof typeof sinkLoaders;

export function sinkFactory(spec: Pick<SinkSpec, 'key' | 'name'>): SinkFactory {
  const load = (sinkLoaders as Record<string, () => Promise<SinkFactory>>)[spec.key];
  if (!load) {
    throw new ConfigError(`--sink=${spec.name}`, [
      {
        path: spec.name,
        message: `unknown sink "${spec.key}"; supported: ${Object.keys(sinkLoaders).join(', ')}`,
      },
    ]);
  }
  return async (sinkSpec, context) => (await load())(sinkSpec, context);
}
