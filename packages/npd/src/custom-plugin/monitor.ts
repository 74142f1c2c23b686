import { type Clock, type Logger, systemClock } from '@ack-npd/core';
import { ConditionSet } from '../conditions.ts';
import { AsyncQueue, Semaphore } from '../queue.ts';
import type { Check, ProblemEvent, Status } from '../types.ts';
import type { CustomPluginConfig, CustomRule } from './config.ts';
import { type PluginRun, type RunPluginOptions, runPlugin } from './exec.ts';

export interface CustomPluginMonitorOptions {
  readonly config: CustomPluginConfig;
  /** The config file, for logs. */
  readonly file: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Runs one plug-in; the real process runner by default. */
  readonly run?: (options: RunPluginOptions) => Promise<PluginRun>;
}

/**
 * NPD's custom plugin monitor: each rule runs every invoke_interval (its own or the global one),
 * at most `concurrency` at once, never overlapping itself; results drive conditions (permanent)
 * or events (temporary, on NonOK/Unknown).
 */
export function createCustomPluginMonitor(options: CustomPluginMonitorOptions): Check {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const run = options.run ?? runPlugin;
  const logger = options.logger.child({ component: 'custom-plugin-monitor', source: config.source, config: options.file });
  return {
    name: `custom-plugin-monitor:${options.file}`,
    metricsReporting: config.metricsReporting,
    async *run(signal: AbortSignal): AsyncIterable<Status> {
      const queue = new AsyncQueue<Status>();
      const conditions = new ConditionSet(config.conditions, clock.now());
      const semaphore = new Semaphore(config.pluginConfig.concurrency);
      const emit = (events: ProblemEvent[]): void => queue.push({ source: config.source, events, conditions: conditions.conditions });
      if (!config.pluginConfig.skip_initial_status) emit([]);

      const onResult = (rule: CustomRule, result: PluginRun): void => {
        const now = clock.now();
        const level = result.result === 'OK' ? 'debug' : 'info';
        logger[level]({ plugin: rule.path, result: result.result, exitCode: result.exitCode, timedOut: result.timedOut }, 'plugin ran');
        if (result.stderr && result.result !== 'OK') logger.debug({ plugin: rule.path, stderr: result.stderr }, 'plugin stderr');
        if (rule.type === 'temporary') {
          emit(result.result === 'OK' ? [] : [{ severity: 'warn', timestamp: now, reason: rule.reason, message: result.message }]);
          return;
        }
        const status = result.result === 'OK' ? 'False' : result.result === 'NonOK' ? 'True' : 'Unknown';
        const event = conditions.observe(rule.condition ?? '', { status, reason: rule.reason, message: result.message }, now, {
          messageChangeUpdates: config.pluginConfig.enable_message_change_based_condition_update,
        });
        if (event) logger.info({ condition: rule.condition, status, reason: event.reason }, 'condition changed');
        emit(event ? [event] : []);
      };

      const loop = async (rule: CustomRule): Promise<void> => {
        const interval = rule.invoke_interval ?? config.pluginConfig.invoke_interval;
        const timeoutMs = Math.min(rule.timeout ?? config.pluginConfig.timeout, config.pluginConfig.timeout);
        let next = clock.now();
        while (!signal.aborted) {
          await semaphore.acquire();
          let result: PluginRun;
          try {
            if (signal.aborted) return;
            result = await run({
              path: rule.path,
              args: rule.args,
              timeoutMs,
              maxOutputLength: config.pluginConfig.max_output_length,
              signal,
            });
          } finally {
            semaphore.release();
          }
          if (signal.aborted) return;
          onResult(rule, result);
          // No self-overlap: the next run is the next interval tick after this one finished.
          const now = clock.now();
          next += interval;
          while (next <= now) next += interval;
          try {
            await clock.sleep(next - now, signal);
          } catch {
            return;
          }
        }
      };

      const loops = Promise.all(config.rules.map((rule) => loop(rule))).finally(() => queue.close());
      signal.addEventListener('abort', () => queue.close(), { once: true });
      yield* queue;
      await loops;
    },
  };
}
