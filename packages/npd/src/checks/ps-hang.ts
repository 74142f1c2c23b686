import type { ConditionDefault } from '../types.ts';
import { ConsecutiveTracker, describeProcesses, guard, type ProcessInfo, scanProcesses } from './common.ts';
import type { ProbeCheck } from './probe.ts';

export const psHangConditions: readonly ConditionDefault[] = [
  { type: 'ProcessD', reason: 'NoProcessIsHung', message: 'no process is hung in D state' },
];

export interface ProcessStateCheckOptions {
  /** How many such processes make the condition True (ProcessD: 10). */
  readonly threshold?: number;
  /** A process counts only after being in the state in this many consecutive probes (3). */
  readonly consecutiveChecks?: number;
  /** Reuse a /proc scan another check made less than this long ago (2s; 0 = always scan). */
  readonly scanMaxAgeMs?: number;
  readonly interval?: number;
  readonly timeout?: number;
}

interface StateCheckSpec {
  readonly name: string;
  readonly source: string;
  readonly conditions: readonly ConditionDefault[];
  readonly state: string;
  readonly reason: string;
  readonly label: string;
  readonly defaultThreshold: number;
}

/** Scans /proc/[pid]/stat each probe and tracks (pid, starttime) pairs staying in one state. */
export function createProcessStateCheck(spec: StateCheckSpec, options: ProcessStateCheckOptions): ProbeCheck {
  const threshold = options.threshold ?? spec.defaultThreshold;
  const needed = options.consecutiveChecks ?? 3;
  const tracker = new ConsecutiveTracker<ProcessInfo>(needed);
  const type = spec.conditions[0]?.type ?? spec.name;
  return {
    name: spec.name,
    source: spec.source,
    conditions: spec.conditions,
    interval: options.interval ?? 60_000,
    ...(options.timeout ? { timeout: options.timeout } : {}),
    async probe({ hostfs }) {
      const conditions = await guard(spec.conditions, async () => {
        const { processes } = await scanProcesses(hostfs, options.scanMaxAgeMs);
        const current = new Map<string, ProcessInfo>();
        for (const p of processes) if (p.state === spec.state) current.set(`${p.pid}:${p.starttime}`, p);
        const persistent = tracker.observe(current).sort((a, b) => a.pid - b.pid);
        if (persistent.length < threshold) return [{ type, status: 'False' }];
        const message = `${persistent.length} processes ${spec.label} for ${needed} consecutive checks (threshold ${threshold}): ${describeProcesses(persistent)}`;
        return [{ type, status: 'True', reason: spec.reason, message }];
      });
      return { conditions };
    },
  };
}

/** ps_hang_check: processes in uninterruptible sleep (D) across consecutive checks. */
export function createPsHangCheck(options: ProcessStateCheckOptions = {}): ProbeCheck {
  return createProcessStateCheck(
    {
      name: 'ps_hang_check',
      source: 'ps-hang-monitor',
      conditions: psHangConditions,
      state: 'D',
      reason: 'PSProcessIsHung',
      label: 'in D state',
      defaultThreshold: 10,
    },
    options,
  );
}
