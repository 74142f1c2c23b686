import type { ConditionDefault } from '../types.ts';
import { CheckInputError, guard, pct, readHostFile, readNumbers } from './common.ts';
import type { ProbeCheck } from './probe.ts';

/** ACK's own name (the kubelet owns `PIDPressure`). */
export const pidPressureConditions: readonly ConditionDefault[] = [
  { type: 'NodePIDPressure', reason: 'NodeHasNoPIDPressure', message: 'node has no pid pressure' },
];

export interface PidPressureCheckOptions {
  /** Percent of min(kernel.pid_max, kernel.threads-max) in use above which the condition is True (90). */
  readonly warningPercentage?: number;
  readonly interval?: number;
  readonly timeout?: number;
}

/** pid_pressure_check: threads (the total in /proc/loadavg's 4th field) vs min(pid_max, threads-max). */
export function createPidPressureCheck(options: PidPressureCheckOptions = {}): ProbeCheck {
  const threshold = options.warningPercentage ?? 90;
  return {
    name: 'pid_pressure_check',
    source: 'pid-monitor',
    conditions: pidPressureConditions,
    interval: options.interval ?? 60_000,
    ...(options.timeout ? { timeout: options.timeout } : {}),
    async probe({ hostfs }) {
      const conditions = await guard(pidPressureConditions, async () => {
        const loadavg = await readHostFile(hostfs, '/proc/loadavg');
        const match = /^\S+\s+\S+\s+\S+\s+\d+\/(\d+)\s/.exec(loadavg);
        if (!match?.[1]) throw new CheckInputError(`malformed /proc/loadavg: ${JSON.stringify(loadavg.trim().slice(0, 80))}`);
        const threads = Number(match[1]);
        const [pidMax = 0] = await readNumbers(hostfs, '/proc/sys/kernel/pid_max', 1);
        const [threadsMax = 0] = await readNumbers(hostfs, '/proc/sys/kernel/threads-max', 1);
        const limit = Math.min(pidMax, threadsMax);
        if (limit === 0) throw new CheckInputError('malformed /proc/sys/kernel/pid_max or threads-max: 0');
        const which = pidMax <= threadsMax ? 'pid_max' : 'threads-max';
        const message = `pid usage ${pct(threads, limit)}% (${threads}/${limit} ${which}) above ${threshold}%`;
        return (threads / limit) * 100 > threshold
          ? [{ type: 'NodePIDPressure', status: 'True', reason: 'NodeHasPIDPressure', message }]
          : [{ type: 'NodePIDPressure', status: 'False' }];
      });
      return { conditions };
    },
  };
}
