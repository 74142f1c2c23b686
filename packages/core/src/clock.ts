import { setTimeout as delay } from 'node:timers/promises';

/** Injected time, so backoff, heartbeats and windows are testable without sleeping. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await delay(ms, undefined, signal ? { signal } : undefined);
  },
};

/**
 * Milliseconds on a monotonic clock, for durations. Not `performance.now()`: the `performance`
 * global loads perf_hooks and ten more of Node's modules into a process that needs none of them.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
