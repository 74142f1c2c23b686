/** Fields a filter or the search syntax can name; each is an exact match (a trailing `*` = prefix). */
export const FILTER_FIELDS = ['cluster', 'type', 'reason', 'namespace', 'kind', 'name', 'node', 'uid', 'objectUid', 'component'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

/** The fields counts can be grouped by. */
export const GROUP_FIELDS = ['type', 'reason', 'namespace', 'kind', 'name', 'node', 'component', 'cluster'] as const;
export type GroupField = (typeof GROUP_FIELDS)[number];

/**
 * What to select. Values of one field are OR-ed, fields AND-ed; `exclude` removes matches;
 * `text` holds free-text terms (each a word or a quoted phrase, all must match).
 */
export interface EventFilter {
  /** Inclusive lower bound, ms. */
  readonly from?: number;
  /** Exclusive upper bound, ms. */
  readonly to?: number;
  readonly include?: Partial<Record<FilterField, readonly string[]>>;
  readonly exclude?: Partial<Record<FilterField, readonly string[]>>;
  readonly text?: readonly string[];
  readonly notText?: readonly string[];
}

export interface Cursor {
  readonly timestamp: number;
  readonly id: string;
}

export interface SearchRequest {
  readonly filter: EventFilter;
  readonly limit: number;
  readonly cursor?: Cursor;
  /** Oldest first (the pod lifecycle) instead of newest first. */
  readonly ascending?: boolean;
}

export interface CountRow {
  readonly key: string;
  readonly count: number;
}

export interface BucketRow {
  /** Bucket start, ms. */
  readonly bucket: number;
  readonly key: string;
  readonly count: number;
}

export interface GroupCount {
  readonly group: Readonly<Record<string, string>>;
  readonly count: number;
  readonly last: number;
}

export class QueryError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'QueryError';
    this.field = field;
  }
}

export const MAX_TERMS = 32;
export const MAX_VALUE_LENGTH = 1024;
export const MAX_QUERY_LENGTH = 4096;

/** Words as both stores' full-text indexes see them: runs of letters and digits, lower-cased. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Free-text terms that carry at least one word (punctuation-only terms select nothing and are dropped). */
export function textTerms(terms: readonly string[] | undefined): string[][] {
  return (terms ?? []).map(words).filter((w) => w.length > 0);
}

const ALIASES: Readonly<Record<string, FilterField>> = {
  ns: 'namespace',
  object: 'name',
  host: 'node',
  source: 'component',
  objectuid: 'objectUid',
  level: 'type',
};

function fieldOf(name: string): FilterField | undefined {
  const lower = name.toLowerCase();
  if (lower in ALIASES) return ALIASES[lower];
  return FILTER_FIELDS.find((f) => f.toLowerCase() === lower);
}

function checkValue(field: string, value: string): string {
  if (value.length > MAX_VALUE_LENGTH) throw new QueryError(field, `value longer than ${MAX_VALUE_LENGTH} characters`);
  if (value.includes('\u0000')) throw new QueryError(field, 'value contains a NUL character');
  return value;
}

/**
 * Parses the search syntax: `type:Warning reason:FailedScheduling "insufficient cpu" -namespace:kube-system`.
 * `field:value` (value may be quoted, `a,b` = either), `-field:value` excludes, bare words and
 * "quoted phrases" are free text, `-word` excludes text. Unknown fields are a QueryError.
 */
export function parseSearch(query: string): Pick<EventFilter, 'include' | 'exclude' | 'text' | 'notText'> {
  if (query.length > MAX_QUERY_LENGTH) throw new QueryError('q', `longer than ${MAX_QUERY_LENGTH} characters`);
  if (query.includes('\u0000')) throw new QueryError('q', 'contains a NUL character');
  const include: Partial<Record<FilterField, string[]>> = {};
  const exclude: Partial<Record<FilterField, string[]>> = {};
  const text: string[] = [];
  const notText: string[] = [];
  const token = /\s*(-?)(?:([A-Za-z][A-Za-z_]*):)?(?:"((?:[^"\\]|\\.)*)"?|(\S+))/gy;
  let terms = 0;
  for (let m = token.exec(query); m !== null && m[0].trim() !== ''; m = token.exec(query)) {
    const negate = m[1] === '-';
    const quoted = m[3] !== undefined;
    const value = quoted ? (m[3] as string).replace(/\\(.)/g, '$1') : (m[4] as string);
    if (++terms > MAX_TERMS) throw new QueryError('q', `more than ${MAX_TERMS} terms`);
    if (m[2] !== undefined) {
      const field = fieldOf(m[2]);
      if (!field) throw new QueryError('q', `unknown field "${m[2]}"; fields: ${FILTER_FIELDS.join(', ')}`);
      const values = (quoted ? [value] : value.split(',')).filter((v) => v !== '').map((v) => checkValue(`q ${field}`, v));
      if (values.length === 0) throw new QueryError('q', `${field}: needs a value`);
      const target = negate ? exclude : include;
      target[field] = [...(target[field] ?? []), ...values];
    } else {
      (negate ? notText : text).push(checkValue('q', value));
    }
  }
  return { include, exclude, text, notText };
}

/** Merges two filters (URL parameters and `q`): time ranges intersect, values of one field are OR-ed as in `q`. */
export function mergeFilters(a: EventFilter, b: EventFilter): EventFilter {
  const merge = (x?: EventFilter['include'], y?: EventFilter['include']) => {
    const out: Partial<Record<FilterField, readonly string[]>> = { ...x };
    for (const [k, v] of Object.entries(y ?? {}) as [FilterField, readonly string[]][]) out[k] = [...(out[k] ?? []), ...v];
    return out;
  };
  return {
    from: a.from !== undefined && b.from !== undefined ? Math.max(a.from, b.from) : (a.from ?? b.from),
    to: a.to !== undefined && b.to !== undefined ? Math.min(a.to, b.to) : (a.to ?? b.to),
    include: merge(a.include, b.include),
    exclude: merge(a.exclude, b.exclude),
    text: [...(a.text ?? []), ...(b.text ?? [])],
    notText: [...(a.notText ?? []), ...(b.notText ?? [])],
  };
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.timestamp}.${cursor.id}`).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const decoded = /^[A-Za-z0-9_-]{1,64}$/.test(text) ? Buffer.from(text, 'base64url').toString() : '';
  const match = /^(\d{1,16})\.(\d{1,19})$/.exec(decoded);
  if (!match) throw new QueryError('cursor', 'not a cursor this server returned');
  return { timestamp: Number(match[1]), id: match[2] as string };
}
