import { ConfigError } from '@ack-npd/core';
import type { Sink, SinkFactory, SinkSpec } from '../types.ts';

/** A factory that imports its module on first use, so an unused sink's client library is never loaded. */
function lazy(load: () => Promise<SinkFactory>): SinkFactory {
  return async (spec, context) => (await load())(spec, context);
}

/**
 * The sink registry: `--sink=KEY:URI` picks the factory by KEY. Explicit map, no import side
 * effects; each entry loads its module only when a configured sink needs it.
 */
export const sinkFactories = {
  log: lazy(async () => (await import('./log.ts')).createLogSink),
  stdout: lazy(async () => (await import('./log.ts')).createLogSink),
  webhook: lazy(async () => (await import('./webhook.ts')).createWebhookSink),
  dingtalk: lazy(async () => (await import('./dingtalk/index.ts')).createDingTalkSink),
  sls: lazy(async () => (await import('./sls/index.ts')).createSlsSink),
  eventbridge: lazy(async () => (await import('./eventbridge.ts')).createEventBridgeSink),
  eventcenter: lazy(async () => (await import('./eventcenter.ts')).createEventCenterSink),
  wechat: lazy(async () => (await import('./wechat.ts')).createWeChatSink),
  wecom: lazy(async () => (await import('./wecom.ts')).createWeComRobotSink),
  lark: lazy(async () => (await import('./lark.ts')).createLarkSink),
  feishu: lazy(async () => (await import('./lark.ts')).createLarkSink),
  slack: lazy(async () => (await import('./slack.ts')).createSlackSink),
  teams: lazy(async () => (await import('./teams.ts')).createTeamsSink),
  honeycomb: lazy(async () => (await import('./honeycomb.ts')).createHoneycombSink),
  riemann: lazy(async () => (await import('./riemann/index.ts')).createRiemannSink),
  mysql: lazy(async () => (await import('./mysql.ts')).createMysqlSink),
  influxdb: lazy(async () => (await import('./influxdb.ts')).createInfluxdbSink),
  elasticsearch: lazy(async () => (await import('./elasticsearch.ts')).createElasticsearchSink),
  mongo: lazy(async () => (await import('./mongo.ts')).createMongoSink),
  kafka: lazy(async () => (await import('./kafka.ts')).createKafkaSink),
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
