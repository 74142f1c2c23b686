import { type Clock, type Logger, systemClock } from '@ack-npd/core';
import type { NpdMetrics } from './metrics.ts';
import type { Check, Condition, Exporter, Status } from './types.ts';

export interface SourceConditions {
  readonly source: string;
  readonly conditions: readonly Condition[];
}

export interface ProblemDetectorOptions {
  readonly checks: readonly Check[];
  readonly exporters: readonly Exporter[];
  readonly logger: Logger;
  readonly metrics: NpdMetrics;
  readonly clock?: Clock;
  /** Wait before restarting a check whose run() failed (default 10s). */
  readonly restartMs?: number;
}

/**
 * NPD's problem detector: runs every check, and hands each status to every exporter and the
 * metrics. An exporter failure is logged and never stops a check; a crashed check restarts.
 */
export class ProblemDetector {
  readonly #options: ProblemDetectorOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #bySource = new Map<string, readonly Condition[]>();

  constructor(options: ProblemDetectorOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'problem-detector' });
    this.#clock = options.clock ?? systemClock;
  }

  /** Current conditions of every source (/conditions). */
  conditions(): SourceConditions[] {
    return [...this.#bySource].map(([source, conditions]) => ({ source, conditions }));
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.#options.checks.map((check) => this.#runCheck(check, signal)));
    await Promise.all(this.#options.exporters.map((exporter) => exporter.close()));
  }

  async #runCheck(check: Check, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const status of check.run(signal)) await this.#handle(status, check.metricsReporting !== false);
        return;
      } catch (error) {
        if (signal.aborted) return;
        this.#options.metrics.checkErrors.inc({ check: check.name });
        this.#logger.error({ check: check.name, err: error }, 'check crashed; restarting');
      }
      try {
        await this.#clock.sleep(this.#options.restartMs ?? 10_000, signal);
      } catch {
        return;
      }
    }
  }

  async #handle(status: Status, reportMetrics: boolean): Promise<void> {
    this.#bySource.set(status.source, status.conditions);
    const { metrics } = this.#options;
    if (reportMetrics) {
      for (const event of status.events) if (event.severity === 'warn') metrics.countProblem(event.reason);
      for (const condition of status.conditions) metrics.setProblemGauge(condition.type, condition.reason, condition.status === 'True');
    }
    await Promise.all(
      this.#options.exporters.map(async (exporter) => {
        try {
          await exporter.export(status);
        } catch (error) {
          this.#logger.warn({ exporter: exporter.name, err: error }, 'exporter failed');
        }
      }),
    );
  }
}
