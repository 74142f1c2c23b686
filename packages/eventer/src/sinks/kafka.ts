import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ConfigError, goBoolOption, parseConfig } from '@ack-npd/core';
import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { z } from 'zod';
import { SinkError } from '../errors.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { goEventJson } from './sls/event-json.ts';

/**
 * kube-eventer's `kafka` sink: `kafka:?brokers=h1:9092&brokers=h2:9092&eventstopic=t&compression=gzip`.
 * The message value is kube-eventer's KafkaSinkPoint JSON (`EventValue` = the indented event
 * JSON as a string, `EventTimestamp`, `EventTags`) plus `EventCount` and `EventChange`; the key
 * is the involved object's uid, so one object's events land on one partition, in order.
 * SASL (`user`, `password`, `mechanism` PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512) and TLS
 * (`cacert`, `cert` + `key`, `insecuressl`, or `tls=true` for the system CAs) as kube-eventer.
 * Client: @platformatic/kafka (pure JavaScript, maintained; compression through WebAssembly,
 * so nothing native to download). Kafka cannot deduplicate across producer sessions: a batch
 * retried after a lost acknowledgement may be written twice (at-least-once).
 */

export interface KafkaOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  readonly sasl:
    | { readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; readonly username: string; readonly password: string }
    | undefined;
  readonly tls: TlsOptions | undefined;
}

const schema = z.object({
  brokers: z.array(z.string().regex(/^[^\s:/]+:\d+$/, 'brokers must be host:port')).min(1, 'at least one brokers=host:port is required'),
  eventstopic: z.string().min(1).default('heapster-events'),
  timeseriestopic: z.string().optional(),
  compression: z
    .enum(['none', 'gzip', 'snappy', 'lz4', 'zstd'], { error: 'compression must be none, gzip, snappy, lz4 or zstd' })
    .default('none'),
  user: z.string().optional(),
  password: z.string().optional(),
  mechanism: z
    .enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], { error: 'mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512' })
    .default('PLAIN'),
  cacert: z.string().optional(),
  cert: z.string().optional(),
  key: z.string().optional(),
  insecuressl: goBoolOption('insecuressl'),
  tls: goBoolOption('tls'),
});

function readPem(spec: SinkSpec, option: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`--sink=${spec.name}`, [
      { path: `${spec.name}?${option}`, message: `cannot read ${path}: ${(error as Error).message}` },
    ]);
  }
}

export function parseKafkaOptions(spec: SinkSpec): KafkaOptions {
  const q = spec.query;
  const raw: Record<string, unknown> = { brokers: q.getAll('brokers') };
  for (const key of schema.keyof().options) if (key !== 'brokers' && q.has(key)) raw[key] = q.get(key);
  const parsed = parseConfig(schema, raw, `--sink=${spec.name}`);
  if ((parsed.cert === undefined) !== (parsed.key === undefined)) {
    throw new ConfigError(`--sink=${spec.name}`, [{ path: `${spec.name}?cert`, message: 'cert and key must be set together' }]);
  }
  // kube-eventer turns TLS on with a CA or a client certificate; `tls=true` also with the system CAs.
  const tlsOn = parsed.tls ?? (parsed.cacert !== undefined || parsed.cert !== undefined);
  const tls: TlsOptions | undefined = tlsOn
    ? {
        ...(parsed.cacert ? { ca: readPem(spec, 'cacert', parsed.cacert) } : {}),
        ...(parsed.cert && parsed.key ? { cert: readPem(spec, 'cert', parsed.cert), key: readPem(spec, 'key', parsed.key) } : {}),
        ...(parsed.insecuressl ? { rejectUnauthorized: false } : {}),
      }
    : undefined;
  return {
    brokers: parsed.brokers,
    topic: parsed.eventstopic,
    compression: parsed.compression,
    // kube-eventer enables SASL only when both are given.
    sasl: parsed.user && parsed.password ? { mechanism: parsed.mechanism, username: parsed.user, password: parsed.password } : undefined,
    tls,
  };
}

/** kube-eventer's KafkaSinkPoint, plus EventCount and EventChange. */
export function kafkaValue(event: KubeEvent): string {
  const o = event.involvedObject;
  const tags: Record<string, string> = { eventID: event.uid };
  if (o.kind === 'Pod') Object.assign(tags, { pod_id: o.uid, pod_name: o.name });
  tags.hostname = event.source.host;
  return JSON.stringify({
    EventValue: goEventJson(event.raw, ' '),
    EventTimestamp: new Date(event.timestamp).toISOString().replace('.000Z', 'Z'),
    EventTags: tags,
    EventCount: event.count,
    EventChange: event.change,
  });
}

/** Refusals a retry cannot fix: bad credentials, a request the client itself rejects. */
const PERMANENT = new Set(['PLT_KFK_AUTHENTICATION', 'PLT_KFK_USER', 'PLT_KFK_UNSUPPORTED_COMPRESSION']);

type NestedError = { code?: string; message?: string; errors?: unknown[]; cause?: unknown };

/** The client nests causes (MultipleErrors, cause): look through them. */
function someNested(error: unknown, test: (e: NestedError) => boolean, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as NestedError;
  if (test(e)) return true;
  return (e.errors ?? []).some((inner) => someNested(inner, test, depth + 1)) || someNested(e.cause, test, depth + 1);
}

/**
 * A topic that is being auto-created answers "Unknown topic" until its partitions have a leader
 * (Kafka's UNKNOWN_TOPIC_OR_PARTITION is retriable): the client reports it as a user error, but
 * the next attempt succeeds.
 */
function isPermanent(error: unknown): boolean {
  if (someNested(error, (e) => /unknown topic/i.test(e.message ?? ''))) return false;
  return someNested(error, (e) => e.code !== undefined && PERMANENT.has(e.code));
}

export const createKafkaSink: SinkFactory = (spec: SinkSpec, _context: SinkContext): Sink => {
  const options = parseKafkaOptions(spec);
  const producer = new Producer({
    clientId: 'kafka-sink',
    bootstrapBrokers: [...options.brokers],
    serializers: stringSerializers,
    compression: options.compression,
    acks: ProduceAcks.ALL,
    autocreateTopics: true,
    connectTimeout: 10_000,
    timeout: 20_000,
    retries: 1,
    retryDelay: 500,
    ...(options.sasl ? { sasl: { ...options.sasl } } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
  });

  return {
    name: spec.name,
    limits: { maxBatch: 500 },
    async send(batch) {
      if (batch.length === 0) return;
      try {
        await producer.send({
          messages: batch.map((event) => ({ topic: options.topic, key: event.involvedObject.uid || event.uid, value: kafkaValue(event) })),
        });
      } catch (error) {
        const e = error as Error & { code?: string };
        const permanent = isPermanent(error);
        throw new SinkError(spec.name, `Kafka: ${e.code ?? e.name}: ${e.message}`, { retryable: !permanent, cause: error });
      }
    },
    async close() {
      await producer.close().catch(() => undefined);
    },
  };
};
