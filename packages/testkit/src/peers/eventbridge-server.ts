import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type PeerClock, type RunningPeer, sendJson, startPeer } from './http-peer.ts';

/**
 * An Alibaba Cloud EventBridge PutEvents endpoint (`POST /openapi/putEvents`), independent of
 * the eventer's client: it verifies the SDKs' `acs:AK:signature` (also `acs AK:sig`), the
 * signature headers, a fresh nonce, the ±15 min date window and STS headers; checks the body
 * is a CloudEvents batch within the limits (≤ 16 events, ≤ 256 KB a request, ≤ 64 KB an
 * event, required attributes, an existing bus); and answers like the service:
 * `{"RequestId","FailedEntryCount","EntryList":[{"EventId","TraceId"?,"ErrorCode"?,"ErrorMessage"?}]}`
 * or, for a refused request, `{"code","message","requestId"}`.
 */

export interface EventBridgeAccessKey {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

export interface EventBridgeServerOptions {
  readonly accessKeys: readonly EventBridgeAccessKey[];
  /** Event buses that exist (default: `default`). */
  readonly buses?: readonly string[];
  readonly clock?: PeerClock;
}

export interface EventBridgeReceived {
  readonly bus: string;
  readonly event: Record<string, unknown>;
  readonly accessKeyId: string;
}

export interface EventBridgeServer extends RunningPeer {
  /** CloudEvents accepted, in order. */
  readonly events: readonly EventBridgeReceived[];
  /** Number of PutEvents requests that reached the body checks. */
  readonly requests: readonly { readonly count: number; readonly bytes: number }[];
  readonly errors: readonly string[];
  /** The next `count` requests are refused with this HTTP status and code (e.g. 429 Throttling, 500 InternalError). */
  failNext(count: number, status: number, code: string): void;
}

export const EVENTBRIDGE_LIMITS = { maxEvents: 16, maxRequestBytes: 256 * 1024, maxEventBytes: 64 * 1024 } as const;
const REQUIRED = ['specversion', 'aliyuneventbusname', 'id', 'source', 'time', 'type'] as const;

export async function startEventBridgeServer(options: EventBridgeServerOptions): Promise<EventBridgeServer> {
  const clock = options.clock ?? { now: () => Date.now() };
  const keys = new Map(options.accessKeys.map((key) => [key.accessKeyId, key]));
  const buses = new Set(options.buses ?? ['default']);
  const events: EventBridgeReceived[] = [];
  const requests: { count: number; bytes: number }[] = [];
  const errors: string[] = [];
  const nonces = new Set<string>();
  let failures = { count: 0, status: 0, code: '' };

  const peer = await startPeer((request, body, response) => {
    const requestId = randomUUID().toUpperCase();
    const refuse = (status: number, code: string, message: string) => {
      errors.push(code);
      sendJson(response, status, { code, message, requestId });
    };
    const h = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(',') : value;
    };
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'POST' || url.pathname !== '/openapi/putEvents') {
      return refuse(404, 'ApiNotFound', `no API at ${request.method} ${url.pathname}`);
    }
    const auth = /^acs[: ]([^:]+):(.+)$/.exec(h('authorization') ?? '');
    if (!auth) return refuse(401, 'MissingAuthorization', 'authorization header is missing or malformed');
    const key = keys.get(auth[1] as string);
    if (!key) return refuse(401, 'InvalidAccessKeyId.NotFound', 'the AccessKeyId does not exist');
    if (h('x-acs-signature-method') !== 'HMAC-SHA1' || h('x-acs-signature-version') !== '1.0') {
      return refuse(400, 'InvalidSignatureMethod', 'x-acs-signature-method must be HMAC-SHA1, version 1.0');
    }
    if (!['2015-06-06', '2020-04-01'].includes(h('x-eventbridge-version') ?? '')) {
      return refuse(400, 'InvalidVersion', 'unsupported x-eventbridge-version');
    }
    const date = h('date') ?? '';
    const dateMs = Date.parse(date);
    if (Number.isNaN(dateMs) || Math.abs(clock.now() - dateMs) > 15 * 60_000) {
      return refuse(400, 'RequestTimeExpired', `date ${date} is outside the 15 minute window`);
    }
    const expected = Buffer.from(createHmac('sha1', key.accessKeySecret).update(stringToSign(request, url), 'utf8').digest('base64'));
    const given = Buffer.from(auth[2] as string);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return refuse(401, 'SignatureDoesNotMatch', 'the request signature does not match');
    }
    const nonce = h('x-acs-signature-nonce') ?? '';
    if (nonce === '' || nonces.has(nonce)) return refuse(400, 'SignatureNonceUsed', 'x-acs-signature-nonce is missing or reused');
    nonces.add(nonce);
    if (key.securityToken !== undefined) {
      if (h('x-acs-security-token') !== key.securityToken || h('x-acs-accesskey-id') !== key.accessKeyId) {
        return refuse(401, 'InvalidSecurityToken', 'the security token is missing or invalid');
      }
    }
    if (failures.count > 0) {
      failures = { ...failures, count: failures.count - 1 };
      return refuse(failures.status, failures.code, 'injected by the test');
    }
    if (!(h('content-type') ?? '').startsWith('application/cloudevents-batch+json')) {
      return refuse(400, 'InvalidContentType', 'content-type must be application/cloudevents-batch+json');
    }
    if (body.length > EVENTBRIDGE_LIMITS.maxRequestBytes) {
      return refuse(400, 'RequestSizeExceeded', `request body ${body.length} bytes is over ${EVENTBRIDGE_LIMITS.maxRequestBytes}`);
    }
    let batch: unknown;
    try {
      batch = JSON.parse(body.toString('utf8'));
    } catch {
      return refuse(400, 'InvalidJson', 'the body is not JSON');
    }
    if (!Array.isArray(batch) || batch.length === 0) return refuse(400, 'InvalidArgument', 'the body must be a non-empty JSON array');
    if (batch.length > EVENTBRIDGE_LIMITS.maxEvents) {
      return refuse(400, 'EventsCountExceeded', `${batch.length} events in one request, at most ${EVENTBRIDGE_LIMITS.maxEvents}`);
    }
    requests.push({ count: batch.length, bytes: body.length });
    const entries = batch.map((item: unknown) => {
      const event = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
      const eventId = typeof event.id === 'string' ? event.id : '';
      const missing = REQUIRED.filter((name) => typeof event[name] !== 'string' || event[name] === '');
      if (missing.length > 0) {
        return { EventId: eventId, ErrorCode: 'InvalidArgument', ErrorMessage: `missing ${missing.join(', ')}` };
      }
      if (Buffer.byteLength(JSON.stringify(event)) > EVENTBRIDGE_LIMITS.maxEventBytes) {
        return { EventId: eventId, ErrorCode: 'EventSizeExceeded', ErrorMessage: 'event is over 64 KB' };
      }
      if (event.specversion !== '1.0') return { EventId: eventId, ErrorCode: 'InvalidArgument', ErrorMessage: 'specversion must be 1.0' };
      if (Number.isNaN(Date.parse(String(event.time)))) {
        return { EventId: eventId, ErrorCode: 'InvalidArgument', ErrorMessage: 'time is not RFC 3339' };
      }
      const bus = String(event.aliyuneventbusname);
      if (!buses.has(bus)) return { EventId: eventId, ErrorCode: 'EventBusNotExist', ErrorMessage: `event bus ${bus} does not exist` };
      events.push({ bus, event, accessKeyId: key.accessKeyId });
      return { EventId: eventId, TraceId: randomUUID() };
    });
    const failed = entries.filter((entry) => 'ErrorCode' in entry).length;
    sendJson(response, 200, { RequestId: requestId, FailedEntryCount: failed, EntryList: entries });
  });

  return {
    ...peer,
    events,
    requests,
    errors,
    failNext(count, status, code) {
      failures = { count, status, code };
    },
  };
}

function stringToSign(request: IncomingMessage, url: URL): string {
  const value = (name: string) => {
    const v = request.headers[name];
    return Array.isArray(v) ? v.join(',') : (v ?? '');
  };
  const acs = Object.keys(request.headers)
    .filter((name) => name.startsWith('x-acs-'))
    .sort()
    .map(
      (name) =>
        `${name}:${value(name)
          .replace(/[\t\n\r\f]/g, ' ')
          .trim()}\n`,
    )
    .join('');
  const query = [...url.searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  const resource = query.length ? `${url.pathname}?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : url.pathname;
  return `${request.method}\n${value('content-md5')}\n${value('content-type')}\n${value('date')}\n${acs}${resource}`;
}
