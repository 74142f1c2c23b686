import { z } from 'zod';

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

const text = (max: number) =>
  z
    .string()
    .max(max)
    // PostgreSQL text cannot hold NUL or lone surrogates; neither store keeps them.
    .transform((s) => s.replaceAll('\u0000', '').toWellFormed());

/** The ingest wire format: the eventer's KubeEvent JSON (extra fields ignored), plus `cluster`/`condition`. */
export const ingestEventSchema = z.object({
  uid: text(256).refine((s) => s.length > 0, 'must not be empty'),
  count: z
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1),
  timestamp: z.number().int().min(0).max(8.64e15),
  cluster: text(256).optional(),
  namespace: text(256).default(''),
  name: text(512).default(''),
  type: text(64).default('Normal'),
  reason: text(256).default(''),
  message: text(32_768).default(''),
  involvedObject: z
    .object({
      kind: text(128).default(''),
      namespace: text(256).default(''),
      name: text(512).default(''),
      uid: text(256).default(''),
    })
    .default({ kind: '', namespace: '', name: '', uid: '' }),
  source: z.object({ component: text(256).default(''), host: text(256).default('') }).default({ component: '', host: '' }),
  condition: z.object({ type: text(128), status: text(32), reason: text(256).default(''), message: text(4096).default('') }).optional(),
  raw: z.unknown().optional(),
});

export const ingestBatchSchema = z.object({ events: z.array(ingestEventSchema).max(10_000) });
export type IngestEvent = z.output<typeof ingestEventSchema>;

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
