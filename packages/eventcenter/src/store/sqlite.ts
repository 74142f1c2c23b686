import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { NewEvent, StoredEvent } from '../model.ts';
import type { BucketRow, CountRow, EventFilter, GroupCount, GroupField, SearchRequest } from '../query.ts';
import { groupRows, historyRow, ROLLUP_DIMS, ROLLUP_MS, sql } from './queries.ts';
import { EVENT_COLUMNS, type EventRow, fromRow } from './rows.ts';
import type { AlertHistoryEntry, DocKind, EventStore, IngestResult, RetentionPolicy, RetentionResult, StoredDoc } from './types.ts';
import type { Dialect } from './where.ts';

/** Versioned schema: migration N brings the schema from version N-1 to N. Never edit a shipped one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE events (
     id INTEGER PRIMARY KEY,
     cluster TEXT NOT NULL DEFAULT '',
     uid TEXT NOT NULL,
     count INTEGER NOT NULL,
     ts INTEGER NOT NULL,
     type TEXT NOT NULL,
     reason TEXT NOT NULL,
     message TEXT NOT NULL,
     namespace TEXT NOT NULL,
     kind TEXT NOT NULL,
     name TEXT NOT NULL,
     object_uid TEXT NOT NULL,
     node TEXT NOT NULL,
     component TEXT NOT NULL,
     host TEXT NOT NULL,
     condition TEXT,
     raw TEXT,
     received INTEGER NOT NULL,
     UNIQUE (cluster, uid, count)
   );
   CREATE INDEX events_ts ON events (ts, id);
   CREATE INDEX events_type ON events (type, ts);
   CREATE INDEX events_reason ON events (reason, ts);
   CREATE INDEX events_namespace ON events (namespace, ts);
   CREATE INDEX events_object ON events (namespace, kind, name, ts);
   CREATE INDEX events_node ON events (node, ts);
   CREATE VIRTUAL TABLE events_fts USING fts5 (reason, message, kind, name, content = 'events', content_rowid = 'id');
   CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
     INSERT INTO events_fts (rowid, reason, message, kind, name) VALUES (new.id, new.reason, new.message, new.kind, new.name);
   END;
   CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
     INSERT INTO events_fts (events_fts, rowid, reason, message, kind, name) VALUES ('delete', old.id, old.reason, old.message, old.kind, old.name);
   END;
   CREATE TABLE docs (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY (kind, id));
   CREATE TABLE alert_history (
     id INTEGER PRIMARY KEY, rule_id TEXT NOT NULL, grp TEXT NOT NULL, state TEXT NOT NULL,
     at INTEGER NOT NULL, count INTEGER NOT NULL, message TEXT NOT NULL
   );
   CREATE INDEX alert_history_rule ON alert_history (rule_id, at);`,
  // Per-dimension counts in 10-minute buckets (added by ingest per batch, removed by a delete
  // trigger): the overview reads these instead of scanning every event of the range.
  `CREATE TABLE rollup (bucket INTEGER NOT NULL, dim TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL, n INTEGER NOT NULL,
     PRIMARY KEY (dim, bucket, key, type)) WITHOUT ROWID;
   ${ROLLUP_DIMS.map(
     (dim) => `INSERT INTO rollup (bucket, dim, key, type, n)
       SELECT (ts / ${ROLLUP_MS}) * ${ROLLUP_MS}, '${dim}', ${dim}, type, count(*) FROM events GROUP BY 1, 3, 4;`,
   ).join('\n')}
   CREATE TRIGGER events_rollup_delete AFTER DELETE ON events BEGIN
     ${ROLLUP_DIMS.map(
       (dim) =>
         `UPDATE rollup SET n = n - 1 WHERE dim = '${dim}' AND bucket = (old.ts / ${ROLLUP_MS}) * ${ROLLUP_MS} AND key = old.${dim} AND type = old.type;`,
     ).join('\n')}
   END;`,
  // Owner chains and node views look objects up by kind and name without a namespace.
  `DROP INDEX events_object;
   CREATE INDEX events_kind_name ON events (kind, name, ts);`,
];

export interface SqliteStoreOptions {
  /** Database file, or ':memory:'. */
  readonly path: string;
}

function ftsPhrases(phrases: readonly (readonly string[])[]): string {
  // Words are letters and digits only; quoting each phrase keeps FTS5 operators out anyway.
  return phrases.map((words) => `"${words.join(' ').replaceAll('"', '""')}"`).join(' AND ');
}

