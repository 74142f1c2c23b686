import { parseDuration } from '@ack-npd/core';
import { type EventFilter, FILTER_FIELDS, type FilterField, MAX_VALUE_LENGTH, mergeFilters, parseSearch, QueryError } from './query.ts';

/**
 * A time parameter: milliseconds since the epoch, an ISO-8601 date, or `-DURATION` (Go style,
 * `-24h`) relative to now.
 */
export function parseTime(name: string, text: string, now: number): number {
  if (/^\d{1,16}$/.test(text)) return Number(text);
  if (text.startsWith('-')) {
    const ms = parseDuration(text.slice(1));
    if (ms === undefined || ms < 0) throw new QueryError(name, `"${text.slice(0, 40)}" is not a duration like -24h`);
    return now - ms;
  }
  const ms = text.length <= 40 ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) throw new QueryError(name, 'expected milliseconds, an ISO-8601 time, or -DURATION (e.g. -24h)');
  return ms;
}

export function parseIntParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const text = params.get(name);
  if (text === null || text === '') return fallback;
  if (!/^\d{1,12}$/.test(text)) throw new QueryError(name, `expected an integer from ${min} to ${max}`);
  const value = Number(text);
  if (value < min || value > max) throw new QueryError(name, `expected an integer from ${min} to ${max}`);
  return value;
}

/** The filter of a query string: from, to, one parameter per field (repeatable, comma = either), q. */
export function filterFromParams(params: URLSearchParams, now: number, defaults: { from?: number } = {}): EventFilter {
  const include: Partial<Record<FilterField, string[]>> = {};
  for (const field of FILTER_FIELDS) {
    const values = params
      .getAll(field)
      .flatMap((v) => v.split(','))
      .filter((v) => v !== '');
    for (const value of values) {
      if (value.length > MAX_VALUE_LENGTH) throw new QueryError(field, `value longer than ${MAX_VALUE_LENGTH} characters`);
      if (value.includes('\u0000')) throw new QueryError(field, 'value contains a NUL character');
    }
    if (values.length > 0) include[field] = values;
  }
  const from = params.get('from');
  const to = params.get('to');
  const base: EventFilter = {
    ...(from ? { from: parseTime('from', from, now) } : defaults.from !== undefined ? { from: defaults.from } : {}),
    ...(to ? { to: parseTime('to', to, now) } : {}),
    include,
  };
  const q = params.get('q');
  return q ? mergeFilters(base, parseSearch(q)) : base;
}
