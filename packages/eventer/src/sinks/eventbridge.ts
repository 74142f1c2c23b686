import { createHash, randomUUID } from 'node:crypto';
import { goBoolOption, parseConfig } from '@ack-npd/core';
import { z } from 'zod';
import { SinkError } from '../errors.ts';
import { eventAction } from '../normalize.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { chunkBySize, sendInRequests } from './chunk.ts';
import { eventBridgeSignature, eventBridgeStringToSign } from './eventbridge-signature.ts';
import { postForText } from './post.ts';
import { requireCredentials } from './sls/credentials.ts';
import { formatTime, goEventJson } from './sls/event-json.ts';
import { httpDate } from './sls/signature.ts';

/**
 * Alibaba Cloud EventBridge, as kube-eventer's `eventbridge` sink:
 * `eventbridge:?clusterId=c&regionId=cn-hangzhou&accountId=123&eventBusName=default&internal=true`.
 * Each event becomes a CloudEvent (source `acs.cs`, type `cs:k8s:{Kind}RelatedEvent`, the
 * Event JSON as data) sent with PutEvents, the wire format and signature of the official
 * SDKs (`@alicloud/eventbridge` pulls the whole Tea runtime and its credentials chain for one
 * signed POST, so this is the same request written out).
 *
 * Unlike kube-eventer, the CloudEvent id is derived from the event (uid, resourceVersion,
 * count), so a retried batch carries the same ids and consumers can drop duplicates.
 */

/** PutEvents limits: 16 events and 256 KB a request, 64 KB an event. */
export const EVENTBRIDGE_MAX_EVENTS = 16;
export const EVENTBRIDGE_MAX_REQUEST_BYTES = 256 * 1024;
export const EVENTBRIDGE_MAX_EVENT_BYTES = 64 * 1024;
const PATH = '/openapi/putEvents';
const CONTENT_TYPE = 'application/cloudevents-batch+json; charset=utf-8';

const required = (name: string, hint: string) =>
  z.string({ error: `${name} is required (${hint})` }).min(1, `${name} is required (${hint})`);

const schema = z.object({
  clusterId: required('clusterId', 'or env ClusterId'),
  regionId: required('regionId', 'or env RegionId'),
  accountId: required('accountId', 'or env OwnerAccountId'),
  eventBusName: z.string().min(1).default('default'),
  internal: goBoolOption('internal'),
  endpoint: z.string().url('endpoint must be an http(s) URL').optional(),
  accessKeyId: z.string().optional(),
  accessKeySecret: z.string().optional(),
  akSecretDir: z.string().optional(),
  tokenConfig: z.string().optional(),
  timeout_ms: z.coerce.number().int().positive('timeout_ms must be a positive integer').default(30_000),
});

export interface EventBridgeOptions {
  readonly clusterId: string;
  readonly regionId: string;
  readonly accountId: string;
  readonly eventBusName: string;
  readonly endpoint: URL;
  readonly timeoutMs: number;
  readonly accessKeyId: string | undefined;
  readonly accessKeySecret: string | undefined;
  readonly akSecretDir: string | undefined;
  readonly tokenConfig: string | undefined;
}

export function parseEventBridgeOptions(spec: SinkSpec, env: NodeJS.ProcessEnv): EventBridgeOptions {
  const q = spec.query;
  const one = (name: string) => q.get(name) || undefined;
  const parsed = parseConfig(
    schema,
    {
      clusterId: one('clusterId') ?? (env.ClusterId || undefined),
      regionId: one('regionId') ?? (env.RegionId || undefined),
      accountId: one('accountId') ?? (env.OwnerAccountId || undefined),
      eventBusName: one('eventBusName') ?? (env.EventBusName || undefined),
      internal: one('internal'),
      endpoint: one('endpoint'),
      accessKeyId: one('accessKeyId'),
      accessKeySecret: one('accessKeySecret'),
      akSecretDir: one('akSecretDir'),
      tokenConfig: one('tokenConfig'),
      timeout_ms: one('timeout_ms'),
    },
    `--sink=${spec.key}`,
  );
  const internal = parsed.internal ?? true;
  const endpoint = new URL(
    parsed.endpoint ?? `https://${parsed.accountId}.eventbridge.${parsed.regionId}${internal ? '-vpc' : ''}.aliyuncs.com`,
  );
  return {
    clusterId: parsed.clusterId,
    regionId: parsed.regionId,
    accountId: parsed.accountId,
    eventBusName: parsed.eventBusName,
    endpoint,
    timeoutMs: parsed.timeout_ms,
    accessKeyId: parsed.accessKeyId,
    accessKeySecret: parsed.accessKeySecret,
    akSecretDir: parsed.akSecretDir,
    tokenConfig: parsed.tokenConfig,
  };
}