class SqliteDialect implements Dialect {
  readonly params: SQLInputValue[] = [];
  param(value: unknown): string {
    this.params.push(value as SQLInputValue);
    return '?';
  }
  ts(placeholder: string): string {
    // JavaScript numbers bind as REAL; integer division (time buckets) needs an INTEGER.
    return `CAST(${placeholder} AS INTEGER)`;
  }
  textMatch(phrases: readonly (readonly string[])[]): string {
    return `id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ${this.param(ftsPhrases(phrases))})`;
  }
  textNoMatch(phrases: readonly (readonly string[])[]): string {
    return phrases
      .map((p) => `id NOT IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ${this.param(ftsPhrases([p]))})`)
      .join(' AND ');
  }
}

/** The embedded store: one SQLite file in WAL mode, FTS5 over reason, message and object. */
export class SqliteStore implements EventStore {
  readonly backend = 'sqlite' as const;
  readonly #db: DatabaseSync;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new DatabaseSync(options.path);
    this.#db.exec(`PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
      PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;`);
  }

  async migrate(): Promise<number> {
    const db = this.#db;
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)');
    const row = db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get() as { v: number };
    for (let version = row.v + 1; version <= MIGRATIONS.length; version++) {
      db.exec('BEGIN IMMEDIATE');
      try {
        db.exec(MIGRATIONS[version - 1] as string);
        db.prepare('INSERT INTO schema_migrations (version, applied) VALUES (?, ?)').run(version, Date.now());
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    }
    return MIGRATIONS.length;
  }

  async ingest(events: readonly NewEvent[]): Promise<IngestResult> {
    const insert = this.#db.prepare(
      `INSERT INTO events (cluster, uid, count, ts, type, reason, message, namespace, kind, name, object_uid, node, component, host, condition, raw, received)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cluster, uid, count) DO NOTHING`,
    );
    const bump = this.#db.prepare(
      'INSERT INTO rollup (bucket, dim, key, type, n) VALUES (?, ?, ?, ?, ?) ON CONFLICT (dim, bucket, key, type) DO UPDATE SET n = n + excluded.n',
    );
    const now = Date.now();
    let inserted = 0;
    const rollup = new Map<string, [number, string, string, string, number]>();
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for (const e of events) {
        const result = insert.run(
          e.cluster,
          e.uid,
          e.count,
          e.timestamp,
          e.type,
          e.reason,
          e.message,
          e.namespace,
          e.kind,
          e.name,
          e.objectUid,
          e.node,
          e.component,
          e.host,
          e.condition ? JSON.stringify(e.condition) : null,
          e.raw === null ? null : JSON.stringify(e.raw),
          now,
        );
        if (Number(result.changes) === 0) continue;
        inserted++;
        const bucket = Math.floor(e.timestamp / ROLLUP_MS) * ROLLUP_MS;
        for (const dim of ROLLUP_DIMS) {
          const key = `${bucket}\u0000${dim}\u0000${e[dim]}\u0000${e.type}`;
          const row = rollup.get(key);
          if (row) row[4]++;
          else rollup.set(key, [bucket, dim, e[dim], e.type, 1]);
        }
      }
      for (const row of rollup.values()) bump.run(...row);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
    return { inserted, duplicates: events.length - inserted };
  }

  #all<T>(sql: string, params: readonly SQLInputValue[]): T[] {
    return this.#db.prepare(sql).all(...params) as T[];
  }

  async search(request: SearchRequest): Promise<StoredEvent[]> {
    const d = new SqliteDialect();
    return this.#all<EventRow>(sql.search(request, d), d.params).map(fromRow);
  }

  async get(id: string): Promise<StoredEvent | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const row = this.#db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ?`).get(BigInt(id)) as EventRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  async count(filter: EventFilter): Promise<number> {
    const d = new SqliteDialect();
    return Number(this.#all<{ n: number }>(sql.count(filter, d), d.params)[0]?.n ?? 0);
  }

  async countBy(filter: EventFilter, field: GroupField, limit: number): Promise<CountRow[]> {
    const d = new SqliteDialect();
    return this.#all<{ key: string; count: number }>(sql.countByFast(filter, field, limit, d), d.params).map((r) => ({
      key: r.key,
      count: Number(r.count),
    }));
  }

  async histogram(filter: EventFilter, field: GroupField, bucketMs: number): Promise<BucketRow[]> {
    const d = new SqliteDialect();
    return this.#all<{ bucket: number; key: string; count: number }>(sql.histogramFast(filter, field, bucketMs, d), d.params).map((r) => ({
      bucket: Number(r.bucket),
      key: r.key,
      count: Number(r.count),
    }));
  }

  async groupCounts(filter: EventFilter, fields: readonly GroupField[], limit: number): Promise<GroupCount[]> {
    const d = new SqliteDialect();
    return groupRows(this.#all<Record<string, unknown>>(sql.groupCounts(filter, fields, limit, d), d.params), fields);
  }

  async objectsNamed(namespace: string, kinds: readonly string[], names: readonly string[]): Promise<{ kind: string; name: string }[]> {
    if (kinds.length === 0 || names.length === 0) return [];
    const d = new SqliteDialect();
    return this.#all<{ kind: string; name: string }>(sql.objectsNamed(namespace, kinds, names, d), d.params).map((r) => ({
      kind: r.kind,
      name: r.name,
    }));
  }

  async sizeBytes(): Promise<number> {
    const get = (pragma: string) => Number((this.#db.prepare(`PRAGMA ${pragma}`).get() as Record<string, number>)[pragma]);
    return (get('page_count') - get('freelist_count')) * get('page_size');
  }

  async applyRetention(policy: RetentionPolicy, now: number): Promise<RetentionResult> {
    let deleted = 0;
    for (const c of policy.perCluster ?? []) {
      if (c.maxAgeMs > 0)
        deleted += Number(this.#db.prepare('DELETE FROM events WHERE cluster = ? AND ts < ?').run(c.cluster, now - c.maxAgeMs).changes);
      if (c.maxEvents > 0) {
        deleted += Number(
          this.#db
            .prepare('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE cluster = ? ORDER BY ts DESC, id DESC LIMIT -1 OFFSET ?)')
            .run(c.cluster, c.maxEvents).changes,
        );
      }
    }
    if (policy.maxAgeMs > 0) {
      for (;;) {
        const r = this.#db
          .prepare('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < ? ORDER BY ts LIMIT 5000)')
          .run(now - policy.maxAgeMs);
        deleted += Number(r.changes);
        if (Number(r.changes) < 5000) break;
      }
    }
    if (policy.maxBytes > 0) {
      let bytes = await this.sizeBytes();
      while (bytes > policy.maxBytes) {
        const total = Number((this.#db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n);
        if (total === 0) break;
        // Delete the oldest share that should bring the size under the limit (at least 1%).
        const share = Math.min(1, Math.max(0.01, 1 - policy.maxBytes / bytes));
        const r = this.#db
          .prepare('DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY ts, id LIMIT ?)')
          .run(Math.max(1, Math.ceil(total * share)));
        deleted += Number(r.changes);
        bytes = await this.sizeBytes();
      }
    }
    if (deleted > 0) {
      this.#db.exec('DELETE FROM rollup WHERE n <= 0');
      this.#db.exec('PRAGMA incremental_vacuum');
    }
    return { deleted, bytes: await this.sizeBytes() };
  }

  async listDocs<T>(kind: DocKind): Promise<StoredDoc<T>[]> {
    return this.#all<{ id: string; body: string; updated: number }>('SELECT id, body, updated FROM docs WHERE kind = ? ORDER BY id', [
      kind,
    ]).map((r) => ({ id: r.id, body: JSON.parse(r.body) as T, updated: Number(r.updated) }));
  }

  async putDoc<T>(kind: DocKind, id: string, body: T, now: number): Promise<void> {
    this.#db
      .prepare(
        'INSERT INTO docs (kind, id, body, updated) VALUES (?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, updated = excluded.updated',
      )
      .run(kind, id, JSON.stringify(body), now);
  }

  async deleteDoc(kind: DocKind, id: string): Promise<boolean> {
    return Number(this.#db.prepare('DELETE FROM docs WHERE kind = ? AND id = ?').run(kind, id).changes) > 0;
  }

  async addHistory(entry: Omit<AlertHistoryEntry, 'id'>): Promise<void> {
    this.#db
      .prepare('INSERT INTO alert_history (rule_id, grp, state, at, count, message) VALUES (?, ?, ?, ?, ?, ?)')
      .run(entry.ruleId, entry.group, entry.state, entry.at, entry.count, entry.message);
  }

  async history(options: { ruleId?: string; limit: number }): Promise<AlertHistoryEntry[]> {
    const where = options.ruleId !== undefined ? 'WHERE rule_id = ?' : '';
    const params: SQLInputValue[] = options.ruleId !== undefined ? [options.ruleId, options.limit] : [options.limit];
    return this.#all<Record<string, unknown>>(
      `SELECT id, rule_id, grp, state, at, count, message FROM alert_history ${where} ORDER BY at DESC, id DESC LIMIT ?`,
      params,
    ).map(historyRow);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}
