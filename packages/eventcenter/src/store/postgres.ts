import pg from 'pg';
import type { NewEvent, StoredEvent } from '../model.ts';
import type { BucketRow, CountRow, EventFilter, GroupCount, GroupField, SearchRequest } from '../query.ts';
import { groupRows, historyRow, ROLLUP_DIMS, ROLLUP_MS, sql } from './queries.ts';
import { EVENT_COLUMNS, type EventRow, fromRow } from './rows.ts';
import type { AlertHistoryEntry, DocKind, EventStore, IngestResult, RetentionPolicy, RetentionResult, StoredDoc } from './types.ts';
import type { Dialect } from './where.ts';

const DAY = 86_400_000;

/** Versioned schema (migration N brings version N-1 to N). Events are range-partitioned by day on ts (ms). */
const MIGRATIONS: readonly string[] = [
  `CREATE SEQUENCE events_id_seq;
   CREATE TABLE events (
     id bigint NOT NULL DEFAULT nextval('events_id_seq'),
     cluster text NOT NULL DEFAULT '',
     uid text NOT NULL,
     count integer NOT NULL,
     ts bigint NOT NULL,
     type text NOT NULL,
     reason text NOT NULL,
     message text NOT NULL,
     namespace text NOT NULL,
     kind text NOT NULL,
     name text NOT NULL,
     object_uid text NOT NULL,
     node text NOT NULL,
     component text NOT NULL,
     host text NOT NULL,
     condition jsonb,
     raw jsonb,
     received timestamptz NOT NULL DEFAULT now(),
     -- Words as the SQLite store's FTS5 sees them: runs of letters and digits.
     tsv tsvector GENERATED ALWAYS AS (
       to_tsvector('simple', regexp_replace(lower(reason || ' ' || message || ' ' || kind || ' ' || name), '[^[:alnum:]]+', ' ', 'g'))
     ) STORED
   ) PARTITION BY RANGE (ts);
   CREATE INDEX events_ts ON events (ts, id);
   CREATE INDEX events_type ON events (type, ts);
   CREATE INDEX events_reason ON events (reason, ts);
   CREATE INDEX events_namespace ON events (namespace, ts);
   CREATE INDEX events_object ON events (namespace, kind, name, ts);
   CREATE INDEX events_node ON events (node, ts);
   CREATE INDEX events_id ON events (id);
   CREATE INDEX events_tsv ON events USING gin (tsv);
   -- Idempotency across partitions: one key per (cluster, uid, count).
   CREATE TABLE event_keys (cluster text NOT NULL, uid text NOT NULL, count integer NOT NULL, ts bigint NOT NULL,
     PRIMARY KEY (cluster, uid, count));
   CREATE INDEX event_keys_ts ON event_keys (ts);
   CREATE TABLE docs (kind text NOT NULL, id text NOT NULL, body jsonb NOT NULL, updated bigint NOT NULL, PRIMARY KEY (kind, id));
   CREATE TABLE alert_history (
     id bigserial PRIMARY KEY, rule_id text NOT NULL, grp text NOT NULL, state text NOT NULL,
     at bigint NOT NULL, count integer NOT NULL, message text NOT NULL);
   CREATE INDEX alert_history_rule ON alert_history (rule_id, at);`,
  // Per-dimension counts in 10-minute buckets, kept by ingest and partition drops: the
  // overview reads these instead of scanning every event of the range.
  `CREATE TABLE rollup (bucket bigint NOT NULL, dim text NOT NULL, key text NOT NULL, type text NOT NULL, n bigint NOT NULL,
     PRIMARY KEY (dim, bucket, key, type));
   INSERT INTO rollup (bucket, dim, key, type, n)
     SELECT (e.ts / ${ROLLUP_MS}) * ${ROLLUP_MS}, d.dim, d.key, e.type, count(*) FROM events e
     CROSS JOIN LATERAL (VALUES ${ROLLUP_DIMS.map((dim) => `('${dim}', e.${dim})`).join(', ')}) AS d(dim, key)
     GROUP BY 1, 2, 3, 4;`,
  // Owner chains and node views look objects up by kind and name without a namespace.
  `DROP INDEX events_object;
   CREATE INDEX events_kind_name ON events (kind, name, ts);`,
];

