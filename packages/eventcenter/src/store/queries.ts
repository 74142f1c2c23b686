import type { EventFilter, GroupField, SearchRequest } from '../query.ts';
import { EVENT_COLUMNS } from './rows.ts';
import { COLUMNS, type Dialect, whereClause } from './where.ts';

/** Dimensions with 10-minute rollups (type is also kept on every rollup row, for Warning-only counts). */
export const ROLLUP_DIMS = ['type', 'reason', 'namespace', 'kind', 'node'] as const;
export const ROLLUP_MS = 600_000;

/**
 * The rollup answers a count when the filter is a time range, optionally with `type`, and the
 * field is a rolled-up dimension. Whole 10-minute buckets come from the rollup, the partial
 * buckets at either end of the range from the events themselves, so the counts are exact.
 */
function rollupRange(filter: EventFilter, field: GroupField): { from: number; to: number; inner: [number, number] } | undefined {
  if (!(ROLLUP_DIMS as readonly string[]).includes(field)) return undefined;
  if (Object.entries(filter.include ?? {}).some(([k, v]) => k !== 'type' && v && v.length > 0)) return undefined;
  if (Object.values(filter.exclude ?? {}).some((v) => v && v.length > 0)) return undefined;
  if ((filter.text ?? []).length > 0 || (filter.notText ?? []).length > 0) return undefined;
  if ((filter.include?.type ?? []).some((t) => t.endsWith('*'))) return undefined;
  const from = filter.from ?? 0;
  const to = filter.to ?? 8.64e15;
  const inner: [number, number] = [Math.ceil(from / ROLLUP_MS) * ROLLUP_MS, Math.floor(to / ROLLUP_MS) * ROLLUP_MS];
  if (inner[0] >= inner[1]) return undefined;
  return { from, to, inner };
}

function rollupRows(filter: EventFilter, field: GroupField, range: NonNullable<ReturnType<typeof rollupRange>>, d: Dialect): string {
  const types = filter.include?.type ?? [];
  const typeCondition = (column: string) => (types.length > 0 ? ` AND ${column} IN (${types.map((t) => d.param(t)).join(', ')})` : '');
  const column = COLUMNS[field];
  const [lo, hi] = range.inner;
  const rolled = `SELECT bucket, key, n FROM rollup WHERE dim = ${d.param(field)} AND bucket >= ${d.ts(d.param(lo))} AND bucket < ${d.ts(d.param(hi))}${typeCondition('type')}`;
  const edges = `SELECT (ts / ${d.ts(d.param(ROLLUP_MS))}) * ${d.ts(d.param(ROLLUP_MS))} AS bucket, ${column} AS key, 1 AS n FROM events
    WHERE ((ts >= ${d.ts(d.param(range.from))} AND ts < ${d.ts(d.param(lo))}) OR (ts >= ${d.ts(d.param(hi))} AND ts < ${d.ts(d.param(range.to))}))${typeCondition('type')}`;
  return `${rolled} UNION ALL ${edges}`;
}

/** SQL shared by both stores (the dialect supplies placeholders and full-text conditions). */
export const sql = {
  /** countBy, from the rollup when it can answer. */
  countByFast(filter: EventFilter, field: GroupField, limit: number, d: Dialect): string {
    const range = rollupRange(filter, field);
    if (!range) return sql.countBy(filter, field, limit, d);
    return `SELECT key, sum(n) AS count FROM (${rollupRows(filter, field, range, d)}) AS r
      GROUP BY key HAVING sum(n) > 0 ORDER BY count DESC, key LIMIT ${d.param(limit)}`;
  },
  /** histogram, from the rollup when it can answer and buckets are whole multiples of the rollup's. */
  histogramFast(filter: EventFilter, field: GroupField, bucketMs: number, d: Dialect): string {
    const range = bucketMs % ROLLUP_MS === 0 ? rollupRange(filter, field) : undefined;
    if (!range) return sql.histogram(filter, field, bucketMs, d);
    const size = d.ts(d.param(bucketMs));
    const size2 = d.ts(d.param(bucketMs));
    return `SELECT (bucket / ${size}) * ${size2} AS bucket, key, sum(n) AS count FROM (${rollupRows(filter, field, range, d)}) AS r
      GROUP BY 1, 2 HAVING sum(n) > 0 ORDER BY 1, 2`;
  },
  search(request: SearchRequest, d: Dialect): string {
    const where = whereClause(request.filter, d, request.cursor, request.ascending);
    const order = request.ascending ? 'ASC' : 'DESC';
    return `SELECT ${EVENT_COLUMNS} FROM events ${where} ORDER BY ts ${order}, id ${order} LIMIT ${d.param(request.limit)}`;
  },
  count(filter: EventFilter, d: Dialect): string {
    return `SELECT count(*) AS n FROM events ${whereClause(filter, d)}`;
  },
  countBy(filter: EventFilter, field: GroupField, limit: number, d: Dialect): string {
    const column = COLUMNS[field];
    return `SELECT ${column} AS key, count(*) AS count FROM events ${whereClause(filter, d)}
      GROUP BY ${column} ORDER BY count DESC, key LIMIT ${d.param(limit)}`;
  },
  histogram(filter: EventFilter, field: GroupField, bucketMs: number, d: Dialect): string {
    const size = Math.max(1, Math.floor(bucketMs));
    const bucket = `(ts / ${d.ts(d.param(size))}) * ${d.ts(d.param(size))}`;
    return `SELECT ${bucket} AS bucket, ${COLUMNS[field]} AS key, count(*) AS count FROM events ${whereClause(filter, d)}
      GROUP BY 1, 2 ORDER BY 1, 2`;
  },
  groupCounts(filter: EventFilter, fields: readonly GroupField[], limit: number, d: Dialect): string {
    const columns = fields.map((f) => COLUMNS[f]);
    const select = columns.map((c, i) => `${c} AS g${i}, `).join('');
    const where = whereClause(filter, d);
    return `SELECT ${select}count(*) AS count, max(ts) AS last FROM events ${where}
      ${columns.length > 0 ? `GROUP BY ${columns.join(', ')}` : ''} ORDER BY count DESC LIMIT ${d.param(limit)}`;
  },
  objectsNamed(namespace: string, kinds: readonly string[], names: readonly string[], d: Dialect): string {
    return `SELECT DISTINCT kind, name FROM events WHERE namespace = ${d.param(namespace)}
      AND kind IN (${kinds.map((k) => d.param(k)).join(', ')}) AND name IN (${names.map((n) => d.param(n)).join(', ')})`;
  },
};

export function groupRows(rows: readonly Record<string, unknown>[], fields: readonly GroupField[]) {
  return rows
    .filter((r) => Number(r.count) > 0)
    .map((r) => ({
      group: Object.fromEntries(fields.map((f, i) => [f, String(r[`g${i}`])])),
      count: Number(r.count),
      last: Number(r.last),
    }));
}

export function historyRow(r: Record<string, unknown>) {
  return {
    id: String(r.id),
    ruleId: String(r.rule_id),
    group: String(r.grp),
    state: r.state as 'firing' | 'resolved' | 'silenced',
    at: Number(r.at),
    count: Number(r.count),
    message: String(r.message),
  };
}
