import { type Cursor, type EventFilter, FILTER_FIELDS, type FilterField, textTerms } from '../query.ts';

/** Column of each filterable field (same names in both schemas). */
export const COLUMNS: Readonly<Record<FilterField, string>> = {
  cluster: 'cluster',
  type: 'type',
  reason: 'reason',
  namespace: 'namespace',
  kind: 'kind',
  name: 'name',
  node: 'node',
  uid: 'uid',
  objectUid: 'object_uid',
  component: 'component',
};

export interface Dialect {
  /** Adds a bound parameter, returns its placeholder. */
  param(value: unknown): string;
  /** A placeholder holding an integer (ms, bucket width) cast to the column's integer type. */
  ts(placeholder: string): string;
  /** A condition selecting rows whose text matches every word of each phrase. */
  textMatch(phrases: readonly (readonly string[])[]): string;
  textNoMatch(phrases: readonly (readonly string[])[]): string;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function valueCondition(column: string, values: readonly string[], dialect: Dialect): string {
  const exact = values.filter((v) => !v.endsWith('*') || v.length === 1);
  const prefixes = values.filter((v) => v.endsWith('*') && v.length > 1);
  const parts: string[] = [];
  if (exact.length === 1) parts.push(`${column} = ${dialect.param(exact[0])}`);
  else if (exact.length > 1) parts.push(`${column} IN (${exact.map((v) => dialect.param(v)).join(', ')})`);
  for (const prefix of prefixes) parts.push(`${column} LIKE ${dialect.param(`${escapeLike(prefix.slice(0, -1))}%`)} ESCAPE '\\'`);
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`;
}

/** WHERE conditions for a filter and an optional cursor, every value a parameter. */
export function whereClause(filter: EventFilter, dialect: Dialect, cursor?: Cursor, ascending = false): string {
  const conditions: string[] = [];
  if (filter.from !== undefined) conditions.push(`ts >= ${dialect.ts(dialect.param(filter.from))}`);
  if (filter.to !== undefined) conditions.push(`ts < ${dialect.ts(dialect.param(filter.to))}`);
  for (const field of FILTER_FIELDS) {
    const include = filter.include?.[field];
    if (include && include.length > 0) conditions.push(valueCondition(COLUMNS[field], include, dialect));
    const exclude = filter.exclude?.[field];
    if (exclude && exclude.length > 0) conditions.push(`NOT ${valueCondition(COLUMNS[field], exclude, dialect)}`);
  }
  const text = textTerms(filter.text);
  if (text.length > 0) conditions.push(dialect.textMatch(text));
  const notText = textTerms(filter.notText);
  if (notText.length > 0) conditions.push(dialect.textNoMatch(notText));
  if (cursor) {
    const t = dialect.ts(dialect.param(cursor.timestamp));
    const op = ascending ? '>' : '<';
    conditions.push(`(ts ${op} ${t} OR (ts = ${dialect.ts(dialect.param(cursor.timestamp))} AND id ${op} ${dialect.param(cursor.id)}))`);
  }
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}
