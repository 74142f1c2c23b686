import { type Clock, type Logger, monotonicMs, systemClock } from '@ack-npd/core';
import { ConditionSet } from '../conditions.ts';
import type { HostFs } from '../hostfs.ts';
import type { Check, ConditionDefault, ConditionStatus, ProblemEvent, Status } from '../types.ts';

/** What a probe gets: the host (through its root), the time, and a signal that fires on timeout or stop. */
export interface ProbeContext {
  readonly hostfs: HostFs;
  readonly now: number;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** One condition as the probe sees it; reason/message default to the condition's defaults when False. */
export interface ProbeCondition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason?: string;
  readonly message?: string;
}

export interface ProbeResult {
  readonly conditions?: readonly ProbeCondition[];
  /** Temporary problems (events), e.g. `{ severity: 'warn', reason: 'ConntrackFull', message }`. */
  readonly events?: readonly Omit<ProblemEvent, 'timestamp'>[];
}

/**
 * THE plug point for built-in checks: one file exporting one of these.
 * The engine schedules it every `interval`, bounds each probe by `timeout`, and runs the
 * conditions through NPD's state machine (defaults at start, lastTransitionTime, change events).
 * A message that only moves (same status and reason: "fd usage 91%" → "92%") is refreshed in place:
 * no event and no immediate node PATCH; the next heartbeat carries it.
 * A probe that throws or times out turns its conditions Unknown with the error as message.
 */
export interface ProbeCheck {
  /** Check name (`fd_check`), used in logs and metrics. */
  readonly name: string;
  /** Event source component (`fd-monitor`). */
  readonly source: string;
  /** Healthy defaults of every condition the check owns. */
  readonly conditions: readonly ConditionDefault[];
  /** Milliseconds between probes. */
  readonly interval: number;
  /** Milliseconds a probe may take (default: min(interval, 30s)). */
  readonly timeout?: number;
  probe(context: ProbeContext): Promise<ProbeResult>;
  /** Releases what the check holds between probes (open logs, timers); called once when its monitor stops. */
  close?(): Promise<void> | void;
}

export interface ProbeHooks {
  /** Called after each probe with its duration and outcome (metrics). */
  observe?(check: string, seconds: number, failed: boolean): void;
}

export interface ProbeMonitorOptions {
  readonly hostfs: HostFs;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly hooks?: ProbeHooks;
}

/** Runs a ProbeCheck on its interval as a Check. */
export function createProbeMonitor(check: ProbeCheck, options: ProbeMonitorOptions): Check {
  const clock = options.clock ?? systemClock;
  const logger = options.logger.child({ component: 'check', check: check.name });
  const timeout = check.timeout ?? Math.min(check.interval, 30_000);
  return {
    name: `check:${check.name}`,
    async *run(signal) {
      try {
        yield* runProbes(signal);
      } finally {
        try {
          await check.close?.();
        } catch (error) {
          logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'closing the check failed');
        }
      }
    },
  };

  async function* runProbes(signal: AbortSignal): AsyncGenerator<Status> {
    const conditions = new ConditionSet(check.conditions, clock.now());
    yield { source: check.source, events: [], conditions: conditions.conditions } satisfies Status;
    let next = clock.now();
    while (!signal.aborted) {
      const started = monotonicMs();
      const events: ProblemEvent[] = [];
      let failed = false;
      try {
        const probeSignal = AbortSignal.any([signal, AbortSignal.timeout(timeout)]);
        const result = await withAbort(
          check.probe({ hostfs: options.hostfs, now: clock.now(), signal: probeSignal, logger }),
          probeSignal,
          `probe timed out after ${timeout}ms`,
        );
        const now = clock.now();
        for (const observed of result.conditions ?? []) {
          const fallback = conditions.defaultOf(observed.type);
          if (!fallback) {
            logger.warn({ condition: observed.type }, 'probe reported a condition it does not declare');
            continue;
          }
          const event = conditions.observe(
            observed.type,
            { status: observed.status, reason: observed.reason ?? fallback.reason, message: observed.message ?? fallback.message },
            now,
            { refreshMessage: true },
          );
          if (event) events.push(event);
        }
        for (const event of result.events ?? []) events.push({ ...event, timestamp: now });
      } catch (error) {
        if (signal.aborted) return;
        failed = true;
        const message = `${check.name} failed: ${error instanceof Error ? error.message : String(error)}`;
        logger.warn({ err: message }, 'probe failed');
        events.push(...conditions.markUnknown(message, clock.now()));
      }
      options.hooks?.observe?.(check.name, (monotonicMs() - started) / 1000, failed);
      yield { source: check.source, events, conditions: conditions.conditions } satisfies Status;
      const now = clock.now();
      next += check.interval;
      while (next <= now) next += check.interval;
      try {
        await clock.sleep(next - now, signal);
      } catch {
        return;
      }
    }
  }
}

function withAbort<T>(promise: Promise<T>, signal: AbortSignal, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error(message));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
