import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { parseJson, type RunningPeer, sendJson, startPeer } from './http-peer.ts';

/**
 * Honeycomb's events API as libhoney and kube-eventer use it: `POST /1/batch/{dataset}` with
 * `X-Honeycomb-Team: <key>` and a JSON array of `{"data":{...},"time"?,"samplerate"?}` (gzip or
 * zstd bodies too). It answers 401 for an unknown key, 400 for a body that is not an array,
 * 413 over 5 MB, and otherwise 200 with one `{"status":202}` (or `{"status":400,"error"}` for
 * an event that is not an object or is over 1 MB) per event, in order — the per-event status
 * array libhoney reads. Also `POST /1/events/{dataset}` (single event) and `GET /1/auth`.
 */

export interface HoneycombServerOptions {
  readonly writeKeys: readonly string[];
}

export interface HoneycombEvent {
  readonly dataset: string;
  readonly data: Record<string, unknown>;
  readonly time: string | undefined;
  readonly samplerate: number | undefined;
}

export interface HoneycombServer extends RunningPeer {
  readonly events: readonly HoneycombEvent[];
  readonly batches: readonly { readonly dataset: string; readonly count: number; readonly encoding: string }[];
  readonly refusals: readonly { readonly status: number; readonly error: string }[];
  /** The next `count` events (across requests) get per-event status `status` (e.g. 429, 503) instead of 202. */
  failNextEvents(count: number, status: number): void;
  /** The next `count` requests get HTTP `status`. */
  failNext(count: number, status: number): void;
}

export const HONEYCOMB_LIMITS = { requestBytes: 5_000_000, eventBytes: 1_000_000 } as const;

export async function startHoneycombServer(options: HoneycombServerOptions): Promise<HoneycombServer> {
  const keys = new Set(options.writeKeys);
  const events: HoneycombEvent[] = [];
  const batches: { dataset: string; count: number; encoding: string }[] = [];
  const refusals: { status: number; error: string }[] = [];
  let failEvents = { count: 0, status: 0 };
  let failures = { count: 0, status: 0 };

  const peer = await startPeer((request, body, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const refuse = (status: number, error: string) => {
      refusals.push({ status, error });
      sendJson(response, status, { error });
    };
    if (failures.count > 0) {
      failures = { count: failures.count - 1, status: failures.status };
      return refuse(failures.status, 'injected failure');
    }
    const key = String(request.headers['x-honeycomb-team'] ?? '');
    if (!keys.has(key)) return refuse(401, 'unknown API key - check your credentials');
    if (url.pathname === '/1/auth' && request.method === 'GET') {
      return sendJson(response, 200, {
        api_key_access: { events: true },
        environment: { name: 'test', slug: 'test' },
        team: { name: 'test', slug: 'test' },
      });
    }
    const match = /^\/1\/(batch|events)\/([^/]+)$/.exec(url.pathname);
    if (!match || request.method !== 'POST') return refuse(404, 'not found');
    const dataset = decodeURIComponent(match[2] as string);
    if (body.length > HONEYCOMB_LIMITS.requestBytes) return refuse(413, 'request body is too large');
    const encoding = String(request.headers['content-encoding'] ?? '');
    let text: string;
    try {
      text = (encoding === 'gzip' ? gunzipSync(body) : encoding === 'zstd' ? zstdDecompressSync(body) : body).toString('utf8');
    } catch {
      return refuse(400, `cannot decode ${encoding} body`);
    }
    const parsed = parseJson(text);
    if (match[1] === 'events') {
      if (!isObject(parsed)) return refuse(400, 'request body should be a JSON object');
      const time = request.headers['x-honeycomb-event-time'];
      events.push({ dataset, data: parsed, time: typeof time === 'string' ? time : undefined, samplerate: undefined });
      return sendJson(response, 200, {});
    }
    if (!Array.isArray(parsed)) return refuse(400, 'request body should be a JSON array of events');
    batches.push({ dataset, count: parsed.length, encoding: encoding || 'identity' });
    const statuses = parsed.map((entry: unknown) => {
      if (!isObject(entry) || !isObject(entry.data)) return { status: 400, error: 'event has no data object' };
      if (Buffer.byteLength(JSON.stringify(entry.data)) > HONEYCOMB_LIMITS.eventBytes) {
        return { status: 400, error: `event exceeds max event size of ${HONEYCOMB_LIMITS.eventBytes} bytes` };
      }
      if (entry.time !== undefined && (typeof entry.time !== 'string' || Number.isNaN(Date.parse(entry.time)))) {
        return { status: 400, error: 'time is not an RFC 3339 timestamp' };
      }
      if (failEvents.count > 0) {
        failEvents = { count: failEvents.count - 1, status: failEvents.status };
        return {
          status: failEvents.status,
          error: failEvents.status === 429 ? 'event dropped due to rate limiting' : 'service unavailable',
        };
      }
      events.push({
        dataset,
        data: entry.data,
        time: entry.time as string | undefined,
        samplerate: typeof entry.samplerate === 'number' ? entry.samplerate : undefined,
      });
      return { status: 202 };
    });
    sendJson(response, 200, statuses);
  });

  return {
    ...peer,
    events,
    batches,
    refusals,
    failNextEvents(count, status) {
      failEvents = { count, status };
    },
    failNext(count, status) {
      failures = { count, status };
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
