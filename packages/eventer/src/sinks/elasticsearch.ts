import { ConfigError, goBoolOption, parseConfig } from '@ack-npd/core';
import { z } from 'zod';
import { SinkError } from '../errors.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { postForText } from './post.ts';
import { formatTime } from './sls/event-json.ts';

/**
 * kube-eventer's `elasticsearch` sink: `elasticsearch:http://es:9200?ver=7&index=heapster` or
 * `elasticsearch:?nodes=http://a:9200&nodes=http://b:9200`. Documents are kube-eventer's
 * EsSinkPoint (plus `Change`), in the daily index `<index>-YYYY.MM.DD` (with `use_namespace`:
 * `<index>-<namespace>-YYYY.MM.DD`) aliased `<index>-events`. Each document's `_id` is
 * `<event uid>-<count>`, so a retried bulk overwrites instead of duplicating.
 *
 * Plain `_bulk` over HTTP rather than three client libraries: the request is the same NDJSON
 * for Elasticsearch 5-8 and OpenSearch (only `_type` differs before 7), and a client per
 * major version would load megabytes for one endpoint.
 */

export interface ElasticsearchOptions {
  readonly nodes: readonly string[];
  readonly index: string;
  readonly version: number;
  readonly opensearch: boolean;
  readonly auth: string | undefined;
  readonly maxRetries: number;
  readonly healthCheck: boolean;
  readonly sniff: boolean;
  readonly startupHealthcheckTimeoutMs: number;
  readonly bulkWorkers: number;
  readonly clusterName: string;
  readonly pipeline: string | undefined;
  readonly useNamespace: boolean;
}

const int = (name: string, min: number) =>
  z.coerce
    .number({ error: `${name} must be an integer` })
    .int(`${name} must be an integer`)
    .min(min, `${name} must be >= ${min}`);

const schema = z.object({
  nodes: z.array(z.url({ error: 'nodes must be http(s) URLs' })),
  index: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.+-]*$/, 'index must be a lower-case Elasticsearch index name')
    .default('heapster'),
  esUserName: z.string().optional(),
  esUserSecret: z.string().optional(),
  maxRetries: int('maxRetries', 0).default(0),
  healthCheck: goBoolOption('healthCheck'),
  sniff: goBoolOption('sniff'),
  startupHealthcheckTimeout: int('startupHealthcheckTimeout', 1).default(1),
  ver: z
    .string()
    .regex(/^([25678]|opensearch[12]?)$/, 'ver must be 2, 5, 6, 7, 8 or opensearch')
    .default('5'),
  bulkWorkers: int('bulkWorkers', 1).default(5),
  cluster_name: z.string().default('default'),
  pipeline: z.string().min(1).optional(),
  use_namespace: z.string().optional(),
  sigv4: z.string().optional(),
});

export function parseElasticsearchOptions(spec: SinkSpec): ElasticsearchOptions {
  const q = spec.query;
  const nodes = q.getAll('nodes');
  if (nodes.length === 0 && spec.endpoint) nodes.push(spec.endpoint.origin);
  if (nodes.length === 0) {
    throw new ConfigError(`--sink=${spec.name}`, [
      { path: `${spec.name}?nodes`, message: 'no node: write elasticsearch:http://host:9200?... or ?nodes=http://host:9200' },
    ]);
  }
  const raw: Record<string, unknown> = { nodes };
  for (const key of schema.keyof().options) if (key !== 'nodes' && q.has(key)) raw[key] = q.get(key);
  const parsed = parseConfig(schema, raw, `--sink=${spec.name}`);
  if (parsed.sigv4 !== undefined) {
    throw new ConfigError(`--sink=${spec.name}`, [{ path: `${spec.name}?sigv4`, message: 'AWS SigV4 signing is not supported' }]);
  }
  const opensearch = parsed.ver.startsWith('opensearch');
  return {
    nodes: nodes.map((node) => node.replace(/\/+$/, '')),
    index: parsed.index,
    version: opensearch ? 7 : Number(parsed.ver),
    opensearch,
    auth:
      parsed.esUserName && parsed.esUserSecret
        ? `Basic ${Buffer.from(`${parsed.esUserName}:${parsed.esUserSecret}`).toString('base64')}`
        : undefined,
    maxRetries: parsed.maxRetries,
    healthCheck: parsed.healthCheck ?? true,
    sniff: parsed.sniff ?? true,
    startupHealthcheckTimeoutMs: parsed.startupHealthcheckTimeout * 1000,
    bulkWorkers: parsed.bulkWorkers,
    clusterName: parsed.cluster_name,
    pipeline: parsed.pipeline,
    useNamespace: parsed.use_namespace !== undefined,
  };
}

