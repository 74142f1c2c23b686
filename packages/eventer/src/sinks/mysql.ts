import { ConfigError } from '@ack-npd/core';
import type { Pool, PoolOptions } from 'mysql2/promise';
import { createPool } from 'mysql2/promise';
import { SinkError } from '../errors.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { goTimeString } from './dingtalk/message.ts';

/**
 * kube-eventer's `mysql` sink: `mysql:?user:pass@tcp(host:port)/db?charset=utf8&table=kube_event`
 * (the Go MySQL driver's DSN after `?`). One row per event in kube-eventer's columns, plus
 * `count` and `change_type` (added | updated); a unique key on (event_id, count) makes a
 * retried batch a no-op instead of a duplicate. The table is created (or those columns added
 * to kube-eventer's table) on first use.
 */

export interface MysqlOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly table: string;
  readonly charset: string | undefined;
  readonly connectTimeoutMs: number;
}

const GO_DSN_PARAMS = new Set([
  'charset',
  'table',
  'timeout',
  'readTimeout',
  'writeTimeout',
  'parseTime',
  'loc',
  'collation',
  'allowNativePasswords',
  'tls',
]);

function fail(spec: SinkSpec, option: string, message: string): ConfigError {
  return new ConfigError(`--sink=${spec.name}`, [{ path: `${spec.name}?${option}`, message }]);
}

/** Parses the Go DSN `[user[:password]@][tcp](host[:port])/dbname[?param=value&...]`. */
export function parseMysqlOptions(spec: SinkSpec): MysqlOptions {
  const written = spec.opaque ?? spec.uri;
  const dsn = written.startsWith('?') ? written.slice(1) : written;
  const match = /^(?:(.*)@)?(tcp)?\(([^)]*)\)\/([^?]*)(?:\?(.*))?$/.exec(dsn);
  if (!match) throw fail(spec, 'dsn', 'expected mysql:?user:password@tcp(host:3306)/database?charset=utf8&table=kube_event');
  const [, credentials = '', , address = '', database = '', params = ''] = match;
  const colon = credentials.indexOf(':');
  const user = colon < 0 ? credentials : credentials.slice(0, colon);
  const password = colon < 0 ? '' : credentials.slice(colon + 1);
  const hostPort = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(address);
  if (!hostPort) throw fail(spec, 'dsn', `"${address}" is not host:port`);
  if (!database) throw fail(spec, 'dsn', 'the database name after "/" is required');
  const query = new URLSearchParams(params);
  for (const key of query.keys()) {
    if (!GO_DSN_PARAMS.has(key)) throw fail(spec, key, `unknown option; supported: ${[...GO_DSN_PARAMS].join(', ')}`);
  }
  // The YAML form may give `table` as an option: spec.query has it either way.
  const table = spec.query.get('table') || query.get('table') || 'kube_event';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(table)) throw fail(spec, 'table', `"${table}" is not a plain table name`);
  let connectTimeoutMs = 10_000;
  const timeout = query.get('timeout');
  if (timeout) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(timeout);
    if (!m) throw fail(spec, 'timeout', `"${timeout}" is not a Go duration (e.g. 5s)`);
    connectTimeoutMs = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
  }
  return {
    host: (hostPort[1] || '127.0.0.1').replace(/^\[|\]$/g, ''),
    port: hostPort[2] ? Number(hostPort[2]) : 3306,
    user,
    password,
    database,
    table,
    charset: query.get('charset') ?? undefined,
    connectTimeoutMs,
  };
}

