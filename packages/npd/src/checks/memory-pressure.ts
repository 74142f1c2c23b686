import type { ConditionDefault } from '../types.ts';
import { CheckInputError, guard, pct, readHostFile } from './common.ts';
import type { ProbeCheck } from './probe.ts';

/** Not `MemoryPressure`: that type belongs to the kubelet. Named like ACK's NodePIDPressure. */
export const memoryPressureConditions: readonly ConditionDefault[] = [
  { type: 'NodeMemoryPressure', reason: 'NodeHasNoMemoryPressure', message: 'node has no memory pressure' },
];

export interface MemoryPressureCheckOptions {
  /** Percent of MemTotal not available (MemTotal − MemAvailable) above which the condition is True (80). */
  readonly warningPercentage?: number;
  readonly interval?: number;
  readonly timeout?: number;
}

/** /proc/meminfo fields in kB. */
export function parseMeminfo(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (match?.[1] && match[2]) fields.set(match[1], Number(match[2]));
  }
  return fields;
}

/** memory_pressure_check: MemAvailable vs MemTotal from /proc/meminfo. */
export function createMemoryPressureCheck(options: MemoryPressureCheckOptions = {}): ProbeCheck {
  const threshold = options.warningPercentage ?? 80;
  return {
    name: 'memory_pressure_check',
    source: 'memory-monitor',
    conditions: memoryPressureConditions,
    interval: options.interval ?? 60_000,
    ...(options.timeout ? { timeout: options.timeout } : {}),
    async probe({ hostfs }) {
      const conditions = await guard(memoryPressureConditions, async () => {
        const meminfo = parseMeminfo(await readHostFile(hostfs, '/proc/meminfo'));
        const total = meminfo.get('MemTotal');
        const available = meminfo.get('MemAvailable');
        if (!total || available === undefined) {
          throw new CheckInputError('malformed /proc/meminfo: MemTotal or MemAvailable missing');
        }
        const used = total - available;
        const message = `memory usage ${pct(used, total)}% (${Math.round(used / 1024)}/${Math.round(total / 1024)} MiB, MemAvailable ${Math.round(available / 1024)} MiB) above ${threshold}%`;
        return (used / total) * 100 > threshold
          ? [{ type: 'NodeMemoryPressure', status: 'True', reason: 'NodeHasMemoryPressure', message }]
          : [{ type: 'NodeMemoryPressure', status: 'False' }];
      });
      return { conditions };
    },
  };
}
