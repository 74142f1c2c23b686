import { goBoolOption, parseConfig } from '@ack-npd/core';
import { z } from 'zod';
import { SinkError } from '../errors.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { httpsAgent } from './http.ts';
import { postForText } from './post.ts';
import { goEventJson } from './sls/event-json.ts';

/**
 * kube-eventer's `influxdb` sink (InfluxDB 1.x): `influxdb:http://host:8086?user=root&pw=root&db=k8s`.
 * Points are kube-eventer's: measurement `log/events` with the indented event JSON in field
 * `value`, or with `withfields=true` measurement `events` with field `message` and the event's
 * facts as tags; tags `uid`, `hostname`, `cluster_name` (+ `pod_id`, `pod_name` for Pods).
 * Added fields: `count` (integer) and `change` (added | updated). A point is keyed by its
 * series and time (the event's last timestamp), so a retried write overwrites, never duplicates.
 * Written as line protocol over HTTP (/write), the database created on first use.
 */

export interface InfluxOptions {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly db: string;
  readonly retention: string | undefined;
  readonly withFields: boolean;
  readonly insecureSsl: boolean;
  readonly clusterName: string;
}

const schema = z.object({
  user: z.string().default('root'),
  pw: z.string().default('root'),
  db: z.string().min(1, 'db must not be empty').default('k8s'),
  retention: z.string().optional(),
  secure: goBoolOption('secure'),
  withfields: goBoolOption('withfields'),
  insecuressl: goBoolOption('insecuressl'),
  cluster_name: z.string().default('default'),
  // Metrics-side options kube-eventer also reads; no meaning for events.
  disable_counter_metrics: goBoolOption('disable_counter_metrics'),
  concurrency: z.coerce.number().int().positive('concurrency must be a positive integer').optional(),
});

export function parseInfluxOptions(spec: SinkSpec): InfluxOptions {
  const q = spec.query;
  const raw = Object.fromEntries([...schema.keyof().options].flatMap((key) => (q.has(key) ? [[key, q.get(key) ?? '']] : [])));
  const parsed = parseConfig(schema, raw, `--sink=${spec.name}`);
  const host = spec.endpoint?.host || 'localhost:8086';
  const secure = parsed.secure ?? spec.endpoint?.protocol === 'https:';
  return {
    url: `${secure ? 'https' : 'http'}://${host}`,
    user: parsed.user,
    password: parsed.pw,
    db: parsed.db,
    retention: parsed.retention,
    withFields: parsed.withfields ?? false,
    insecureSsl: parsed.insecuressl ?? false,
    clusterName: parsed.cluster_name,
  };
}

const escapeKey = (text: string) => text.replace(/[,= \\]/g, (c) => `\\${c}`);
const escapeMeasurement = (text: string) => text.replace(/[, \\]/g, (c) => `\\${c}`);
const stringField = (text: string) => `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** One line-protocol line for an event, as kube-eventer's eventToPoint / eventToPointWithFields build it. */
export function eventToLine(event: KubeEvent, options: Pick<InfluxOptions, 'withFields' | 'clusterName'>): string {
  const tags: Record<string, string> = { uid: event.uid };
  const o = event.involvedObject;
  let measurement: string;
  let fields: string;
  if (options.withFields) {
    measurement = 'events';
    fields = `message=${stringField(event.message)}`;
    if (o.kind === 'Pod') tags.pod_id = o.uid;
    Object.assign(tags, {
      object_name: o.name,
      type: event.type,
      kind: o.kind,
      component: event.source.component,
      reason: event.reason,
      namespace_name: event.namespace,
    });
  } else {
    measurement = 'log/events';
    fields = `value=${stringField(goEventJson(event.raw, ' '))}`;
    if (o.kind === 'Pod') Object.assign(tags, { pod_id: o.uid, pod_name: o.name });
  }
  tags.hostname = event.source.host;
  tags.cluster_name = options.clusterName;
  const tagText = Object.keys(tags)
    .sort()
    .filter((key) => tags[key])
    .map((key) => `,${escapeKey(key)}=${escapeKey(tags[key] as string)}`)
    .join('');
  fields += `,count=${event.count}i,change=${stringField(event.change)}`;
  return `${escapeMeasurement(measurement)}${tagText} ${fields} ${event.timestamp}`;
}

export const createInfluxdbSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseInfluxOptions(spec);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  const agent = options.insecureSsl ? httpsAgent({ rejectUnauthorized: false }) : undefined;
  const headers = {
    authorization: `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`,
  };
  let databaseReady = false;

  async function post(path: string, body: string, contentType: string, signal: AbortSignal) {
    return postForText(`${options.url}${path}`, {
      headers: { ...headers, 'content-type': contentType },
      body,
      timeoutMs: 30_000,
      signal,
      sink: spec.name,
      ...(agent ? { agent } : {}),
      describe: (error) => ({ message: `request to InfluxDB failed: ${(error as Error & { code?: string }).code ?? error.message}` }),
    });
  }

  function failure(status: number, text: string): SinkError {
    const message = `InfluxDB HTTP ${status}: ${text.slice(0, 200)}`;
    return new SinkError(spec.name, message, { retryable: status >= 500 || status === 404 || status === 429 });
  }

  return {
    name: spec.name,
    limits: { maxBatch: 1000 },
    async send(batch, signal) {
      if (!databaseReady) {
        const created = await post(
          '/query',
          `q=${encodeURIComponent(`CREATE DATABASE "${options.db.replace(/"/g, '\\"')}"`)}`,
          'application/x-www-form-urlencoded',
          signal,
        );
        if (created.status !== 200) throw failure(created.status, created.text);
        databaseReady = true;
        logger.info({ db: options.db }, 'influxdb database ready');
      }
      const query = new URLSearchParams({ db: options.db, precision: 'ms', ...(options.retention ? { rp: options.retention } : {}) });
      const body = batch.map((event) => eventToLine(event, options)).join('\n');
      const written = await post(`/write?${query}`, body, 'text/plain; charset=utf-8', signal);
      if (written.status === 204) return;
      if (written.text.includes('database not found')) databaseReady = false;
      throw failure(written.status, written.text);
    },
    async close() {
      agent?.destroy();
    },
  };
};
