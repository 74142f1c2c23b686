import { type Clock, type Logger, systemClock } from '@ack-npd/core';
import { ConditionSet } from '../conditions.ts';
import { SourceUnavailableError } from '../errors.ts';
import { AsyncQueue } from '../queue.ts';
import type { Check, ProblemEvent, Status } from '../types.ts';
import { LogBuffer } from './buffer.ts';
import type { CompiledRule, SystemLogMonitorConfig } from './config.ts';
import type { LogLine, LogWatcher } from './watcher.ts';

/**
 * The rules engine of NPD's system log monitor, without I/O: lines go in, statuses come out.
 * Temporary rules → Warning events; permanent rules set a condition True (an event when status
 * or reason changes, NPD's semantics). Beyond upstream: `recovery` rules and condition `expiry`
 * bring a condition back to its default.
 */
export class LogProblemState {
  readonly #config: SystemLogMonitorConfig;
  readonly #buffer: LogBuffer;
  readonly #conditions: ConditionSet;
  readonly #lastMatch = new Map<string, number>();
  #unavailable = false;

  constructor(config: SystemLogMonitorConfig, now: number) {
    this.#config = config;
    this.#buffer = new LogBuffer(config.bufferSize);
    this.#conditions = new ConditionSet(config.conditions, now);
  }

  status(events: ProblemEvent[] = []): Status {
    return { source: this.#config.source, events, conditions: this.#conditions.conditions };
  }

  /** Feeds one line; returns a status when a rule matched. */
  ingest(line: LogLine): Status | undefined {
    if (this.#config.skipList.some((skip) => line.message.includes(skip))) return undefined;
    this.#buffer.push(line);
    const events: ProblemEvent[] = [];
    let matched = false;
    for (const rule of this.#config.rules) {
      const logs = this.#buffer.match(rule.regexp);
      if (logs.length === 0) continue;
      matched = true;
      const event = this.#apply(rule, logs);
      if (event) events.push(event);
    }
    return matched ? this.status(events) : undefined;
  }

  #apply(rule: CompiledRule, logs: LogLine[]): ProblemEvent | undefined {
    const timestamp = logs[0]?.timestamp ?? 0;
    const message = [...logs.map((l) => l.message), ...(rule.suffix ? [rule.suffix] : [])].join('\n');
    if (rule.type === 'temporary') return { severity: 'warn', timestamp, reason: rule.reason, message };
    const type = rule.condition ?? '';
    const current = this.#conditions.get(type);
    const fallback = this.#conditions.defaultOf(type);
    if (!current || !fallback) return undefined;
    if (rule.type === 'recovery') {
      this.#lastMatch.delete(type);
      if (current.status !== 'True') return undefined;
      return this.#conditions.set(
        { type, status: 'False', transition: timestamp, reason: fallback.reason, message: fallback.message },
        timestamp,
      );
    }
    this.#lastMatch.set(type, timestamp);
    if (current.status === 'True' && current.reason === rule.reason) return undefined;
    return this.#conditions.set({ type, status: 'True', transition: timestamp, reason: rule.reason, message }, timestamp);
  }

  /** Conditions whose `expiry` passed since their last match go back to default. */
  expire(now: number): Status | undefined {
    const events: ProblemEvent[] = [];
    for (const def of this.#config.conditions) {
      if (def.expiry === undefined) continue;
      const current = this.#conditions.get(def.type);
      if (current?.status !== 'True') continue;
      const since = this.#lastMatch.get(def.type) ?? current.transition;
      if (now - since < def.expiry) continue;
      this.#lastMatch.delete(def.type);
      events.push(
        this.#conditions.set({ type: def.type, status: 'False', transition: now, reason: def.reason, message: def.message }, now),
      );
    }
    return events.length > 0 ? this.status(events) : undefined;
  }

  /** The log source cannot be read: every condition Unknown with the reason. */
  unavailable(message: string, now: number): Status {
    this.#unavailable = true;
    return this.status(this.#conditions.markUnknown(message, now));
  }

  /** The source is readable (again): Unknown conditions return to their defaults. */
  available(now: number): Status | undefined {
    if (!this.#unavailable) return undefined;
    this.#unavailable = false;
    const events: ProblemEvent[] = [];
    for (const def of this.#config.conditions) {
      if (this.#conditions.get(def.type)?.status !== 'Unknown') continue;
      events.push(
        this.#conditions.set({ type: def.type, status: 'False', transition: now, reason: def.reason, message: def.message }, now),
      );
    }
    return this.status(events);
  }
}

export interface SystemLogMonitorOptions {
  readonly config: SystemLogMonitorConfig;
  /** The config file (or built-in name), for logs. */
  readonly file: string;
  readonly watcher: LogWatcher;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Wait before reopening an unavailable source (default 30s). */
  readonly retryMs?: number;
}

export function createSystemLogMonitor(options: SystemLogMonitorOptions): Check {
  const { config, watcher } = options;
  const clock = options.clock ?? systemClock;
  const retryMs = options.retryMs ?? 30_000;
  const logger = options.logger.child({ component: 'system-log-monitor', source: config.source, config: options.file });
  const expiries = config.conditions.flatMap((c) => (c.expiry === undefined ? [] : [c.expiry]));
  return {
    name: `system-log-monitor:${options.file}`,
    metricsReporting: config.metricsReporting,
    async *run(signal) {
      const state = new LogProblemState(config, clock.now());
      const queue = new AsyncQueue<Status>();
      queue.push(state.status());
      const watch = async (): Promise<void> => {
        while (!signal.aborted) {
          try {
            const ready = (): void => {
              logger.info({ watcher: watcher.name }, 'log watcher started');
              const status = state.available(clock.now());
              if (status) queue.push(status);
            };
            for await (const line of watcher.watch(signal, ready)) {
              const status = state.ingest(line);
              if (status) queue.push(status);
            }
            if (signal.aborted) return;
            throw new SourceUnavailableError(watcher.name, 'log source ended');
          } catch (error) {
            if (signal.aborted) return;
            const reason = error instanceof Error ? error.message : String(error);
            logger.warn({ watcher: watcher.name, err: reason, retryInMs: retryMs }, 'log source unavailable');
            queue.push(state.unavailable(`log source unavailable: ${reason}`, clock.now()));
          }
          try {
            await clock.sleep(retryMs, signal);
          } catch {
            return;
          }
        }
      };
      const expire = async (): Promise<void> => {
        if (expiries.length === 0) return;
        const period = Math.max(1000, Math.min(30_000, ...expiries.map((e) => e / 4)));
        while (!signal.aborted) {
          try {
            await clock.sleep(period, signal);
          } catch {
            return;
          }
          const status = state.expire(clock.now());
          if (status) queue.push(status);
        }
      };
      const done = Promise.all([watch(), expire()]).finally(() => queue.close());
      signal.addEventListener('abort', () => queue.close(), { once: true });
      yield* queue;
      await done;
    },
  };
}
