import type { EventFilter, GroupField, SearchRequest } from '../query.ts';
import { EVENT_COLUMNS } from './rows.ts';
import { COLUMNS, type Dialect, whereClause } from './where.ts';

/** SQL shared by both stores (the dialect supplies placeholders and full-text conditions). */
export const sql = {
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