/** kube-eventer's table (docs/en/mysql-sink.md), with `count`, `change_type` and the unique key added. */
export function createTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS \`${table}\` (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name varchar(255) NOT NULL DEFAULT '',
  namespace varchar(255) NOT NULL DEFAULT '',
  event_id varchar(64) NOT NULL DEFAULT '',
  type varchar(64) NOT NULL DEFAULT '',
  reason varchar(255) NOT NULL DEFAULT '',
  message text NOT NULL,
  kind varchar(64) NOT NULL DEFAULT '',
  first_occurrence_time varchar(64) NOT NULL DEFAULT '',
  last_occurrence_time varchar(64) NOT NULL DEFAULT '',
  count int NOT NULL DEFAULT 1,
  change_type varchar(16) NOT NULL DEFAULT 'added',
  update_time timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY uk_event_count (event_id, count)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
}

const COLUMNS = [
  'namespace',
  'kind',
  'name',
  'type',
  'reason',
  'message',
  'event_id',
  'first_occurrence_time',
  'last_occurrence_time',
  'count',
  'change_type',
] as const;

/** One row: kube-eventer's values (involved object's name/namespace/kind, Go time strings). */
export function eventToRow(event: KubeEvent): (string | number)[] {
  const first = event.raw.firstTimestamp ? new Date(event.raw.firstTimestamp).getTime() : Number.NaN;
  return [
    event.involvedObject.namespace,
    event.involvedObject.kind,
    event.involvedObject.name,
    event.type,
    event.reason,
    event.message,
    event.uid,
    Number.isNaN(first) ? '0001-01-01 00:00:00 +0000 UTC' : goTimeString(first),
    goTimeString(event.timestamp),
    event.count,
    event.change,
  ];
}

const RETRYABLE_ERRNOS = new Set([1040, 1053, 1205, 1213, 2002, 2003, 2006, 2013]);

function sinkError(sink: string, error: unknown): SinkError {
  const e = error as { code?: string; errno?: number; fatal?: boolean; message?: string };
  const retryable =
    e.fatal === true ||
    RETRYABLE_ERRNOS.has(e.errno ?? 0) ||
    /^(ECONN|ETIMEDOUT|EPIPE|EHOSTUNREACH|PROTOCOL_|ER_SERVER_SHUTDOWN|ER_CON_COUNT)/.test(e.code ?? '');
  return new SinkError(sink, `MySQL: ${e.code ?? 'error'}: ${e.message ?? String(error)}`, { retryable, cause: error });
}

export const createMysqlSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseMysqlOptions(spec);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  const poolOptions: PoolOptions = {
    host: options.host,
    port: options.port,
    user: options.user,
    password: options.password,
    database: options.database,
    connectTimeout: options.connectTimeoutMs,
    connectionLimit: 2,
    maxIdle: 1,
    enableKeepAlive: true,
    ...(options.charset ? { charset: options.charset } : {}),
  };
  const pool: Pool = createPool(poolOptions);
  // A dropped connection is reported on the pool; the next query gets a fresh one.
  pool.on('connection', (connection) => connection.on('error', () => undefined));
  let schemaReady: Promise<void> | undefined;
  const table = `\`${options.table}\``;

  async function ensureSchema(): Promise<void> {
    await pool.query(createTableSql(options.table));
    const [rows] = await pool.query(
      'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [options.table],
    );
    const have = new Set((rows as { c: string }[]).map((row) => row.c));
    if (!have.has('count')) {
      logger.info({ table: options.table }, 'adding count, change_type and a unique key (event_id, count) to the table');
      await pool.query(
        `ALTER TABLE ${table} ADD COLUMN count int NOT NULL DEFAULT 1, ADD COLUMN change_type varchar(16) NOT NULL DEFAULT 'added', ADD UNIQUE KEY uk_event_count (event_id, count)`,
      );
    }
  }

  return {
    name: spec.name,
    limits: { maxBatch: 500 },
    async send(batch) {
      if (batch.length === 0) return;
      try {
        schemaReady ??= ensureSchema().catch((error: unknown) => {
          schemaReady = undefined;
          throw error;
        });
        await schemaReady;
        const placeholders = batch.map(() => `(${COLUMNS.map(() => '?').join(',')})`).join(',');
        await pool.query(
          `INSERT INTO ${table} (${COLUMNS.join(',')}) VALUES ${placeholders} ON DUPLICATE KEY UPDATE last_occurrence_time = VALUES(last_occurrence_time)`,
          batch.flatMap(eventToRow),
        );
      } catch (error) {
        throw sinkError(spec.name, error);
      }
    },
    async close() {
      await pool.end().catch(() => undefined);
    },
  };
};
