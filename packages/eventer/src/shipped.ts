import type { KubeEvent } from './types.ts';

interface Entry {
  readonly resourceVersion: string;
  readonly count: number;
  /** The event's timestamp (ms), for TTL pruning. */
  readonly timestamp: number;
}

/** The serialized form kept in the checkpoint: [uid, resourceVersion, count, timestamp]. */
export type ShippedEntry = readonly [string, string, number, number];

/**
 * A bounded record of what was shipped: uid → last shipped resourceVersion/count. On a relist
 * (restart, 410 Gone, leader takeover) only events newer than their entry ship again.
 * Entries older than `ttlMs` (the apiserver's --event-ttl, 1h by default: such events are gone)
 * and the oldest past `maxEntries` are pruned; `horizon` remembers the newest pruned
 * timestamp, and an unknown event at or before the horizon counts as shipped.
 */
export class ShippedIndex {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  #horizon = 0;

  constructor(options: { ttlMs?: number; maxEntries?: number } = {}) {
    this.#ttlMs = options.ttlMs ?? 3_600_000;
    this.#maxEntries = options.maxEntries ?? 8000;
  }

  get size(): number {
    return this.#entries.size;
  }

  get horizon(): number {
    return this.#horizon;
  }

  has(uid: string): boolean {
    return this.#entries.has(uid);
  }

  /** Whether this event is a change not shipped yet. */
  isNew(event: KubeEvent): boolean {
    const entry = this.#entries.get(event.uid);
    if (!entry) return event.timestamp > this.#horizon || this.#horizon === 0;
    return newerThan(event, entry);
  }

  record(event: KubeEvent): void {
    const entry = this.#entries.get(event.uid);
    if (entry && !this.isNew(event)) return;
    this.#entries.delete(event.uid);
    this.#entries.set(event.uid, {
      resourceVersion: event.resourceVersion,
      count: event.count,
      timestamp: event.timestamp,
    });
  }

  /** Records a serialized entry (from the journal) unless the index already has a newer one. */
  recordEntry(uid: string, resourceVersion: string, count: number, timestamp: number): void {
    const entry = this.#entries.get(uid);
    if (entry && (entry.count > count || (entry.count === count && !resourceVersionNewer(resourceVersion, entry.resourceVersion)))) return;
    this.#entries.delete(uid);
    this.#entries.set(uid, { resourceVersion, count, timestamp });
  }

  /** Drops entries past the TTL and the oldest beyond the size bound. Returns how many. */
  prune(now: number): number {
    let removed = 0;
    const cutoff = now - this.#ttlMs;
    for (const [uid, entry] of this.#entries) {
      if (entry.timestamp < cutoff) {
        this.#entries.delete(uid);
        this.#horizon = Math.max(this.#horizon, entry.timestamp);
        removed++;
      }
    }
    while (this.#entries.size > this.#maxEntries) {
      const [uid, entry] = this.#entries.entries().next().value as [string, Entry];
      this.#entries.delete(uid);
      this.#horizon = Math.max(this.#horizon, entry.timestamp);
      removed++;
    }
    return removed;
  }

  toJSON(): { horizon: number; entries: ShippedEntry[] } {
    return {
      horizon: this.#horizon,
      entries: [...this.#entries].map(([uid, e]) => [uid, e.resourceVersion, e.count, e.timestamp] as const),
    };
  }

  static from(
    data: { horizon?: number; entries?: readonly ShippedEntry[] },
    options: { ttlMs?: number; maxEntries?: number } = {},
  ): ShippedIndex {
    const index = new ShippedIndex(options);
    index.#horizon = data.horizon ?? 0;
    for (const [uid, resourceVersion, count, timestamp] of data.entries ?? []) {
      index.#entries.set(uid, { resourceVersion, count, timestamp });
    }
    return index;
  }
}

/** Whether `event` is a later change of the event `entry` recorded. */
function newerThan(event: KubeEvent, entry: Entry): boolean {
  if (event.count !== entry.count) return event.count > entry.count;
  if (event.resourceVersion === entry.resourceVersion) return false;
  return resourceVersionNewer(event.resourceVersion, entry.resourceVersion);
}

/**
 * What was handed to the sinks: the shipped index plus the events still in flight. Only the
 * in-flight changes are held here (not a copy of the shipped index), so dedupe of replays costs
 * memory for what is in flight, not a second index of every shipped event.
 */
export class DispatchedIndex {
  readonly #shipped: ShippedIndex;
  readonly #inFlight = new Map<string, Entry>();

  constructor(shipped: ShippedIndex) {
    this.#shipped = shipped;
  }

  /** Changes handed to the sinks and not yet shipped (one per event uid, the latest). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  has(uid: string): boolean {
    return this.#inFlight.has(uid) || this.#shipped.has(uid);
  }

  /** Whether this event is a change not handed to the sinks yet. */
  isNew(event: KubeEvent): boolean {
    const entry = this.#inFlight.get(event.uid);
    return entry ? newerThan(event, entry) : this.#shipped.isNew(event);
  }

  dispatch(event: KubeEvent): void {
    this.#inFlight.set(event.uid, { resourceVersion: event.resourceVersion, count: event.count, timestamp: event.timestamp });
  }

  /** Every sink is done with this change (the shipped index has it): forget it unless a later one is in flight. */
  settle(event: KubeEvent): void {
    const entry = this.#inFlight.get(event.uid);
    if (entry && entry.resourceVersion === event.resourceVersion && entry.count === event.count) this.#inFlight.delete(event.uid);
  }
}

/** etcd resource versions are integers in practice; compare numerically when both are. */
export function resourceVersionNewer(a: string, b: string): boolean {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) > BigInt(b);
  return a !== b;
}
