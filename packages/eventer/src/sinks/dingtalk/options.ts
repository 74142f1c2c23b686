import { parseConfig } from '@ack-npd/core';
import { z } from 'zod';
import type { SinkSpec } from '../../types.ts';

/**
 * DingTalk custom robot, as kube-eventer's `dingtalk` sink:
 * `dingtalk:https://oapi.dingtalk.com/robot/send?access_token=T&label=L&level=Warning&sign=SEC..&msg_type=markdown`.
 * Bodies are byte-for-byte what kube-eventer posts (Go json.Marshal of its struct, both
 * `text` and `markdown` members present); unlike kube-eventer, `errcode` is read and
 * mapped to a SinkError (130101 = over 20 messages a minute).
 */

export const DINGTALK_DEFAULT_ENDPOINT = 'https://oapi.dingtalk.com/robot/send';
/** DingTalk throttles a robot that sent more than 20 messages in a minute. */
export const DINGTALK_PER_MINUTE = 20;

export interface DingTalkOptions {
  readonly endpoint: string;
  readonly accessToken: string;
  /** Signing secret (`sign=SEC...`); when set, requests carry `timestamp` and `sign`. */
  readonly secret: string | undefined;
  readonly level: 'Normal' | 'Warning';
  readonly labels: readonly string[];
  readonly msgType: 'text' | 'markdown';
  readonly clusterId: string;
  readonly region: string;
  readonly namespaces: readonly string[] | undefined;
  readonly kinds: readonly string[] | undefined;
  readonly timeoutMs: number;
}

const csv = z
  .string()
  .optional()
  .transform((value) => (value ? value.split(',') : undefined));

const schema = z.object({
  endpoint: z.string().url('endpoint must be an http(s) URL'),
  access_token: z.string({ error: 'access_token is required' }).min(1, 'access_token is required'),
  sign: z.string().min(1, 'sign must not be empty').optional(),
  level: z.enum(['Normal', 'Warning'], { error: 'level must be Normal or Warning' }).default('Warning'),
  label: z.array(z.string()).default([]),
  msg_type: z.enum(['text', 'markdown'], { error: 'msg_type must be text or markdown' }).default('text'),
  cluster_id: z.string().default(''),
  region: z.string().default(''),
  namespaces: csv,
  kinds: csv,
  timeout_ms: z.coerce.number().int().positive('timeout_ms must be a positive integer').default(10_000),
});

/** Reads kube-eventer's dingtalk URI options; a bad option is a ConfigError naming `--sink=dingtalk` and the option. */
export function parseDingTalkOptions(spec: SinkSpec): DingTalkOptions {
  const q = spec.query;
  const endpoint = spec.endpoint ? `${spec.endpoint.origin}${spec.endpoint.pathname}` : DINGTALK_DEFAULT_ENDPOINT;
  const raw = {
    endpoint,
    access_token: q.get('access_token') ?? undefined,
    sign: q.get('sign') ?? undefined,
    level: q.get('level') ?? undefined,
    label: q.getAll('label'),
    msg_type: q.get('msg_type') ?? undefined,
    cluster_id: q.get('cluster_id') ?? undefined,
    region: q.get('region') ?? undefined,
    namespaces: q.get('namespaces') ?? undefined,
    kinds: q.get('kinds') ?? undefined,
    timeout_ms: q.get('timeout_ms') ?? undefined,
  };
  const parsed = parseConfig(schema, raw, `--sink=${spec.key}`);
  return {
    endpoint: parsed.endpoint,
    accessToken: parsed.access_token,
    secret: parsed.sign,
    level: parsed.level,
    labels: parsed.label,
    msgType: parsed.msg_type,
    clusterId: parsed.cluster_id,
    region: parsed.region,
    namespaces: parsed.namespaces,
    kinds: parsed.kinds,
    timeoutMs: parsed.timeout_ms,
  };
}
