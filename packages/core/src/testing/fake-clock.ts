import type { Clock } from '@ack-npd/core';

interface Timer {
  readonly at: number;
  readonly resolve: () => void;
}

/** A manual clock for tests: `sleep` resolves only when `advance` moves time past its deadline, in time order. */
export class FakeClock implements Clock {
  #now: number;
  #timers: Timer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  /** Pending sleeps. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward, firing due sleeps in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await flush();
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers[0];
      if (!next || next.at > end) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
    }
    this.#now = end;
    await flush();
  }
}

/** Lets pending promise callbacks (and a few I/O turns) run. */
export async function flush(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
