import type { Clock, Logger } from '@ack-npd/core';
import { type BackoffOptions, retryDelay } from './backoff.ts';
import { SinkError } from './errors.ts';
import { foldEvents } from './fold.ts';
import type { EventerMetrics } from './metrics.ts';
import { type Route, routeAccepts } from './route.ts';
import type { Spool } from './spool.ts';
import { TokenBucket } from './token-bucket.ts';
import type { KubeEvent, Sink } from './types.ts';

export interface DeliveryOptions {
  /** Events held in memory per sink; beyond it events go to the spool (or are dropped without one). */
  readonly queueSize?: number;
  /** Largest batch handed to `send` (the sink's own `limits.maxBatch` wins when smaller). */
  readonly maxBatch?: number;
  /** Flush a batch when it is full or its oldest event waited this long (kube-eventer's --frequency). */
  readonly flushMs?: number;
  /** Retries of a retryable failure before the batch goes to the spool (no spool: retry forever). */
  readonly maxRetries?: number;
  /** Per-send timeout; a timeout is retryable. */
  readonly sendTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
  /** A sink whose head batch has been failing this long, with no spool to take it, is "stuck" (readyz). */
  readonly stuckAfterMs?: number;
  /**
   * Repeat-fold window: the first event of an object+reason ships at once; repeats within
   * the window are held and shipped as one summary when it closes. 0 = off.
   */
  readonly repeatWindowMs?: number;
  /**
   * Count-bump window (chat sinks): after an event is sent, count bumps of the same event
   * within the window send nothing; when it closes the latest bump ships once, its message
   * marked "(×N)" (see markRepeat). 0 = off: every bump is its own delivery.
   */
  readonly bumpWindowMs?: number;
}

/**
 * Chat sinks show a count bump as the event's message followed by "(×N)", N the count, so a
 * chat reader tells "the 6th BackOff" from a new one. Applied by the delivery layer, so every
 * chat sink (whatever renders `message` or `raw.message`) gets it.
 */
export function markRepeat(event: KubeEvent): KubeEvent {
  if (event.change !== 'updated' || event.count <= 1 || event.folded) return event;
  const message = `${event.message} (×${event.count})`;
  return { ...event, message, raw: { ...event.raw, message } };
}

function seqsOf(items: readonly Item[]): number[] {
  return items.flatMap((item) => item.seqs ?? [item.seq]);
}

function repeatKey(event: KubeEvent): string {
  const o = event.involvedObject;
  return `${o.uid || `${o.kind}/${o.namespace}/${o.name}`}|${event.reason}`;
}

interface Item {
  readonly seq: number;
  /** A repeat-window summary stands for these offered events. */
  readonly seqs?: readonly number[];
  readonly event: KubeEvent;
  readonly enqueued: number;
}

/**
 * One sink's delivery: route → bounded queue → batches → rate limit → send with retry and
 * backoff → on persistent failure the on-disk spool. Each sink has its own worker, so a slow
 * or dead sink never delays another. `onDone(seq)` is called once per offered event when
 * the sink accepted it, spooled it, its route dropped it, or it was dropped for good
 * (counted): the pipeline's checkpoint only moves past events every sink is done with.
 */
export class SinkWorker {
  readonly sink: Sink;
  readonly #routes: readonly Route[];
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: EventerMetrics;
  readonly #spool: Spool | undefined;
  readonly #onDone: (seqs: readonly number[]) => void;
  readonly #queueSize: number;
  readonly #maxBatch: number;
  readonly #flushMs: number;
  readonly #maxRetries: number;
  readonly #sendTimeoutMs: number;
  readonly #backoff: BackoffOptions;
  readonly #stuckAfterMs: number;
  readonly #bucket: TokenBucket | undefined;
  #queue: Item[] = [];
  /** Events on their way to the spool (appends are serialized). */
  #toSpool: Item[] = [];
  #spooling: Promise<void> | undefined;
  /** The sink failed past its retries: new events go straight to the spool until it recovers. */
  #degraded = false;
  #failingSince: number | undefined;
  #wake: (() => void) | undefined;
  #inFlightOldest: number | undefined;
  readonly #repeatWindowMs: number;
  readonly #windows = new Map<string, { end: number; held: Item[] }>();
  readonly #bumpWindowMs: number;
  /** Per event uid: when its bump window closes and the bumps held until then. */
  readonly #bumps = new Map<string, { end: number; held: Item[] }>();

