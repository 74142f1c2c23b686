/** A node condition as npd reports it, carried by condition-change events. */
export interface ConditionChange {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

/** One event as the store keeps it: the eventer's normalized fields plus the raw object. */
export interface StoredEvent {
  /** Store row id (string: PostgreSQL bigints exceed JavaScript's safe integers in theory). */
  readonly id: string;
  readonly cluster: string;
  readonly uid: string;
  readonly count: number;
  /** Milliseconds since the epoch (the event's lastTimestamp / eventTime). */
  readonly timestamp: number;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly objectUid: string;
  /** The node the event is about or came from ('' when unknown). */
  readonly node: string;
  readonly component: string;
  readonly host: string;
  readonly condition: ConditionChange | null;
  readonly raw: unknown;
}

export type NewEvent = Omit<StoredEvent, 'id'>;

/** A bad ingest body: `path` names the field (`events.3.uid`). */
export class IngestError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'IngestError';
    this.path = path;
  }
}

export interface IngestEvent {
  readonly uid: string;
  readonly count: number;
  readonly timestamp: number;
  readonly cluster: string | undefined;
  /** The cluster's display name as its eventer knows it (`clusterName`). */
  readonly clusterName: string | undefined;
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly involvedObject: { readonly kind: string; readonly namespace: string; readonly name: string; readonly uid: string };
  readonly source: { readonly component: string; readonly host: string };
  readonly condition: ConditionChange | undefined;
  readonly raw: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field: absent = fallback; PostgreSQL text cannot hold NUL or lone surrogates, neither store keeps them. */
function text(object: Record<string, unknown>, key: string, path: string, max: number, fallback?: string): string {
  const value = object[key];
  if (value === undefined || value === null) {
    if (fallback === undefined) throw new IngestError(`${path}.${key}`, 'required');
    return fallback;
  }
  if (typeof value !== 'string') throw new IngestError(`${path}.${key}`, 'expected a string');
  if (value.length > max) throw new IngestError(`${path}.${key}`, `longer than ${max} characters`);
  return value.includes('\u0000') ? value.replaceAll('\u0000', '').toWellFormed() : value.toWellFormed();
}

function integer(object: Record<string, unknown>, key: string, path: string, min: number, max: number): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new IngestError(`${path}.${key}`, `expected an integer from ${min} to ${max}`);
  }
  return value;
}

function part(object: Record<string, unknown>, key: string, path: string): Record<string, unknown> {
  const value = object[key];
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new IngestError(`${path}.${key}`, 'expected an object');
  return value;
}

/**
 * The ingest wire format: `{events: [...]}`, each the eventer's KubeEvent JSON (extra fields
 * ignored) plus `cluster` / `condition`. Hand-checked rather than schema-parsed: it is the hot path.
 */
export function parseIngestBatch(body: unknown): IngestEvent[] {
  if (!isRecord(body) || !Array.isArray(body.events)) throw new IngestError('body.events', 'expected {"events": [...]}');
  if (body.events.length > 10_000) throw new IngestError('body.events', 'more than 10000 events; send smaller batches');
  return body.events.map((item: unknown, i: number): IngestEvent => {
    const path = `body.events.${i}`;
    if (!isRecord(item)) throw new IngestError(path, 'expected an object');
    const uid = text(item, 'uid', path, 256);
    if (uid === '') throw new IngestError(`${path}.uid`, 'must not be empty');
    const involved = part(item, 'involvedObject', path);
    const source = part(item, 'source', path);
    const condition = item.condition === undefined || item.condition === null ? undefined : part(item, 'condition', path);
    const ipath = `${path}.involvedObject`;
    const cpath = `${path}.condition`;
    return {
      uid,
      count: integer(item, 'count', path, 1, 2 ** 31 - 1),
      timestamp: integer(item, 'timestamp', path, 0, 8.64e15),
      cluster: item.cluster === undefined ? undefined : text(item, 'cluster', path, 256, ''),
      clusterName: item.clusterName === undefined ? undefined : text(item, 'clusterName', path, 256, ''),
      namespace: text(item, 'namespace', path, 256, ''),
      name: text(item, 'name', path, 512, ''),
      type: text(item, 'type', path, 64, 'Normal'),
      reason: text(item, 'reason', path, 256, ''),
      message: text(item, 'message', path, 32_768, ''),
      involvedObject: {
        kind: text(involved, 'kind', ipath, 128, ''),
        namespace: text(involved, 'namespace', ipath, 256, ''),
        name: text(involved, 'name', ipath, 512, ''),
        uid: text(involved, 'uid', ipath, 256, ''),
      },
      source: { component: text(source, 'component', `${path}.source`, 256, ''), host: text(source, 'host', `${path}.source`, 256, '') },
      condition: condition && {
        type: text(condition, 'type', cpath, 128),
        status: text(condition, 'status', cpath, 32),
        reason: text(condition, 'reason', cpath, 256, ''),
        message: text(condition, 'message', cpath, 4096, ''),
      },
      raw: item.raw,
    };
  });
}

const ASSIGNED = /^Successfully assigned \S+ to (\S+)$/;

/** The node an event is about: the Node itself, the kubelet that reported it, or the scheduler's assignment. */
export function nodeOf(event: IngestEvent): string {
  if (event.involvedObject.kind === 'Node') return event.involvedObject.name;
  if (event.reason === 'Scheduled') {
    const match = ASSIGNED.exec(event.message);
    if (match?.[1]) return match[1];
  }
  return event.source.host;
}

export function toNewEvent(event: IngestEvent, defaultCluster: string): NewEvent {
  return {
    cluster: event.cluster ?? defaultCluster,
    uid: event.uid,
    count: event.count,
    timestamp: event.timestamp,
    type: event.type,
    reason: event.reason,
    message: event.message,
    namespace: event.involvedObject.namespace || event.namespace,
    kind: event.involvedObject.kind,
    name: event.involvedObject.name,
    objectUid: event.involvedObject.uid,
    node: nodeOf(event),
    component: event.source.component,
    host: event.source.host,
    condition: event.condition ?? null,
    raw: stripNul(event.raw ?? null),
  };
}

/** A JSON value with NUL characters removed from every string (PostgreSQL jsonb rejects \u0000 and lone surrogates). */
function stripNul(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('\u0000', '').toWellFormed();
  if (Array.isArray(value)) return value.map(stripNul);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[stripNul(key) as string] = stripNul(item);
    return out;
  }
  return value ?? null;
}
