import type { Clock } from '@ack-npd/core';

/** A token bucket: `capacity` tokens, refilled continuously at `perMinute` a minute. */
export class TokenBucket {
  readonly #clock: Clock;
  readonly #capacity: number;
  readonly #perMs: number;
  #tokens: number;
  #updated: number;

  constructor(options: { clock: Clock; perMinute: number; capacity?: number }) {
    this.#clock = options.clock;
    this.#capacity = options.capacity ?? options.perMinute;
    this.#perMs = options.perMinute / 60_000;
    this.#tokens = this.#capacity;
    this.#updated = options.clock.now();
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updated) * this.#perMs);
    this.#updated = now;
  }

  /** Takes a token when one is available. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }

  /** Milliseconds until a token is available (0 when one is). */
  waitMs(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / this.#perMs);
  }

  /** Empties the bucket (the destination said we are over its limit). */
  drain(): void {
    this.#refill();
    this.#tokens = 0;
  }

  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }
}
