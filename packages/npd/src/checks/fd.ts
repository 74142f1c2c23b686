import type { ConditionDefault } from '../types.ts';
import { guard, pct, readNumbers } from './common.ts';
import type { ProbeCheck } from './probe.ts';

export const fdConditions: readonly ConditionDefault[] = [
  { type: 'FDPressure', reason: 'NodeHasNoFDPressure', message: 'node has no fd pressure' },
];

export interface FdCheckOptions {
  /** Percent of fs.file-max in use above which FDPressure is True (ACK `check_fd_warning_percentage`, 80). */
  readonly warningPercentage?: number;
  readonly interval?: number;
  readonly timeout?: number;
}

/** fd_check: allocated file handles (/proc/sys/fs/file-nr, first field) vs /proc/sys/fs/file-max. */
export function createFdCheck(options: FdCheckOptions = {}): ProbeCheck {
  const threshold = options.warningPercentage ?? 80;
  return {
    name: 'fd_check',
    source: 'fd-monitor',
    conditions: fdConditions,
    interval: options.interval ?? 60_000,
    ...(options.timeout ? { timeout: options.timeout } : {}),
    async probe({ hostfs }) {
      const conditions = await guard(fdConditions, async () => {
        const [allocated = 0] = await readNumbers(hostfs, '/proc/sys/fs/file-nr', 3);
        const [max = 0] = await readNumbers(hostfs, '/proc/sys/fs/file-max', 1);
        if (max === 0) return [{ type: 'FDPressure', status: 'Unknown', message: 'malformed /proc/sys/fs/file-max: 0' }];
        const message = `fd usage ${pct(allocated, max)}% (${allocated}/${max}) above ${threshold}%`;
        return (allocated / max) * 100 > threshold
          ? [{ type: 'FDPressure', status: 'True', reason: 'NodeHasFDPressure', message }]
          : [{ type: 'FDPressure', status: 'False' }];
      });
      return { conditions };
    },
  };
}
