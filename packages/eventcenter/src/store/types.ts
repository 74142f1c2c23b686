import type { NewEvent, StoredEvent } from '../model.ts';
import type { BucketRow, CountRow, EventFilter, GroupCount, GroupField, SearchRequest } from '../query.ts';

export interface IngestResult {
  /** Rows written. */
  readonly inserted: number;
  /** Events already stored under the same (cluster, uid, count): a redelivery. */
  readonly duplicates: number;
}

export interface RetentionPolicy {
  /** Keep events younger than this, ms; 0 = no age limit. */
  readonly maxAgeMs: number;
  /** Keep the event data under this many bytes; 0 = no size limit. */
  readonly maxBytes: number;
  /** Limits of single clusters on top of the global ones (a fleet's noisy cluster cannot crowd out the rest). */
  readonly perCluster?: readonly ClusterRetention[];
}

export interface ClusterRetention {
  readonly cluster: string;
  /** Keep this cluster's events younger than this, ms; 0 = only the global limit. */
  readonly maxAgeMs: number;
  /** Keep at most this many of this cluster's events (the newest); 0 = only the global limit. */
  readonly maxEvents: number;
}

export interface RetentionResult {
  readonly deleted: number;
  readonly bytes: number;
}

/** A JSON document kept by the store for the alerting layer: rules, silences, states. */
export interface StoredDoc<T = unknown> {
  readonly id: string;
  readonly body: T;
  readonly updated: number;
}

export type DocKind = 'rule' | 'silence' | 'alert-state' | 'cluster';

export interface AlertHistoryEntry {
  readonly id: string;
  readonly ruleId: string;
  readonly group: string;
  readonly state: 'firing' | 'resolved' | 'silenced';
  readonly at: number;
  readonly count: number;
  readonly message: string;
}

/**
 * Where events are kept. Two implementations (SQLite, PostgreSQL) pass one test suite
 * (store/suite.ts). Every value reaches the database as a bound parameter.
 */
export interface EventStore {
  readonly backend: 'sqlite' | 'postgres';
  /** Applies pending schema migrations; returns the schema version. */
  migrate(): Promise<number>;
  /** Writes events; one row per (cluster, uid, count) however often it is delivered. */
  ingest(events: readonly NewEvent[]): Promise<IngestResult>;
  /** Newest first (or oldest first with `ascending`), at most `limit`, after `cursor`. */
  search(request: SearchRequest): Promise<StoredEvent[]>;
  get(id: string): Promise<StoredEvent | undefined>;
  count(filter: EventFilter): Promise<number>;
  /** Counts by one field, largest first. */
  countBy(filter: EventFilter, field: GroupField, limit: number): Promise<CountRow[]>;
  /** Counts by one field per time bucket (bucket = floor(ts / bucketMs) * bucketMs). */
  histogram(filter: EventFilter, field: GroupField, bucketMs: number): Promise<BucketRow[]>;
  /** Counts grouped by several fields (alert rules' group-by), with the newest timestamp per group. */
  groupCounts(filter: EventFilter, fields: readonly GroupField[], limit: number): Promise<GroupCount[]>;
  /** Distinct (kind, name) pairs seen in a namespace among `names` (owner-chain inference). */
  objectsNamed(namespace: string, kinds: readonly string[], names: readonly string[]): Promise<{ kind: string; name: string }[]>;
  /** Deletes by age and then by size, oldest first. */
  applyRetention(policy: RetentionPolicy, now: number): Promise<RetentionResult>;
  /** Bytes used by event data (for the size limit and metrics). */
  sizeBytes(): Promise<number>;

  listDocs<T>(kind: DocKind): Promise<StoredDoc<T>[]>;
  putDoc<T>(kind: DocKind, id: string, body: T, now: number): Promise<void>;
  deleteDoc(kind: DocKind, id: string): Promise<boolean>;
  addHistory(entry: Omit<AlertHistoryEntry, 'id'>): Promise<void>;
  history(options: { ruleId?: string; limit: number }): Promise<AlertHistoryEntry[]>;

  close(): Promise<void>;
}
