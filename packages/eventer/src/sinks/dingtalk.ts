import { createHmac } from 'node:crypto';
import { parseConfig } from '@ack-npd/core';
import { z } from 'zod';
import { SinkError } from '../errors.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { postForText } from './post.ts';
import { goEscape } from './sls-event-json.ts';

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
const RATE_LIMIT_RETRY_MS = 60_000;

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

/** sign = base64(HMAC-SHA256(key = secret, "{timestampMs}\n{secret}")), before URL-encoding. */
export function dingTalkSign(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** The query string kube-eventer sends (Go url.Values.Encode: keys sorted). */
export function dingTalkQuery(accessToken: string, secret: string | undefined, nowMs: number): string {
  const parts = [`access_token=${goQueryEscape(accessToken)}`];
  if (secret) {
    parts.push(`sign=${goQueryEscape(dingTalkSign(nowMs, secret))}`);
    parts.push(`timestamp=${nowMs}`);
  }
  return parts.join('&');
}

function goQueryEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// --- message bodies (kube-eventer's sinks/dingtalk: dingtalk.go and markdownMsgBuilder.go) ---

const TEXT_TEMPLATE = 'Level:%s \nKind:%s \nNamespace:%s \nName:%s \nReason:%s \nTimestamp:%s \nMessage:%s';
const CONSOLE = 'https://cs.console.aliyun.com/#/k8s';

export interface DingTalkMessage {
  readonly msgtype: string;
  readonly text: { readonly content: string };
  readonly markdown: { readonly title: string; readonly text: string };
}

/** Renders one event the way kube-eventer does for the configured msg_type. */
export function renderDingTalkMessage(
  event: KubeEvent,
  options: Pick<DingTalkOptions, 'msgType' | 'labels' | 'clusterId' | 'region'>,
): DingTalkMessage {
  if (options.msgType === 'markdown') {
    return {
      msgtype: 'markdown',
      text: { content: '' },
      markdown: { title: `Kubernetes(ID:${options.clusterId}) Event`, text: renderMarkdown(event, options) },
    };
  }
  let template = TEXT_TEMPLATE;
  for (const label of options.labels) template = `${label}\n${template}`;
  const values = [
    event.type,
    event.involvedObject.kind,
    event.namespace,
    event.name,
    event.reason,
    goDateTime(event.timestamp),
    event.message,
  ];
  let i = 0;
  const content = template.replace(/%s/g, () => values[i++] ?? '');
  return { msgtype: 'text', text: { content }, markdown: { title: '', text: '' } };
}

/** The JSON body kube-eventer posts (Go json.Marshal: struct order, HTML characters escaped). */
export function dingTalkBody(message: DingTalkMessage): string {
  return goEscape(
    JSON.stringify({
      msgtype: message.msgtype,
      text: { content: message.text.content },
      markdown: { title: message.markdown.title, text: message.markdown.text },
    }),
  );
}

function renderMarkdown(event: KubeEvent, options: Pick<DingTalkOptions, 'labels' | 'clusterId' | 'region'>): string {
  const { clusterId, region } = options;
  const ns = event.namespace;
  const name = event.name;
  const short = removeDotContent(name);
  const link = (url: string) => `[${name}](${url})`;
  let nameText: string;
  switch (event.involvedObject.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
      nameText = link(`${CONSOLE}/${event.involvedObject.kind.toLowerCase()}/detail/${region}/${clusterId}/${ns}/${short}/pods`);
      break;
    case 'Pod':
      nameText = link(`${CONSOLE}/pod/${clusterId}/${ns}/${short}/container`);
      break;
    case 'CronJob':
      nameText = link(`${CONSOLE}/cronjob/detail/${region}/${clusterId}/${ns}/${short}/jobs`);
      break;
    case 'Service':
      nameText = link(`${CONSOLE}/service/detail/${region}/${clusterId}/${ns}/${short}`);
      break;
    default:
      nameText = name;
  }
  let text =
    `Level: **${event.type}** \n\nKind: **${event.involvedObject.kind}** \n\n` +
    `Namespace: [${ns}](${CONSOLE}/namespace) \n\nName: ${nameText} \n\n` +
    `Reason: **${event.reason}** \n\nTimestamp: **${goTimeString(event.timestamp)}** \n\n` +
    `Message: **${event.message}**`;
  const host = event.source.host;
  if (host.length > 0) {
    const parts = host.split('.');
    text =
      parts.length > 1
        ? `Node: [${host}](https://ecs.console.aliyun.com/#/server/${parts[1]}/detail?regionId=${parts[0]}) \n\n${text}`
        : `Node: **${host}** \n\n${text}`;
  }
  for (let index = options.labels.length - 1; index >= 0; index--) {
    const label = options.labels[index] as string;
    if (label.trim().length > 0) text = `label[${index}]: **${label}**\n\n${text}`;
  }
  return text;
}

function removeDotContent(name: string): string {
  const dot = name.indexOf('.');
  return dot > -1 ? name.slice(0, dot) : name;
}

/** Go `time.DateTime` ("2006-01-02 15:04:05"), in UTC (the container's zone). */
export function goDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Go `time.Time.String()` for a UTC time: "2006-01-02 15:04:05 +0000 UTC" (fraction only when non-zero). */
export function goTimeString(ms: number): string {
  const iso = new Date(ms).toISOString();
  const millis = iso.slice(20, 23);
  const fraction = millis === '000' ? '' : `.${millis.replace(/0+$/, '')}`;
  return `${iso.slice(0, 19).replace('T', ' ')}${fraction} +0000 UTC`;
}

// --- folding ---

/**
 * One line summing up events held back by the rate limit, e.g.
 * `and 37 more events: 30 BackOff, 7 Unhealthy` (top 5 reasons, then `, ...`).
 */
export function foldMessage(events: readonly KubeEvent[]): string {
  const { byReason, total } = countReasons(events);
  const sorted = [...byReason.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const top = sorted
    .slice(0, 5)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
  return `and ${total} more event${total === 1 ? '' : 's'}: ${top}${sorted.length > 5 ? ', ...' : ''}`;
}

/** Reason counts inside the summaries this module made, so folding a summary again keeps them. */
const summaryReasons = new WeakMap<KubeEvent, ReadonlyMap<string, number>>();

function countReasons(events: readonly KubeEvent[]): { byReason: Map<string, number>; total: number } {
  const byReason = new Map<string, number>();
  let total = 0;
  for (const event of events) {
    const inner = summaryReasons.get(event);
    const counts = inner ?? new Map([[event.reason || '(no reason)', event.folded?.events ?? 1]]);
    for (const [reason, n] of counts) {
      total += n;
      byReason.set(reason, (byReason.get(reason) ?? 0) + n);
    }
  }
  return { byReason, total };
}

/** A summary event carrying {@link foldMessage}, shipped through `send` like any other. */
export function foldDingTalkEvents(events: readonly KubeEvent[]): KubeEvent {
  if (events.length === 0) throw new RangeError('foldDingTalkEvents needs at least one event');
  const first = events[0] as KubeEvent;
  let total = 0;
  let firstTs = Number.POSITIVE_INFINITY;
  let lastTs = 0;
  for (const event of events) {
    total += event.folded?.events ?? 1;
    firstTs = Math.min(firstTs, event.folded?.first ?? event.timestamp);
    lastTs = Math.max(lastTs, event.folded?.last ?? event.timestamp);
  }
  const namespaces = new Set(events.map((event) => event.namespace));
  const namespace = namespaces.size === 1 ? first.namespace : '';
  const type = events.some((event) => event.type === 'Warning') ? 'Warning' : 'Normal';
  const kinds = new Set(events.map((event) => event.involvedObject.kind));
  const kind = kinds.size === 1 ? first.involvedObject.kind : 'EventSummary';
  const message = foldMessage(events);
  const name = `eventer-folded.${lastTs}`;
  const summary: KubeEvent = {
    raw: {
      metadata: { name, namespace },
      involvedObject: { kind, namespace },
      reason: 'EventsFolded',
      message,
      type,
      count: total,
      lastTimestamp: new Date(lastTs),
      firstTimestamp: new Date(firstTs),
      source: { component: 'eventer' },
    },
    uid: `folded-${first.uid}-${total}`,
    namespace,
    name,
    type,
    reason: 'EventsFolded',
    message,
    count: total,
    timestamp: lastTs,
    involvedObject: { kind, namespace, name: '', uid: '', apiVersion: '', fieldPath: '' },
    source: { component: 'eventer', host: '' },
    resourceVersion: '',
    change: 'added',
    folded: { events: total, first: firstTs, last: lastTs },
  };
  summaryReasons.set(summary, countReasons(events).byReason);
  return summary;
}

// --- the sink ---

interface DingTalkReply {
  readonly errcode?: number;
  readonly errmsg?: string;
}

/** Maps a DingTalk reply or HTTP status to a SinkError (undefined = delivered). */
export function dingTalkError(sink: string, status: number, reply: DingTalkReply | undefined): SinkError | undefined {
  if (status === 429) {
    return new SinkError(sink, 'HTTP 429 from DingTalk', {
      retryable: true,
      rateLimited: true,
      retryAfterMs: RATE_LIMIT_RETRY_MS,
      code: 'ERR_SINK_RATE_LIMITED',
    });
  }
  if (status >= 500) return new SinkError(sink, `HTTP ${status} from DingTalk`, { retryable: true });
  if (status !== 200) return new SinkError(sink, `HTTP ${status} from DingTalk`, { retryable: false });
  if (!reply || typeof reply.errcode !== 'number') {
    return new SinkError(sink, 'DingTalk answered without an errcode', { retryable: true });
  }
  const { errcode } = reply;
  const errmsg = String(reply.errmsg ?? '');
  if (errcode === 0) return undefined;
  if (errcode === 130101) {
    return new SinkError(sink, `DingTalk errcode 130101: ${errmsg}`, {
      retryable: true,
      rateLimited: true,
      retryAfterMs: RATE_LIMIT_RETRY_MS,
      code: 'ERR_SINK_RATE_LIMITED',
    });
  }
  // -1: "system busy" (transient). 310000 (keywords / sign / timestamp / IP list), 300001 and
  // 300005 (token does not exist), 400xx (bad body) cannot succeed on retry.
  const retryable = errcode === -1;
  return new SinkError(sink, `DingTalk errcode ${errcode}: ${errmsg}`, {
    retryable,
    code: retryable ? 'ERR_SINK' : 'ERR_SINK_REJECTED',
  });
}

export const createDingTalkSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseDingTalkOptions(spec);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  const filter = {
    level: options.level,
    ...(options.namespaces ? { namespaces: options.namespaces } : {}),
    ...(options.kinds ? { kinds: options.kinds } : {}),
  };

  async function post(event: KubeEvent, signal: AbortSignal): Promise<void> {
    const body = dingTalkBody(renderDingTalkMessage(event, options));
    const url = `${options.endpoint}?${dingTalkQuery(options.accessToken, options.secret, context.clock.now())}`;
    const { status, text } = await postForText(url, {
      headers: { 'content-type': 'application/json;charset=utf-8' },
      body,
      timeoutMs: options.timeoutMs,
      signal,
      sink: spec.name,
      // The URL carries the token: report only the error's kind.
      describe: (error) => ({
        message: `request to DingTalk failed: ${error.name}`,
        cause: new Error((error as Error & { code?: string }).code ?? error.name),
      }),
    });
    let reply: DingTalkReply | undefined;
    try {
      reply = JSON.parse(text) as DingTalkReply;
    } catch {
      reply = undefined;
    }
    const failure = dingTalkError(spec.name, status, reply);
    if (failure) {
      logger.warn({ status, errcode: reply?.errcode, errmsg: reply?.errmsg }, 'dingtalk refused a message');
      throw failure;
    }
  }

  return {
    name: spec.name,
    limits: { perMinute: DINGTALK_PER_MINUTE, maxBatch: 1 },
    filter,
    fold: foldDingTalkEvents,
    async send(batch, signal) {
      // maxBatch is 1; a larger batch (a caller ignoring limits) is sent one message each.
      for (const event of batch) await post(event, signal);
    },
    async close() {},
  };
};
