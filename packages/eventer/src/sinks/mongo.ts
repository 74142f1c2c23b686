import { ConfigError } from '@ack-npd/core';
import { MongoClient, MongoServerError } from 'mongodb';
import { SinkError } from '../errors.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';

/**
 * kube-eventer's `mongo` sink: `mongo:?mongodb://user:pass@host:27017/?authSource=admin` (the
 * MongoDB connection string after `?`). Documents go to database `k8s`, collection `event`, in
 * kube-eventer's shape (count, namespace, kind, name, type, reason, message, event_id,
 * first_occurrence_time, last_occurrence_time; empty values omitted) plus `change`
 * (added | updated). Each is upserted on (event_id, count), with a unique index on both, so a
 * retried batch never duplicates.
 */

export const MONGO_DATABASE = 'k8s';
export const MONGO_COLLECTION = 'event';

export function parseMongoUri(spec: SinkSpec): string {
  const written = spec.opaque ?? spec.uri;
  const uri = written.startsWith('?') ? written.slice(1) : written;
  if (!/^mongodb(\+srv)?:\/\/[^/]+/.test(uri)) {
    throw new ConfigError(`--sink=${spec.name}`, [
      { path: `${spec.name}?mongoUri`, message: 'expected mongo:?mongodb://user:password@host:27017/?authSource=admin' },
    ]);
  }
  return uri;
}

/** kube-eventer's mongoSinkPoint (bson omitempty), plus `change`. */
export function eventToMongoDocument(event: KubeEvent): Record<string, unknown> {
  const first = event.raw.firstTimestamp ? new Date(event.raw.firstTimestamp) : undefined;
  const doc: Record<string, unknown> = {
    count: event.count,
    namespace: event.involvedObject.namespace,
    kind: event.involvedObject.kind,
    name: event.involvedObject.name,
    type: event.type,
    reason: event.reason,
    message: event.message,
    event_id: event.uid,
    first_occurrence_time: first && !Number.isNaN(first.getTime()) ? first : undefined,
    last_occurrence_time: new Date(event.timestamp),
    change: event.change,
  };
  for (const [key, value] of Object.entries(doc)) if (value === '' || value === undefined || value === 0) delete doc[key];
  return doc;
}

/** Network trouble and server selection time-outs can pass; a refused login or a bad command cannot. */
function sinkError(sink: string, error: unknown): SinkError {
  const e = error as Error & { code?: number; hasErrorLabel?: (label: string) => boolean };
  const permanent =
    error instanceof MongoServerError && [2, 13, 18, 8000].includes(Number(e.code)) && !e.hasErrorLabel?.('RetryableWriteError');
  return new SinkError(sink, `MongoDB: ${e.name}: ${e.message}`, { retryable: !permanent, cause: error });
}

export const createMongoSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const uri = parseMongoUri(spec);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  let client: MongoClient;
  try {
    client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, connectTimeoutMS: 10_000, appName: 'ack-npd-eventer' });
  } catch (error) {
    throw new ConfigError(`--sink=${spec.name}`, [{ path: `${spec.name}?mongoUri`, message: (error as Error).message }]);
  }
  const collection = client.db(MONGO_DATABASE).collection(MONGO_COLLECTION);
  let indexed = false;

  return {
    name: spec.name,
    limits: { maxBatch: 500 },
    async send(batch) {
      if (batch.length === 0) return;
      try {
        if (!indexed) {
          await collection.createIndex({ event_id: 1, count: 1 }, { unique: true, name: 'event_id_count' });
          indexed = true;
          logger.debug({}, 'mongo unique index ready');
        }
        await collection.bulkWrite(
          batch.map((event) => {
            const doc = eventToMongoDocument(event);
            return { replaceOne: { filter: { event_id: event.uid, count: event.count }, replacement: doc, upsert: true } };
          }),
          { ordered: false },
        );
      } catch (error) {
        throw sinkError(spec.name, error);
      }
    },
    async close() {
      await client.close().catch(() => undefined);
    },
  };
};
