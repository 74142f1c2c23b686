import type { Clock, Logger } from '@ack-npd/core';
import { type Checkpoint, CheckpointConflictError, type CheckpointStore } from './checkpoint.ts';
import type { SinkWorker } from './delivery.ts';
import type { ShippedJournal } from './journal.ts';
import type { EventerMetrics } from './metrics.ts';
import { type ShippedEntry, ShippedIndex } from './shipped.ts';
import type { SourceItem } from './source.ts';

interface Pending {
  remaining: number;
  readonly event?: import('./types.ts').KubeEvent;
  readonly resourceVersion?: string;
}

/**
 * Fans source items out to every sink worker and keeps the checkpoint: the resourceVersion
 * up to which every sink is done (sent, spooled, routed away) and the shipped index.
 * Dedupe happens here, before dispatch, so a relist or a replayed watch never ships an
 * unchanged event twice and a count bump ships once as an update.
 */
export class Pipeline {
  readonly #workers: readonly SinkWorker[];
  readonly #store: CheckpointStore | undefined;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: EventerMetrics;
  readonly #writer: string;
  readonly #minSaveGapMs: number;
  /** What every sink is done with (persisted). */
  readonly #shipped: ShippedIndex;
  /** What was handed to the sinks (in memory): dedupes replays of events still in flight. */
  readonly #dispatched: ShippedIndex;
  readonly #pending = new Map<number, Pending>();
  readonly #journal: ShippedJournal | undefined;
  #journalFailing = false;
  #seq = 0;
  #resourceVersion: string;
  #dirty = false;
  #wakeSaver: (() => void) | undefined;
  #lastSave: Promise<boolean> = Promise.resolve(true);
  readonly #onConflict: (() => void) | undefined;

  constructor(options: {
    workers: readonly SinkWorker[];
    store?: CheckpointStore;
    checkpoint?: Checkpoint;
    clock: Clock;
    logger: Logger;
    metrics: EventerMetrics;
    writer?: string;
    minSaveGapMs?: number;
    ttlMs?: number;
    maxEntries?: number;
    /** Local write-ahead record of accepted events (see journal.ts) and what it held at start. */
    journal?: ShippedJournal;
    journalEntries?: readonly ShippedEntry[];
    /** The store refused a write: another replica wrote the checkpoint since (it leads now). */
    onConflict?: () => void;
  }) {
    this.#workers = options.workers;
    this.#store = options.store;
    this.#clock = options.clock;
    this.#logger = options.logger.child({ component: 'pipeline' });
    this.#metrics = options.metrics;
    this.#writer = options.writer ?? '';
    this.#minSaveGapMs = options.minSaveGapMs ?? 200;
    const limits = { ttlMs: options.ttlMs ?? 3_600_000, maxEntries: options.maxEntries ?? 8000 };
    this.#shipped = ShippedIndex.from({ horizon: options.checkpoint?.horizon ?? 0, entries: options.checkpoint?.shipped ?? [] }, limits);
    for (const [uid, resourceVersion, count, timestamp] of options.journalEntries ?? []) {
      this.#shipped.recordEntry(uid, resourceVersion, count, timestamp);
    }
    this.#journal = options.journal;
    this.#onConflict = options.onConflict;
    this.#dispatched = this.#shipped.clone();
    this.#resourceVersion = options.checkpoint?.resourceVersion ?? '';
  }

  /** The resourceVersion every sink is done with. */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  /** Entries in the shipped index (bounded by TTL and maxEntries). */
  get shippedSize(): number {
    return this.#shipped.size;
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  /** Called by the workers. */
  readonly done = (seqs: readonly number[]): void => {
    const accepted: ShippedEntry[] = [];
    for (const seq of seqs) {
      const pending = this.#pending.get(seq);
      if (!pending) continue;
      pending.remaining--;
      if (pending.remaining <= 0 && pending.event) {
        const event = pending.event;
        this.#shipped.record(event);
        accepted.push([event.uid, event.resourceVersion, event.count, event.timestamp]);
      }
    }
    if (accepted.length > 0 && this.#journal?.append(accepted) === false && !this.#journalFailing) {
      this.#journalFailing = true;
      this.#logger.warn(
        'cannot append to the shipped journal (disk full?): a kill -9 may resend what was shipped since the last checkpoint',
      );
    }
    this.#advance();
    this.#dirty = true;
    this.#wakeSaver?.();
  };

  handle(item: SourceItem): void {
    const seq = ++this.#seq;
    if (item.type === 'sync') {
      this.#pending.set(seq, { remaining: 0, resourceVersion: item.resourceVersion });
      this.#advance();
      return;
    }
    let event = item.event;
    if (!this.#dispatched.isNew(event)) {
      this.#metrics.deduped.inc();
      return;
    }
    // A relist reports everything as "added"; the index knows which are updates.
    const change = this.#dispatched.has(event.uid) ? 'updated' : 'added';
    if (change !== event.change) event = { ...event, change };
    this.#dispatched.record(event);
    this.#metrics.events.inc({ change });
    this.#pending.set(seq, { remaining: this.#workers.length, event });
    if (this.#workers.length === 0) this.done([seq]);
    for (const worker of this.#workers) worker.offer(seq, event);
  }

  #advance(): void {
    for (const [seq, pending] of this.#pending) {
      if (pending.remaining > 0) break;
      if (pending.resourceVersion) this.#resourceVersion = pending.resourceVersion;
      this.#pending.delete(seq);
      this.#dirty = true;
    }
  }

  checkpoint(): Checkpoint {
    const now = this.#clock.now();
    this.#shipped.prune(now);
    this.#dispatched.prune(now);
    const { horizon, entries } = this.#shipped.toJSON();
    return {
      version: 1,
      resourceVersion: this.#resourceVersion,
      horizon,
      shipped: entries,
      writer: this.#writer,
      savedAt: new Date(now).toISOString(),
    };
  }

  /** Saves once now (serialized with the background saver); false when it could not. */
  async save(): Promise<boolean> {
    const store = this.#store;
    if (!store) {
      // Nothing to persist, but the indexes must stay bounded.
      this.#dirty = false;
      const now = this.#clock.now();
      this.#shipped.prune(now);
      this.#dispatched.prune(now);
      return true;
    }
    const run = this.#lastSave.then(async () => {
      this.#dirty = false;
      try {
        await this.#journal?.rotate();
        await store.save(this.checkpoint());
        await this.#journal?.commit();
        this.#metrics.checkpoints.inc({ result: 'ok' });
        return true;
      } catch (error) {
        this.#dirty = true;
        this.#metrics.checkpoints.inc({ result: 'error' });
        if (error instanceof CheckpointConflictError) {
          this.#logger.warn({ store: store.description }, error.message);
          this.#onConflict?.();
        } else this.#logger.warn({ err: error, store: store.description }, 'checkpoint save failed');
        return false;
      }
    });
    this.#lastSave = run;
    return await run;
  }

  /** Saves the checkpoint whenever it changed, at most every minSaveGapMs. */
  async runSaver(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.#dirty) {
        await this.save();
        await this.#clock.sleep(this.#minSaveGapMs, signal).catch(() => undefined);
        continue;
      }
      const controller = new AbortController();
      this.#wakeSaver = () => controller.abort();
      await this.#clock.sleep(60_000, AbortSignal.any([signal, controller.signal])).catch(() => undefined);
      this.#wakeSaver = undefined;
    }
  }

  /** Feeds the pipeline from a source until `signal` aborts. */
  async consume(items: AsyncIterable<SourceItem>): Promise<void> {
    for await (const item of items) this.handle(item);
  }
}