/** kube-eventer's index name: `<index>[-<namespace>]-2006.01.02` of the event's last timestamp (UTC). */
export function indexName(options: Pick<ElasticsearchOptions, 'index' | 'useNamespace'>, event: KubeEvent): string {
  const date = new Date(event.timestamp).toISOString().slice(0, 10).replace(/-/g, '.');
  return options.useNamespace && event.namespace ? `${options.index}-${event.namespace}-${date}` : `${options.index}-${date}`;
}

const goTime = (ms: number) => (Number.isNaN(ms) ? '0001-01-01T00:00:00Z' : formatTime(new Date(ms)));

/** kube-eventer's EsSinkPoint (Go field names), plus `Change`. */
export function eventToDocument(event: KubeEvent, clusterName: string): Record<string, unknown> {
  const raw = event.raw;
  const o = event.involvedObject;
  const tags: Record<string, string> = { eventID: event.uid, cluster_name: clusterName };
  if (o.kind === 'Pod') Object.assign(tags, { pod_id: o.uid, pod_name: o.name });
  tags.hostname = event.source.host;
  return JSON.parse(
    JSON.stringify({
      Count: event.count,
      Metadata: raw.metadata,
      InvolvedObject: raw.involvedObject,
      Source: raw.source ?? {},
      FirstOccurrenceTimestamp: goTime(raw.firstTimestamp ? new Date(raw.firstTimestamp).getTime() : Number.NaN),
      LastOccurrenceTimestamp: goTime(event.timestamp),
      Message: event.message,
      Reason: event.reason,
      Type: event.type,
      EventTags: tags,
      Change: event.change,
    }),
    (key, value) => (key !== '' && value instanceof Date ? formatTime(value) : value),
  ) as Record<string, unknown>;
}

/** The `_bulk` NDJSON body: one `index` action per event, `_id` = uid-count. */
export function bulkBody(
  events: readonly KubeEvent[],
  options: Pick<ElasticsearchOptions, 'index' | 'useNamespace' | 'version' | 'clusterName'>,
): string {
  let body = '';
  for (const event of events) {
    const action = {
      _index: indexName(options, event),
      _id: `${event.uid}-${event.count}`,
      ...(options.version < 7 ? { _type: 'events' } : {}),
    };
    body += `${JSON.stringify({ index: action })}\n${JSON.stringify(eventToDocument(event, options.clusterName))}\n`;
  }
  return body;
}

interface BulkReply {
  readonly errors?: boolean;
  readonly items?: {
    readonly index?: { readonly status: number; readonly error?: { readonly type?: string; readonly reason?: string } };
  }[];
}

