import { hostname } from 'node:os';
import { parseConfig } from '@ack-npd/core';
import { z } from 'zod';
import { SinkError } from '../../errors.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../../types.ts';
import { RiemannConnection } from './connection.ts';
import { decodeReply, encodeFramedMsg, type RiemannEventFields } from './protobuf.ts';

/**
 * Riemann, as kube-eventer's `riemann` sink: `riemann:http://riemann:5555?ttl=120&state=ok&tags=foobar&batchsize=150`
 * (the scheme is ignored: Riemann speaks TCP protobuf with a 4-byte length prefix; default
 * host `riemann-heapster:5555`). One Riemann event per cluster event with kube-eventer's
 * fields: service `Kind.Reason`, host = source.host, description = message, metric = count,
 * state ok (Normal) / warning, the attributes namespace, uid, name, api-version,
 * resource-version, field-path, component, first-/last-timestamp (plus `action`: create, or
 * update for a count bump); `ttl` (60), `tags`
 * (repeatable, default `heapster`), `batchsize` (1000) events a Msg. Unlike kube-eventer, a
 * non-empty `state` option is used (kube-eventer parses and ignores it), the event time is the
 * event's own (kube-eventer: the export time), and a refused or lost batch is retried.
 */

export interface RiemannOptions {
  readonly host: string;
  readonly port: number;
  readonly ttl: number;
  readonly state: string;
  readonly tags: readonly string[];
  readonly batchSize: number;
  readonly timeoutMs: number;
}

export function parseRiemannOptions(spec: SinkSpec): RiemannOptions {
  const q = spec.query;
  const schema = z.object({
    host: z.string().min(1),
    port: z.coerce.number().int().min(1, 'the port must be 1-65535').max(65535, 'the port must be 1-65535'),
    ttl: z.coerce.number({ error: 'ttl must be a number of seconds' }).nonnegative('ttl must be a number of seconds'),
    state: z.string().default(''),
    tags: z.array(z.string()),
    batchsize: z.coerce.number().int('batchsize must be a positive integer').positive('batchsize must be a positive integer').default(1000),
    timeout_ms: z.coerce.number().int().positive('timeout_ms must be a positive integer').default(10_000),
  });
  const tags = q.getAll('tags');
  const parsed = parseConfig(
    schema,
    {
      host: spec.endpoint?.hostname.replace(/^\[|\]$/g, '') || 'riemann-heapster',
      port: spec.endpoint?.port || '5555',
      ttl: q.get('ttl') ?? '60',
      state: q.get('state') ?? undefined,
      tags: tags.length > 0 ? tags : ['heapster'],
      batchsize: q.get('batchsize') ?? undefined,
      timeout_ms: q.get('timeout_ms') ?? undefined,
    },
    `--sink=${spec.name}`,
  );
  return {
    host: parsed.host,
    port: parsed.port,
    ttl: parsed.ttl,
    state: parsed.state,
    tags: parsed.tags,
    batchSize: parsed.batchsize,
    timeoutMs: parsed.timeout_ms,
  };
}

/** Unix seconds of a Date (client-node) or RFC 3339 string (raw JSON); "" when absent, as kube-eventer. */
function seconds(value: unknown): string {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? '' : String(Math.floor(ms / 1000));
}

export function riemannEvent(
  event: KubeEvent,
  options: Pick<RiemannOptions, 'ttl' | 'state' | 'tags'>,
  fallbackHost: string,
): RiemannEventFields {
  const o = event.involvedObject;
  const raw = event.raw.involvedObject as { resourceVersion?: string } | undefined;
  const attributes: [string, string][] = [
    ['action', event.change === 'updated' ? 'update' : 'create'],
    ['api-version', o.apiVersion],
    ['component', event.source.component],
    ['field-path', o.fieldPath],
    ['first-timestamp', seconds(event.raw.firstTimestamp)],
    ['last-timestamp', String(Math.floor(event.timestamp / 1000))],
    ['name', o.name],
    ['namespace', o.namespace],
    ['resource-version', raw?.resourceVersion ?? ''],
    ['uid', o.uid],
  ];
  return {
    time: Math.floor(event.timestamp / 1000),
    timeMicros: BigInt(event.timestamp) * 1000n,
    service: `${o.kind}.${event.reason}`,
    host: event.source.host || fallbackHost,
    ...(event.message ? { description: event.message } : {}),
    state: options.state || (event.type === 'Normal' ? 'ok' : 'warning'),
    tags: options.tags,
    ...(options.ttl !== 0 ? { ttl: options.ttl } : {}),
    attributes,
    metricSint64: event.count,
  };
}

export const createRiemannSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseRiemannOptions(spec);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  const connection = new RiemannConnection(options.host, options.port);
  const fallbackHost = hostname();

  return {
    name: spec.name,
    limits: { maxBatch: options.batchSize },
    async send(batch, signal) {
      if (batch.length === 0) return;
      const frame = encodeFramedMsg(batch.map((event) => riemannEvent(event, options, fallbackHost)));
      let reply: Buffer;
      try {
        reply = await connection.request(frame, options.timeoutMs, signal);
      } catch (error) {
        if (signal.aborted) throw error;
        throw new SinkError(spec.name, `Riemann at ${options.host}:${options.port}: ${(error as Error).message}`, {
          retryable: true,
          cause: error,
        });
      }
      let decoded: ReturnType<typeof decodeReply>;
      try {
        decoded = decodeReply(reply);
      } catch {
        connection.close();
        throw new SinkError(spec.name, 'Riemann sent an unreadable reply', { retryable: true });
      }
      if (!decoded.ok) {
        logger.warn({ error: decoded.error }, 'riemann refused a batch');
        throw new SinkError(spec.name, `Riemann: ${decoded.error ?? 'not ok'}`, { retryable: true });
      }
    },
    async close() {
      connection.close();
    },
  };
};