/** k8s.io/apimachinery meta.UnsafeGuessKindToResource: lower-case plural. */
export function guessResource(kind: string): string {
  if (kind === '') return '';
  const singular = kind.toLowerCase();
  if (singular.endsWith('endpoints')) return singular;
  if (singular.endsWith('s')) return `${singular}es`;
  if (singular.endsWith('y')) return `${singular.slice(0, -1)}ies`;
  return `${singular}s`;
}

/** `acs:cs:{region}:{account}:{cluster}/apis/{apiVersion}/namespaces/{ns}/{resource}/{name}` (kube-eventer's createEventSubject). */
export function eventSubject(event: KubeEvent, options: Pick<EventBridgeOptions, 'regionId' | 'accountId' | 'clusterId'>): string {
  const o = event.involvedObject;
  let version = o.apiVersion;
  if (version.includes('.') && !version.includes('/')) version = `${version}/versionUnknown`;
  return `acs:cs:${options.regionId}:${options.accountId}:${options.clusterId}/apis/${version}/namespaces/${o.namespace}/${guessResource(o.kind)}/${o.name}`;
}

/** A stable UUID-shaped id for one state of one event, so retries repeat it. */
export function cloudEventId(event: KubeEvent): string {
  const h = createHash('sha1').update(`${event.uid}/${event.resourceVersion}/${event.count}/${event.timestamp}`).digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** One CloudEvent as the SDK serializes it (extensions flattened, JSON data inline). */
export function toCloudEventJson(event: KubeEvent, options: EventBridgeOptions): string {
  const kind = event.involvedObject.kind;
  const head = {
    id: cloudEventId(event),
    source: 'acs.cs',
    specversion: '1.0',
    type: kind ? `cs:k8s:${kind}RelatedEvent` : 'cs:k8s:UnknownTypeEvent',
    datacontenttype: 'application/json',
    subject: eventSubject(event, options),
    time: formatTime(new Date(event.timestamp)),
  };
  // Extensions: the bus, and ours - the event's count and create|update (kube-eventer has the count only inside data).
  const tail = `,"aliyuneventbusname":${JSON.stringify(options.eventBusName)},"eventcount":${event.count},"eventaction":"${eventAction(event)}"}`;
  const build = (data: string) => `${JSON.stringify(head).slice(0, -1)},"data":${data}${tail}`;
  let json = build(goEventJson(event.raw));
  if (Buffer.byteLength(json) <= EVENTBRIDGE_MAX_EVENT_BYTES) return json;
  // Too big for one entry: drop managedFields, then cut the message to fit.
  const raw = structuredClone(event.raw) as KubeEvent['raw'];
  if (raw.metadata) delete raw.metadata.managedFields;
  json = build(goEventJson(raw));
  const excess = Buffer.byteLength(json) - EVENTBRIDGE_MAX_EVENT_BYTES;
  if (excess > 0 && typeof raw.message === 'string') {
    const keep = Math.max(0, Buffer.byteLength(raw.message) - excess - 64);
    raw.message = `${Buffer.from(raw.message)
      .subarray(0, keep)
      .toString('utf8')
      .replace(/\uFFFD$/, '')}...`;
    json = build(goEventJson(raw));
  }
  return json;
}

/** Groups encoded CloudEvents into requests within the count and size limits. */
export function splitCloudEvents(events: readonly string[]): string[][] {
  // A batch is a JSON array: "[]" plus each event and its comma.
  return chunkBySize(events, {
    maxCount: EVENTBRIDGE_MAX_EVENTS,
    maxBytes: EVENTBRIDGE_MAX_REQUEST_BYTES,
    sizeOf: (event) => Buffer.byteLength(event) + 1,
    baseBytes: 2,
  });
}

const TRANSIENT = /throttl|flowcontrol|toomanyrequests|internal|unavailable|timeout|busy/i;

interface PutEventsReply {
  RequestId?: string;
  FailedEntryCount?: number;
  EntryList?: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
  code?: string;
  message?: string;
  requestId?: string;
}

export function eventBridgeError(sink: string, status: number, reply: PutEventsReply, refreshable: boolean): SinkError | undefined {
  if (status === 200) {
    const failed = (reply.EntryList ?? []).filter((entry) => entry.ErrorCode);
    if ((reply.FailedEntryCount ?? 0) === 0 && failed.length === 0) return undefined;
    const codes = [...new Set(failed.map((entry) => entry.ErrorCode))].join(', ');
    const retryable = failed.length === 0 || failed.some((entry) => TRANSIENT.test(entry.ErrorCode ?? ''));
    const rateLimited = failed.some((entry) => /throttl|flowcontrol/i.test(entry.ErrorCode ?? ''));
    return new SinkError(
      sink,
      `PutEvents: ${reply.FailedEntryCount ?? failed.length} event(s) failed: ${codes} (request ${reply.RequestId ?? '?'})`,
      {
        retryable,
        rateLimited,
        code: retryable ? 'ERR_SINK_PARTIAL' : 'ERR_SINK_REJECTED',
        ...(rateLimited ? { retryAfterMs: 1000 } : {}),
      },
    );
  }
  const what = `PutEvents failed: HTTP ${status} ${reply.code ?? ''}: ${reply.message ?? ''} (request ${reply.requestId ?? '?'})`;
  if (status === 429 || /throttl|flowcontrol/i.test(reply.code ?? '')) {
    return new SinkError(sink, what, { retryable: true, rateLimited: true, retryAfterMs: 1000, code: 'ERR_SINK_RATE_LIMITED' });
  }
  if (status >= 500) return new SinkError(sink, what, { retryable: true });
  if (status === 401 || status === 403) return new SinkError(sink, what, { retryable: refreshable, code: 'ERR_SINK_AUTH' });
  return new SinkError(sink, what, { retryable: false, code: 'ERR_SINK_REJECTED' });
}

export const createEventBridgeSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseEventBridgeOptions(spec, context.env);
  const credentials = requireCredentials(spec, options, context);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  const url = `${options.endpoint.origin}${PATH}`;

  async function putEvents(events: readonly string[], signal: AbortSignal): Promise<void> {
    const body = `[${events.join(',')}]`;
    const creds = await credentials.get().catch((error: unknown) => {
      throw new SinkError(spec.name, `cannot read ${credentials.kind} credentials`, { retryable: true, cause: error });
    });
    const headers: Record<string, string> = {
      date: httpDate(context.clock.now()),
      host: options.endpoint.host,
      accept: 'application/json',
      'x-acs-signature-nonce': randomUUID(),
      'x-acs-signature-method': 'HMAC-SHA1',
      'x-acs-signature-version': '1.0',
      'x-eventbridge-version': '2015-06-06',
      'user-agent': 'ack-npd-eventer',
      'content-type': CONTENT_TYPE,
    };
    if (creds.securityToken) {
      headers['x-acs-accesskey-id'] = creds.accessKeyId;
      headers['x-acs-security-token'] = creds.securityToken;
    }
    const signature = eventBridgeSignature(creds.accessKeySecret, eventBridgeStringToSign({ method: 'POST', headers, path: PATH }));
    headers.authorization = `acs:${creds.accessKeyId}:${signature}`;
    const { status, text } = await postForText(url, {
      headers,
      body,
      timeoutMs: options.timeoutMs,
      signal,
      sink: spec.name,
      describe: (error) => ({ message: `PutEvents request failed: ${error.message}`, cause: error }),
    });
    let reply: PutEventsReply = {};
    try {
      reply = JSON.parse(text) as PutEventsReply;
    } catch {
      if (status === 200) reply = { FailedEntryCount: events.length };
    }
    const failure = eventBridgeError(spec.name, status, reply, credentials.refreshable);
    if (failure) {
      if (failure.code === 'ERR_SINK_AUTH') credentials.invalidate();
      logger.warn(
        { status, code: reply.code, failed: reply.FailedEntryCount, requestId: reply.requestId ?? reply.RequestId },
        'eventbridge refused PutEvents',
      );
      throw failure;
    }
  }

  return {
    name: spec.name,
    limits: { maxBatch: EVENTBRIDGE_MAX_EVENTS },
    // A batch over one request's limits goes out in several; a retry skips those accepted.
    send: sendInRequests({ encode: (event) => toCloudEventJson(event, options), split: splitCloudEvents, send: putEvents }),
    async close() {},
  };
};