export const createElasticsearchSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseElasticsearchOptions(spec);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  let nodes = [...options.nodes];
  let next = 0;
  let checked = false;
  const aliased = new Set<string>();
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(options.auth ? { authorization: options.auth } : {}) };

  /** One request, tried on each node in turn (maxRetries more rounds) while the network fails. */
  async function call(method: 'GET' | 'POST' | 'PUT', path: string, body: string | undefined, signal: AbortSignal, timeoutMs = 30_000) {
    let lastError: unknown;
    const attempts = nodes.length * (options.maxRetries + 1);
    for (let attempt = 0; attempt < attempts; attempt++) {
      const node = nodes[next++ % nodes.length] as string;
      try {
        if (method === 'GET') {
          const response = await fetch(`${node}${path}`, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
          return { status: response.status, text: await response.text() };
        }
        return await postForText(`${node}${path}`, {
          headers: method === 'POST' && path.startsWith('/_bulk') ? { ...headers, 'content-type': 'application/x-ndjson' } : headers,
          body: body ?? '',
          timeoutMs,
          signal,
          sink: spec.name,
          method,
          describe: (error) => ({ message: `request to ${node} failed: ${(error as Error & { code?: string }).code ?? error.message}` }),
        });
      } catch (error) {
        if (signal.aborted) throw error;
        lastError = error;
      }
    }
    if (options.sniff) nodes = [...options.nodes]; // re-sniff from the configured seeds next time
    checked = false;
    throw lastError instanceof SinkError
      ? lastError
      : new SinkError(spec.name, `no node answered: ${String(lastError)}`, { retryable: true, cause: lastError });
  }

  async function prepare(signal: AbortSignal): Promise<void> {
    if (checked) return;
    if (options.healthCheck) {
      const reply = await call('GET', '/_cluster/health', undefined, signal, Math.max(options.startupHealthcheckTimeoutMs, 5000));
      if (reply.status >= 300) throw new SinkError(spec.name, `health check: HTTP ${reply.status}`, { retryable: true });
    }
    if (options.sniff) {
      const reply = await call('GET', '/_nodes/http', undefined, signal);
      const found = Object.values(
        (JSON.parse(reply.text) as { nodes?: Record<string, { http?: { publish_address?: string } }> }).nodes ?? {},
      )
        .map((node) => node.http?.publish_address?.split('/').pop())
        .filter((address): address is string => Boolean(address))
        .map((address) => `${new URL(options.nodes[0] as string).protocol}//${address}`);
      if (found.length > 0) nodes = found;
      logger.debug({ nodes: nodes.length }, 'sniffed elasticsearch nodes');
    }
    checked = true;
  }

  async function ensureAlias(index: string, signal: AbortSignal): Promise<void> {
    if (aliased.has(index)) return;
    const created = await call('PUT', `/${index}`, '{}', signal);
    if (created.status >= 300 && !created.text.includes('already_exists')) {
      throw new SinkError(spec.name, `create index ${index}: HTTP ${created.status} ${created.text.slice(0, 200)}`, {
        retryable: created.status >= 500,
      });
    }
    const alias = await call('PUT', `/${index}/_alias/${options.index}-events`, '{}', signal);
    if (alias.status >= 300)
      throw new SinkError(spec.name, `alias ${index}: HTTP ${alias.status} ${alias.text.slice(0, 200)}`, {
        retryable: alias.status >= 500,
      });
    aliased.add(index);
  }

  async function bulk(events: readonly KubeEvent[], signal: AbortSignal): Promise<void> {
    const query = options.pipeline ? `?pipeline=${encodeURIComponent(options.pipeline)}` : '';
    const reply = await call('POST', `/_bulk${query}`, bulkBody(events, options), signal);
    if (reply.status === 429 || reply.status >= 500) throw new SinkError(spec.name, `bulk: HTTP ${reply.status}`, { retryable: true });
    if (reply.status >= 300) throw new SinkError(spec.name, `bulk: HTTP ${reply.status} ${reply.text.slice(0, 300)}`, { retryable: false });
    const result = JSON.parse(reply.text) as BulkReply;
    if (!result.errors) return;
    const failed = (result.items ?? []).map((item) => item.index).filter((item) => item && item.status >= 300);
    const retryable = failed.some((item) => item && (item.status === 429 || item.status >= 500));
    const first = failed[0]?.error;
    throw new SinkError(spec.name, `bulk: ${failed.length} of ${events.length} documents refused (${first?.type}: ${first?.reason})`, {
      retryable,
    });
  }

  return {
    name: spec.name,
    limits: { maxBatch: 1000 },
    async send(batch, signal) {
      if (batch.length === 0) return;
      await prepare(signal);
      for (const index of new Set(batch.map((event) => indexName(options, event)))) await ensureAlias(index, signal);
      const size = Math.ceil(batch.length / options.bulkWorkers);
      const parts: KubeEvent[][] = [];
      for (let i = 0; i < batch.length; i += Math.max(size, 50)) parts.push(batch.slice(i, i + Math.max(size, 50)));
      const results = await Promise.allSettled(parts.map((part) => bulk(part, signal)));
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw failure.reason;
    },
    async close() {},
  };
};
