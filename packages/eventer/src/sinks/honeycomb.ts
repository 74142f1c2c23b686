import { parseConfig } from '@ack-npd/core';
import { z } from 'zod';
import { SinkError } from '../errors.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { chunkBySize } from './chunk.ts';
import { postForText } from './post.ts';

/**
 * Honeycomb, as kube-eventer's `honeycomb` sink: `honeycomb:?dataset=k8s-events&writekey=$HONEYCOMB_WRITEKEY[&apihost=https://api.honeycomb.io]`
 * (writekey defaults to env HONEYCOMB_WRITEKEY, dataset to `heapster`, as kube-eventer's).
 * One `POST {apihost}/1/batch/{dataset}` per batch with `X-Honeycomb-Team`, each event's data
 * being kube-eventer's fields (namespace, kind, name, subobject, source.component,
 * source.host, count, type, reason, message) plus `uid` and `action` (create for a new event,
 * update for a count bump). Unlike kube-eventer
 * (whose Go struct sent `Timestamp`, which Honeycomb ignores) the event time is in `time`,
 * and the per-event status array is read: events refused with 429/5xx are retried, events
 * already accepted are not sent again.
 */

export const HONEYCOMB_DEFAULT_APIHOST = 'https://api.honeycomb.io/';
const MAX_REQUEST_BYTES = 4_500_000;
const MAX_EVENTS = 500;
/** How many accepted (uid, count) keys are remembered to skip them on a retry. */
const ACCEPTED_MEMORY = 20_000;

export interface HoneycombOptions {
  readonly apiHost: string;
  readonly dataset: string;
  readonly writeKey: string;
  readonly timeoutMs: number;
}

export function parseHoneycombOptions(spec: SinkSpec, env: NodeJS.ProcessEnv): HoneycombOptions {
  const q = spec.query;
  const schema = z.object({
    apihost: z.string().url('apihost must be an http(s) URL, e.g. https://api.honeycomb.io'),
    dataset: z.string().min(1, 'dataset must not be empty').default('heapster'),
    writekey: z
      .string({ error: 'writekey is required (or env HONEYCOMB_WRITEKEY)' })
      .min(1, 'writekey is required (or env HONEYCOMB_WRITEKEY)'),
    timeout_ms: z.coerce.number().int().positive('timeout_ms must be a positive integer').default(10_000),
  });
  const parsed = parseConfig(
    schema,
    {
      apihost: q.get('apihost') ?? HONEYCOMB_DEFAULT_APIHOST,
      dataset: q.get('dataset') ?? undefined,
      writekey: q.get('writekey') || env.HONEYCOMB_WRITEKEY || undefined,
      timeout_ms: q.get('timeout_ms') ?? undefined,
    },
    `--sink=${spec.name}`,
  );
  return { apiHost: parsed.apihost, dataset: parsed.dataset, writeKey: parsed.writekey, timeoutMs: parsed.timeout_ms };
}

/** kube-eventer's exportedData fields, plus uid and action (create / update: a count bump). */
export function honeycombData(event: KubeEvent): Record<string, unknown> {
  const o = event.involvedObject;
  return {
    namespace: o.namespace,
    kind: o.kind,
    name: o.name,
    subobject: o.fieldPath,
    'source.component': event.source.component,
    'source.host': event.source.host,
    count: event.count,
    type: event.type,
    reason: event.reason,
    message: event.message,
    uid: event.uid,
    action: event.change === 'updated' ? 'update' : 'create',
  };
}

export function batchUrl(apiHost: string, dataset: string): string {
  const url = new URL(apiHost);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/1/batch/${encodeURIComponent(dataset)}`;
  return url.toString();
}

const keyOf = (event: KubeEvent) => `${event.uid}/${event.count}/${event.message.length}`;

export const createHoneycombSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseHoneycombOptions(spec, context.env);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  const url = batchUrl(options.apiHost, options.dataset);
  const accepted = new Set<string>();
  const remember = (key: string) => {
    accepted.add(key);
    if (accepted.size > ACCEPTED_MEMORY) accepted.delete(accepted.values().next().value as string);
  };

  async function sendChunk(events: readonly KubeEvent[], bodies: readonly string[], signal: AbortSignal): Promise<SinkError | undefined> {
    const { status, text } = await postForText(url, {
      headers: { 'content-type': 'application/json', 'x-honeycomb-team': options.writeKey, 'user-agent': 'ack-npd-eventer' },
      body: `[${bodies.join(',')}]`,
      timeoutMs: options.timeoutMs,
      signal,
      sink: spec.name,
      describe: (error) => ({ message: `request to Honeycomb failed: ${error.message}`, cause: error }),
    });
    if (status !== 200) {
      const what = `HTTP ${status} from Honeycomb: ${text.slice(0, 200)}`;
      if (status === 429) return new SinkError(spec.name, what, { retryable: true, rateLimited: true, retryAfterMs: 1000 });
      return new SinkError(spec.name, what, {
        retryable: status >= 500 || status === 408,
        code: status >= 500 ? 'ERR_SINK' : 'ERR_SINK_REJECTED',
      });
    }
    let statuses: { status?: number; error?: string }[];
    try {
      statuses = JSON.parse(text);
      if (!Array.isArray(statuses)) throw new Error('not an array');
    } catch {
      return new SinkError(spec.name, 'Honeycomb answered without a per-event status array', { retryable: true });
    }
    let retry = 0;
    let rateLimited = false;
    const refused: string[] = [];
    events.forEach((event, i) => {
      const s = statuses[i]?.status ?? 0;
      if (s >= 200 && s < 300) remember(keyOf(event));
      else if (s === 429 || s >= 500 || s === 0) {
        retry++;
        rateLimited ||= s === 429;
      } else refused.push(statuses[i]?.error ?? `status ${s}`);
    });
    if (refused.length > 0) logger.warn({ refused: refused.length, first: refused[0] }, 'honeycomb refused events');
    if (retry > 0) {
      return new SinkError(spec.name, `Honeycomb: ${retry} of ${events.length} events to retry`, {
        retryable: true,
        rateLimited,
        ...(rateLimited ? { retryAfterMs: 1000 } : {}),
        code: 'ERR_SINK_PARTIAL',
      });
    }
    if (refused.length === events.length) {
      return new SinkError(spec.name, `Honeycomb refused every event: ${refused[0]}`, { retryable: false, code: 'ERR_SINK_REJECTED' });
    }
    return undefined;
  }

  return {
    name: spec.name,
    limits: { maxBatch: MAX_EVENTS },
    async send(batch, signal) {
      const pending = batch.filter((event) => !accepted.has(keyOf(event)));
      const bodies = new Map(
        pending.map((event) => [event, JSON.stringify({ data: honeycombData(event), time: new Date(event.timestamp).toISOString() })]),
      );
      const chunks = chunkBySize(pending, {
        maxCount: MAX_EVENTS,
        maxBytes: MAX_REQUEST_BYTES,
        sizeOf: (e) => (bodies.get(e)?.length ?? 0) + 1,
        baseBytes: 2,
      });
      let failure: SinkError | undefined;
      for (const chunk of chunks) {
        const error = await sendChunk(
          chunk,
          chunk.map((e) => bodies.get(e) ?? ''),
          signal,
        );
        if (error && (!failure || (failure.retryable && !error.retryable))) failure = error;
      }
      if (failure) throw failure;
    },
    async close() {},
  };
};