  constructor(options: {
    sink: Sink;
    /** Every route must accept an event (e.g. the global route and the sink's own). */
    routes?: readonly Route[];
    clock: Clock;
    logger: Logger;
    metrics: EventerMetrics;
    spool?: Spool;
    onDone: (seqs: readonly number[]) => void;
    delivery?: DeliveryOptions;
  }) {
    this.sink = options.sink;
    // The sink's own URI filter (kube-eventer's level/namespaces/kinds/reason) is one more route.
    this.#routes = [...(options.routes ?? []), ...(options.sink.filter ? [{ match: [options.sink.filter] }] : [])];
    this.#clock = options.clock;
    this.#logger = options.logger.child({ component: 'delivery', sink: options.sink.name });
    this.#metrics = options.metrics;
    this.#spool = options.spool;
    this.#onDone = options.onDone;
    const delivery = options.delivery ?? {};
    this.#queueSize = delivery.queueSize ?? 10_000;
    this.#maxBatch = Math.max(1, Math.min(delivery.maxBatch ?? 100, options.sink.limits?.maxBatch ?? Number.POSITIVE_INFINITY));
    this.#flushMs = delivery.flushMs ?? 30_000;
    this.#maxRetries = delivery.maxRetries ?? 5;
    this.#sendTimeoutMs = delivery.sendTimeoutMs ?? 30_000;
    this.#backoff = delivery.backoff ?? {};
    this.#stuckAfterMs = delivery.stuckAfterMs ?? 300_000;
    this.#repeatWindowMs = delivery.repeatWindowMs ?? 0;
    this.#bumpWindowMs = delivery.bumpWindowMs ?? 0;
    const perMinute = options.sink.limits?.perMinute;
    this.#metrics.lagSources.set(options.sink.name, () => this.#lagSeconds());
    if (perMinute !== undefined && perMinute > 0) this.#bucket = new TokenBucket({ clock: this.#clock, perMinute });
    this.#updateGauges();
  }

  get name(): string {
    return this.sink.name;
  }

  /** Why this sink is not ready (stuck), or undefined. */
  problem(): string | undefined {
    if (this.#failingSince !== undefined && !this.#spool && this.#clock.now() - this.#failingSince > this.#stuckAfterMs) {
      return `sink ${this.sink.name} has been failing for ${Math.round((this.#clock.now() - this.#failingSince) / 1000)}s`;
    }
    return undefined;
  }

  /** Events this sink holds in memory (queue + on their way to the spool). */
  get depth(): number {
    return this.#queue.length + this.#toSpool.length;
  }

  offer(seq: number, event: KubeEvent): void {
    if (!this.#routes.every((route) => routeAccepts(route, event))) {
      this.#onDone([seq]);
      return;
    }
    const item: Item = { seq, event: this.#bumpWindowMs > 0 ? markRepeat(event) : event, enqueued: this.#clock.now() };
    if (this.#bumpWindowMs > 0) {
      const bumps = this.#bumps.get(event.uid);
      if (bumps && this.#clock.now() < bumps.end) {
        bumps.held.push(item);
        this.#updateGauges();
        return;
      }
      this.#bumps.delete(event.uid);
      this.#bumps.set(event.uid, { end: this.#clock.now() + this.#bumpWindowMs, held: [] });
    }
    if (this.#repeatWindowMs > 0) {
      const key = repeatKey(event);
      const window = this.#windows.get(key);
      if (window && this.#clock.now() < window.end) {
        window.held.push(item);
        this.#updateGauges();
        return;
      }
      // delete + set keeps the map ordered by window end
      this.#windows.delete(key);
      this.#windows.set(key, { end: this.#clock.now() + this.#repeatWindowMs, held: [] });
    }
    this.#enqueue(item);
  }

  /**
   * Closes due windows. Repeat windows: their held repeats become one summary each. Bump
   * windows: the latest held bump ships (it carries the newest count) and the window opens
   * again, so a steadily bumping event sends one message per window. Returns the next due time.
   */
  #closeWindows(): number | undefined {
    const now = this.#clock.now();
    let next: number | undefined;
    for (const [uid, bumps] of this.#bumps) {
      if (bumps.end > now) {
        next = bumps.end;
        break;
      }
      this.#bumps.delete(uid);
      if (bumps.held.length === 0) continue;
      const first = bumps.held[0] as Item;
      const latest = bumps.held.at(-1) as Item;
      this.#bumps.set(uid, { end: now + this.#bumpWindowMs, held: [] });
      this.#metrics.folded.inc({ sink: this.sink.name }, bumps.held.length - 1);
      this.#enqueue({ seq: first.seq, seqs: seqsOf(bumps.held), event: latest.event, enqueued: first.enqueued });
    }
    for (const [key, window] of this.#windows) {
      // Ordered by end: the first open window is the next one due.
      if (window.end > now) return next === undefined ? window.end : Math.min(next, window.end);
      this.#windows.delete(key);
      if (window.held.length === 0) continue;
      const events = window.held.map((item) => item.event);
      const summary = window.held.length === 1 ? (events[0] as KubeEvent) : this.#fold(events);
      const first = window.held[0] as Item;
      this.#enqueue({ seq: first.seq, seqs: seqsOf(window.held), event: summary, enqueued: first.enqueued });
    }
    return next;
  }

