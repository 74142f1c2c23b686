import type { HostFs } from '../hostfs.ts';
import type { ConditionDefault } from '../types.ts';
import { CheckInputError, errorText, guard, processNames } from './common.ts';
import type { ProbeCheck } from './probe.ts';

export const irqbalanceConditions: readonly ConditionDefault[] = [
  { type: 'IRQBalanceProblem', reason: 'IRQBalanceIsRunning', message: 'irqbalance is running' },
];

export interface IrqbalanceCheckOptions {
  readonly interval?: number;
  readonly timeout?: number;
}

/** Parses a CPU list ("0-3,8,10-11") into a count. */
export function countCpuList(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(trimmed)) return undefined;
  let count = 0;
  for (const part of trimmed.split(',')) {
    const [from, to] = part.split('-').map(Number);
    count += to === undefined ? 1 : (to as number) - (from as number) + 1;
  }
  return count;
}

/** Online CPUs: /sys/devices/system/cpu/online, else the "processor" lines of /proc/cpuinfo. */
export async function onlineCpus(hostfs: HostFs): Promise<number> {
  let online: string | undefined;
  try {
    online = await hostfs.readFile('/sys/devices/system/cpu/online');
  } catch {
    // fall back to /proc/cpuinfo
  }
  if (online !== undefined) {
    const count = countCpuList(online);
    if (count === undefined)
      throw new CheckInputError(`malformed /sys/devices/system/cpu/online: ${JSON.stringify(online.trim().slice(0, 40))}`);
    return count;
  }
  let cpuinfo: string;
  try {
    cpuinfo = await hostfs.readFile('/proc/cpuinfo');
  } catch (error) {
    throw new CheckInputError(`cannot read /sys/devices/system/cpu/online nor /proc/cpuinfo: ${errorText(error)}`, { cause: error });
  }
  const count = cpuinfo.split('\n').filter((l) => /^processor\s*:/.test(l)).length;
  if (count === 0) throw new CheckInputError('malformed /proc/cpuinfo: no "processor" lines');
  return count;
}

/** irqbalance_check: the irqbalance daemon runs when the node has more than one CPU. */
export function createIrqbalanceCheck(options: IrqbalanceCheckOptions = {}): ProbeCheck {
  return {
    name: 'irqbalance_check',
    source: 'irqbalance-monitor',
    conditions: irqbalanceConditions,
    interval: options.interval ?? 60_000,
    ...(options.timeout ? { timeout: options.timeout } : {}),
    async probe({ hostfs }) {
      const conditions = await guard(irqbalanceConditions, async () => {
        const cpus = await onlineCpus(hostfs);
        if (cpus <= 1) return [{ type: 'IRQBalanceProblem', status: 'False', message: 'single CPU, irqbalance not needed' }];
        const names = await processNames(hostfs);
        return names.has('irqbalance')
          ? [{ type: 'IRQBalanceProblem', status: 'False' }]
          : [
              {
                type: 'IRQBalanceProblem',
                status: 'True',
                reason: 'IRQBalanceNotRunning',
                message: `irqbalance is not running on a node with ${cpus} CPUs (needed above 1)`,
              },
            ];
      });
      return { conditions };
    },
  };
}
