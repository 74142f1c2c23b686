import { ConfigError } from '@ack-npd/core';
import type { SinkFactory, SinkSpec } from '../types.ts';

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