  #enqueue(item: Item): void {
    if (this.#spool && (this.#degraded || this.#spool.size > 0 || this.#toSpool.length > 0 || this.#queue.length >= this.#queueSize)) {
      this.#spoolItems([item]);
    } else if (this.#queue.length >= this.#queueSize) {
      this.#metrics.dropped.inc({ sink: this.sink.name, cause: 'queue_full' });
      this.#logger.warn({ queueSize: this.#queueSize }, 'queue full and no spool: event dropped');
      this.#onDone(seqsOf([item]));
    } else {
      this.#queue.push(item);
    }
    this.#updateGauges();
    this.#wake?.();
  }

  #spoolItems(items: readonly Item[]): void {
    this.#toSpool.push(...items);
    if (!this.#spooling) this.#spooling = this.#drainToSpool().finally(() => (this.#spooling = undefined));
  }

  async #drainToSpool(): Promise<void> {
    const spool = this.#spool;
    if (!spool) return;
    while (this.#toSpool.length > 0) {
      const items = this.#toSpool.splice(0, 500);
      let accepted = 0;
      try {
        accepted = await spool.append(items.map((item) => item.event));
      } catch (error) {
        this.#logger.error({ err: error }, 'spool write failed');
      }
      if (accepted > 0) this.#metrics.spooled.inc({ sink: this.sink.name }, accepted);
      if (accepted < items.length) {
        this.#metrics.dropped.inc({ sink: this.sink.name, cause: 'spool_full' }, items.length - accepted);
        this.#logger.warn({ events: items.length - accepted, spoolBytes: spool.bytes }, 'spool full: events dropped');
      }
      this.#onDone(seqsOf(items));
      this.#updateGauges();
      this.#wake?.();
    }
  }

  #updateGauges(): void {
    const sink = this.sink.name;
    this.#metrics.queueDepth.set({ sink }, this.#queue.length + this.#toSpool.length);
    this.#metrics.spoolDepth.set({ sink }, this.#spool?.size ?? 0);
    this.#metrics.lag.set({ sink }, this.#lagSeconds());
  }

  #lagSeconds(): number {
    const oldest = this.#inFlightOldest ?? this.#queue[0]?.enqueued;
    return oldest === undefined ? 0 : Math.max(0, (this.#clock.now() - oldest) / 1000);
  }

  async #waitForWork(signal: AbortSignal, ms: number): Promise<void> {
    const controller = new AbortController();
    const both = AbortSignal.any([signal, controller.signal]);
    this.#wake = () => controller.abort();
    try {
      await this.#clock.sleep(ms, both);
    } catch {
      // woken up or stopping
    } finally {
      this.#wake = undefined;
    }
  }

  /** Runs until `signal` aborts; then `flush` may be called to spool what is left. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const nextWindow = this.#closeWindows();
      const idleMs = nextWindow === undefined ? 60_000 : Math.max(1, nextWindow - this.#clock.now());
      this.#updateGauges();
      if (this.#queue.length > 0) {
        const oldest = (this.#queue[0] as Item).enqueued;
        const wait = oldest + this.#flushMs - this.#clock.now();
        if (this.#queue.length < this.#maxBatch && wait > 0) {
          await this.#waitForWork(signal, Math.min(wait, idleMs));
          continue;
        }
        const items = this.#queue.splice(0, this.#maxBatch);
        await this.#deliver(items, signal, undefined);
        continue;
      }
      if (this.#spool && this.#spool.size > 0 && this.#toSpool.length === 0 && !this.#spooling) {
        const batch = await this.#spool.peek(this.#maxBatch);
        if (batch) {
          await this.#deliver(
            batch.events.map((event) => ({ seq: -1, event, enqueued: this.#clock.now() })),
            signal,
            batch.commit,
          );
          continue;
        }
      }
      if (this.#spooling) await this.#spooling;
      else await this.#waitForWork(signal, idleMs);
    }
  }

  /**
   * Sends items (from memory, or from the spool when `commit` is given) with retries. Memory
   * items that exhaust their retries go to the spool; spool items stay there and are retried.
   */
  async #deliver(items: Item[], signal: AbortSignal, commit: (() => Promise<void>) | undefined): Promise<void> {
    const fromSpool = commit !== undefined;
    this.#inFlightOldest = items[0]?.enqueued;
    let attempt = 0;
    try {
      for (;;) {
        if (signal.aborted) {
          if (!fromSpool) this.#queue.unshift(...items);
          return;
        }
        if (this.#bucket) {
          const wait = this.#bucket.waitMs();
          if (wait > 0) {
            await this.#sleep(wait, signal);
            continue;
          }
          this.#bucket.tryTake();
          // Last token for now and more waiting: everything queued rides along, folded into one summary.
          if (this.#bucket.tokens < 1 && !fromSpool && this.#queue.length > 0) {
            const rest = this.#queue.splice(0);
            this.#metrics.folded.inc({ sink: this.sink.name }, rest.length);
            items = [...items, ...rest];
          }
        }
        const events =
          items.length > this.#maxBatch
            ? [
                ...items.slice(0, this.#maxBatch - 1).map((item) => item.event),
                this.#fold(items.slice(this.#maxBatch - 1).map((item) => item.event)),
              ]
            : items.map((item) => item.event);
        try {
          // Not aborted by `signal`: a send in flight at shutdown finishes (bounded by the
          // timeout), so what the destination accepted is acknowledged, not sent again.
          await this.sink.send(events, AbortSignal.timeout(this.#sendTimeoutMs));
          this.#metrics.sent.inc({ sink: this.sink.name }, items.length);
          this.#failingSince = undefined;
          this.#degraded = false;
          if (commit) await commit();
          else this.#onDone(seqsOf(items));
          return;
        } catch (error) {
          if (signal.aborted) {
            if (!fromSpool) this.#queue.unshift(...items);
            return;
          }
          this.#metrics.failures.inc({ sink: this.sink.name });
          this.#failingSince ??= this.#clock.now();
          const sinkError = error instanceof SinkError ? error : undefined;
          // Errors that are not SinkErrors (network failures, timeouts) are treated as retryable.
          const retryable = sinkError ? sinkError.retryable : true;
          if (!retryable) {
            this.#metrics.dropped.inc({ sink: this.sink.name, cause: 'rejected' }, items.length);
            this.#logger.error({ err: error, events: items.length }, 'sink rejected batch: dropped');
            if (commit) await commit();
            else this.#onDone(seqsOf(items));
            this.#failingSince = undefined;
            return;
          }
          if (sinkError?.rateLimited && this.#bucket) {
            this.#bucket.drain();
            // The destination is over its own limit (which may be lower than ours): what waits
            // rides along with the retry, folded into one summary, instead of paging one by one.
            if (!fromSpool && this.#queue.length > 0) {
              const rest = this.#queue.splice(0);
              this.#metrics.folded.inc({ sink: this.sink.name }, rest.length);
              items = [...items, ...rest];
            }
          }
          if (this.#spool && !fromSpool && attempt >= this.#maxRetries) {
            this.#logger.warn({ err: error, events: items.length }, 'sink keeps failing: spooling');
            this.#degraded = true;
            const rest = this.#queue.splice(0);
            this.#spoolItems([...items, ...rest]);
            return;
          }
          this.#metrics.retries.inc({ sink: this.sink.name });
          const delay = retryDelay(attempt++, sinkError?.retryAfterMs, this.#backoff);
          this.#logger.warn({ err: error, attempt, delayMs: delay }, 'send failed: retrying');
          await this.#sleep(delay, signal);
        }
      }
    } finally {
      this.#inFlightOldest = undefined;
      this.#updateGauges();
    }
  }

  #fold(events: readonly KubeEvent[]): KubeEvent {
    return this.sink.fold ? this.sink.fold(events) : foldEvents(events);
  }

  async #sleep(ms: number, signal: AbortSignal): Promise<void> {
    try {
      await this.#clock.sleep(ms, signal);
    } catch {
      // stopping
    }
  }

  /**
   * After `run` stopped: waits for spool writes in progress. Events still in memory are not
   * acknowledged, so the checkpoint does not cover them and the next leader (or the next run)
   * reads them from the apiserver again — spooling them here would strand them in this
   * replica's spool on a leader handover.
   */
  async flush(): Promise<void> {
    if (this.#spooling) await this.#spooling;
    this.#queue = [];
    this.#updateGauges();
  }

  /** Events waiting in this sink's spool. */
  get spooled(): number {
    return this.#spool?.size ?? 0;
  }
}