class PgDialect implements Dialect {
  readonly params: unknown[] = [];
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
  ts(placeholder: string): string {
    return `${placeholder}::bigint`;
  }
  #query(phrases: readonly (readonly string[])[]): string {
    // Words are letters and digits only, so quoting each lexeme keeps tsquery operators out.
    return this.param(phrases.map((words) => words.map((w) => `'${w}'`).join(' <-> ')).join(' & '));
  }
  textMatch(phrases: readonly (readonly string[])[]): string {
    return `tsv @@ to_tsquery('simple', ${this.#query(phrases)})`;
  }
  textNoMatch(phrases: readonly (readonly string[])[]): string {
    return phrases.map((p) => `NOT (tsv @@ to_tsquery('simple', ${this.#query([p])}))`).join(' AND ');
  }
}

function partitionName(dayStart: number): string {
  return `events_p${new Date(dayStart).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export interface PostgresStoreOptions {
  /** postgres://user:pass@host:port/db (from a Secret; never logged). */
  readonly dsn: string;
  readonly maxConnections?: number;
}

/** The shared/large-install store: PostgreSQL with daily partitions and a tsvector index. */
export class PostgresStore implements EventStore {
  readonly backend = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #partitions = new Set<number>();

  constructor(options: PostgresStoreOptions) {
    this.#pool = new pg.Pool({ connectionString: options.dsn, max: options.maxConnections ?? 8 });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    this.#pool.on('error', () => undefined);
  }

  async #rows<T>(text: string, params: readonly unknown[]): Promise<T[]> {
    return (await this.#pool.query(text, params as unknown[])).rows as T[];
  }

  async migrate(): Promise<number> {
    const client = await this.#pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(7243001)');
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())',
      );
      const { rows } = await client.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM schema_migrations');
      for (let version = (rows[0]?.v ?? 0) + 1; version <= MIGRATIONS.length; version++) {
        await client.query('BEGIN');
        try {
          await client.query(MIGRATIONS[version - 1] as string);
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
      return MIGRATIONS.length;
    } finally {
      await client.query('SELECT pg_advisory_unlock(7243001)').catch(() => undefined);
      client.release();
    }
  }

  async #ensurePartitions(days: Iterable<number>): Promise<void> {
    const missing = [...days].filter((d) => !this.#partitions.has(d));
    if (missing.length === 0) return;
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(7243002)');
      for (const day of missing) {
        // Identifiers cannot be parameters: the name is built from a number only.
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF events FOR VALUES FROM (${day}) TO (${day + DAY})`,
        );
      }
      await client.query('COMMIT');
      for (const day of missing) this.#partitions.add(day);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async ingest(events: readonly NewEvent[]): Promise<IngestResult> {
    if (events.length === 0) return { inserted: 0, duplicates: 0 };
    await this.#ensurePartitions(new Set(events.map((e) => Math.floor(e.timestamp / DAY) * DAY)));
    const rows = events.map((e) => ({
      cluster: e.cluster,
      uid: e.uid,
      count: e.count,
      ts: e.timestamp,
      type: e.type,
      reason: e.reason,
      message: e.message,
      namespace: e.namespace,
      kind: e.kind,
      name: e.name,
      object_uid: e.objectUid,
      node: e.node,
      component: e.component,
      host: e.host,
      condition: e.condition,
      raw: e.raw,
    }));
    const result = await this.#pool.query(
      `WITH input AS (
         SELECT DISTINCT ON (cluster, uid, count) * FROM jsonb_to_recordset($1::jsonb) AS x(
           cluster text, uid text, count integer, ts bigint, type text, reason text, message text, namespace text,
           kind text, name text, object_uid text, node text, component text, host text, condition jsonb, raw jsonb)
       ), fresh AS (
         INSERT INTO event_keys (cluster, uid, count, ts) SELECT cluster, uid, count, ts FROM input
         ON CONFLICT DO NOTHING RETURNING cluster, uid, count
       ), inserted AS (
         INSERT INTO events (cluster, uid, count, ts, type, reason, message, namespace, kind, name, object_uid, node, component, host, condition, raw)
         SELECT i.cluster, i.uid, i.count, i.ts, i.type, i.reason, i.message, i.namespace, i.kind, i.name, i.object_uid, i.node,
                i.component, i.host, i.condition, i.raw
         FROM input i JOIN fresh f ON f.cluster = i.cluster AND f.uid = i.uid AND f.count = i.count
         RETURNING ts, type, ${ROLLUP_DIMS.filter((d) => d !== 'type').join(', ')}
       ), counted AS (
         INSERT INTO rollup (bucket, dim, key, type, n)
         SELECT (e.ts / ${ROLLUP_MS}) * ${ROLLUP_MS}, d.dim, d.key, e.type, count(*) FROM inserted e
         CROSS JOIN LATERAL (VALUES ${ROLLUP_DIMS.map((dim) => `('${dim}', e.${dim})`).join(', ')}) AS d(dim, key)
         GROUP BY 1, 2, 3, 4 ORDER BY 2, 1, 3, 4
         ON CONFLICT (dim, bucket, key, type) DO UPDATE SET n = rollup.n + excluded.n
       )
       SELECT count(*) AS n FROM inserted`,
      [JSON.stringify(rows)],
    );
    const inserted = Number((result.rows[0] as { n: string } | undefined)?.n ?? 0);
    return { inserted, duplicates: events.length - inserted };
  }

  async search(request: SearchRequest): Promise<StoredEvent[]> {
    const d = new PgDialect();
    return (await this.#rows<EventRow>(sql.search(request, d), d.params)).map(fromRow);
  }

  async get(id: string): Promise<StoredEvent | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const rows = await this.#rows<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = $1`, [id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async count(filter: EventFilter): Promise<number> {
    const d = new PgDialect();
    return Number((await this.#rows<{ n: string }>(sql.count(filter, d), d.params))[0]?.n ?? 0);
  }

  async countBy(filter: EventFilter, field: GroupField, limit: number): Promise<CountRow[]> {
    const d = new PgDialect();
    return (await this.#rows<{ key: string; count: string }>(sql.countByFast(filter, field, limit, d), d.params)).map((r) => ({
      key: r.key,
      count: Number(r.count),
    }));
  }

  async histogram(filter: EventFilter, field: GroupField, bucketMs: number): Promise<BucketRow[]> {
    const d = new PgDialect();
    return (await this.#rows<{ bucket: string; key: string; count: string }>(sql.histogramFast(filter, field, bucketMs, d), d.params)).map(
      (r) => ({
        bucket: Number(r.bucket),
        key: r.key,
        count: Number(r.count),
      }),
    );
  }

  async groupCounts(filter: EventFilter, fields: readonly GroupField[], limit: number): Promise<GroupCount[]> {
    const d = new PgDialect();
    return groupRows(await this.#rows<Record<string, unknown>>(sql.groupCounts(filter, fields, limit, d), d.params), fields);
  }

  async objectsNamed(namespace: string, kinds: readonly string[], names: readonly string[]): Promise<{ kind: string; name: string }[]> {
    if (kinds.length === 0 || names.length === 0) return [];
    const d = new PgDialect();
    return (await this.#rows<{ kind: string; name: string }>(sql.objectsNamed(namespace, kinds, names, d), d.params)).map((r) => ({
      kind: r.kind,
      name: r.name,
    }));
  }

  async #partitionList(): Promise<{ name: string; day: number; bytes: number }[]> {
    const rows = await this.#rows<{ name: string; bytes: string }>(
      `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass`,
      [],
    );
    return rows
      .map((r) => {
        const m = /^events_p(\d{4})(\d{2})(\d{2})$/.exec(r.name);
        return { name: r.name, day: m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN, bytes: Number(r.bytes) };
      })
      .filter((p) => Number.isFinite(p.day))
      .sort((a, b) => a.day - b.day);
  }

  async sizeBytes(): Promise<number> {
    return (await this.#partitionList()).reduce((n, p) => n + p.bytes, 0);
  }

  /** Deletes single rows (a cluster's limits), keeping event_keys and the rollup in step as a partition drop does. */
  async #deleteRows(where: string, params: unknown[]): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>(
      `WITH gone AS (
         DELETE FROM events WHERE ${where} RETURNING cluster, uid, count, ts, type, ${ROLLUP_DIMS.filter((d) => d !== 'type').join(', ')}
       ), keys AS (
         DELETE FROM event_keys k USING gone g WHERE k.cluster = g.cluster AND k.uid = g.uid AND k.count = g.count
       ), counted AS (
         UPDATE rollup r SET n = r.n - c.n FROM (
           SELECT (e.ts / ${ROLLUP_MS}) * ${ROLLUP_MS} AS bucket, d.dim, d.key, e.type, count(*) AS n FROM gone e
           CROSS JOIN LATERAL (VALUES ${ROLLUP_DIMS.map((dim) => `('${dim}', e.${dim})`).join(', ')}) AS d(dim, key)
           GROUP BY 1, 2, 3, 4) c
         WHERE r.dim = c.dim AND r.bucket = c.bucket AND r.key = c.key AND r.type = c.type
       )
       SELECT count(*) AS n FROM gone`,
      params,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async #drop(partition: { name: string; day: number }): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${partition.name}`);
    await this.#pool.query(`DROP TABLE ${partition.name}`);
    await this.#pool.query('DELETE FROM event_keys WHERE ts >= $1 AND ts < $2', [partition.day, partition.day + DAY]);
    await this.#pool.query('DELETE FROM rollup WHERE bucket >= $1 AND bucket < $2', [partition.day, partition.day + DAY]);
    this.#partitions.delete(partition.day);
    return Number(rows[0]?.n ?? 0);
  }

  /** Drops whole days: by age every day that ended before the cutoff, by size the oldest days (never today's). */
  async applyRetention(policy: RetentionPolicy, now: number): Promise<RetentionResult> {
    let deleted = 0;
    for (const c of policy.perCluster ?? []) {
      if (c.maxAgeMs > 0) deleted += await this.#deleteRows('cluster = $1 AND ts < $2', [c.cluster, now - c.maxAgeMs]);
      if (c.maxEvents > 0) {
        deleted += await this.#deleteRows(
          'cluster = $1 AND (ts, id) <= (SELECT ts, id FROM events WHERE cluster = $1 ORDER BY ts DESC, id DESC OFFSET $2 LIMIT 1)',
          [c.cluster, c.maxEvents],
        );
      }
    }
    let partitions = await this.#partitionList();
    if (policy.maxAgeMs > 0) {
      for (const p of partitions.filter((x) => x.day + DAY <= now - policy.maxAgeMs)) deleted += await this.#drop(p);
      partitions = await this.#partitionList();
    }
    if (policy.maxBytes > 0) {
      let bytes = partitions.reduce((n, p) => n + p.bytes, 0);
      while (bytes > policy.maxBytes && partitions.length > 1) {
        const oldest = partitions.shift() as (typeof partitions)[number];
        deleted += await this.#drop(oldest);
        bytes -= oldest.bytes;
      }
    }
    return { deleted, bytes: await this.sizeBytes() };
  }

  async listDocs<T>(kind: DocKind): Promise<StoredDoc<T>[]> {
    const rows = await this.#rows<{ id: string; body: T; updated: string }>(
      'SELECT id, body, updated FROM docs WHERE kind = $1 ORDER BY id',
      [kind],
    );
    return rows.map((r) => ({ id: r.id, body: r.body, updated: Number(r.updated) }));
  }

  async putDoc<T>(kind: DocKind, id: string, body: T, now: number): Promise<void> {
    await this.#pool.query(
      `INSERT INTO docs (kind, id, body, updated) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, updated = excluded.updated`,
      [kind, id, JSON.stringify(body), now],
    );
  }

  async deleteDoc(kind: DocKind, id: string): Promise<boolean> {
    return ((await this.#pool.query('DELETE FROM docs WHERE kind = $1 AND id = $2', [kind, id])).rowCount ?? 0) > 0;
  }

  async addHistory(entry: Omit<AlertHistoryEntry, 'id'>): Promise<void> {
    await this.#pool.query('INSERT INTO alert_history (rule_id, grp, state, at, count, message) VALUES ($1, $2, $3, $4, $5, $6)', [
      entry.ruleId,
      entry.group,
      entry.state,
      entry.at,
      entry.count,
      entry.message,
    ]);
  }

  async history(options: { ruleId?: string; limit: number }): Promise<AlertHistoryEntry[]> {
    const byRule = options.ruleId !== undefined;
    const rows = await this.#rows<Record<string, unknown>>(
      `SELECT id, rule_id, grp, state, at, count, message FROM alert_history ${byRule ? 'WHERE rule_id = $2' : ''}
       ORDER BY at DESC, id DESC LIMIT $1`,
      byRule ? [options.limit, options.ruleId] : [options.limit],
    );
    return rows.map(historyRow);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
