import { ConfigError } from '@ack-npd/core';
import type { Sink, SinkFactory, SinkSpec } from '../types.ts';
import { createDingTalkSink } from './dingtalk.ts';
import { createEventBridgeSink } from './eventbridge.ts';
import { createEventCenterSink } from './eventcenter.ts';
import { createLogSink } from './log.ts';
import { createSlsSink } from './sls.ts';
import { createWebhookSink } from './webhook.ts';

/**
 * The sink registry: `--sink=KEY:URI` picks the factory by KEY. Explicit map, no import side
 * effects.
 */
export const sinkFactories = {
  log: createLogSink,
  stdout: createLogSink,
  webhook: createWebhookSink,
  // Written by the chat/cloud sink engineer (src/sinks/dingtalk.ts, sls.ts, eventbridge.ts):
  dingtalk: createDingTalkSink,
  sls: createSlsSink,
  eventbridge: createEventBridgeSink,
  eventcenter: createEventCenterSink,
} satisfies Record<string, SinkFactory>;

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

export type SinkKey = keyof typeof sinkFactories;

export function sinkFactory(spec: Pick<SinkSpec, 'key' | 'name'>): SinkFactory {
  const factory = (sinkFactories as Record<string, SinkFactory>)[spec.key];
  if (!factory) {
    throw new ConfigError(`--sink=${spec.name}`, [
      {
        path: spec.name,
        message: `unknown sink "${spec.key}"; supported: ${Object.keys(sinkFactories).join(', ')}`,
      },
    ]);
  }
  return factory;
}
