import { ConfigError } from '@ack-npd/core';
import type { SinkFactory, SinkSpec } from '../types.ts';
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
