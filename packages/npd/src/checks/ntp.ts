import type { ConditionDefault } from '../types.ts';
import { guard, processNames } from './common.ts';
import type { ProbeCheck } from './probe.ts';

export const ntpConditions: readonly ConditionDefault[] = [{ type: 'NTPProblem', reason: 'NTPIsUp', message: 'ntp service is up' }];

/** Daemon name as /proc/[pid]/comm shows it (the kernel truncates comm to 15 characters). */
const daemons = [
  { comm: 'chronyd', name: 'chronyd', binaries: ['/usr/sbin/chronyd', '/sbin/chronyd'] },
  { comm: 'ntpd', name: 'ntpd', binaries: ['/usr/sbin/ntpd', '/sbin/ntpd'] },
  {
    comm: 'systemd-timesyn',
    name: 'systemd-timesyncd',
    binaries: ['/usr/lib/systemd/systemd-timesyncd', '/lib/systemd/systemd-timesyncd'],
  },
] as const;

export interface NtpCheckOptions {
  /**
   * When systemd-timesyncd is the only daemon, also require its "synchronized" flag file
   * (/run/systemd/timesync/synchronized, systemd ≥ 239) whenever /run/systemd/timesync exists (true).
   */
  readonly checkSync?: boolean;
  readonly interval?: number;
  readonly timeout?: number;
}

/**
 * ntp_check: a time synchronization daemon (chronyd, ntpd, systemd-timesyncd) is running,
 * found by scanning /proc/[pid]/comm. The kernel's adjtimex state is not readable from /proc or
 * /sys, so the only clock-sync signal used is timesyncd's flag file.
 */
export function createNtpCheck(options: NtpCheckOptions = {}): ProbeCheck {
  const checkSync = options.checkSync ?? true;
  return {
    name: 'ntp_check',
    source: 'ntp-monitor',
    conditions: ntpConditions,
    interval: options.interval ?? 60_000,
    ...(options.timeout ? { timeout: options.timeout } : {}),
    async probe({ hostfs }) {
      const conditions = await guard(ntpConditions, async () => {
        const names = await processNames(hostfs);
        const running = daemons.filter((d) => names.has(d.comm));
        if (running.length > 0) {
          const onlyTimesyncd = running.every((d) => d.name === 'systemd-timesyncd');
          if (checkSync && onlyTimesyncd && (await hostfs.exists('/run/systemd/timesync'))) {
            if (!(await hostfs.exists('/run/systemd/timesync/synchronized'))) {
              return [
                {
                  type: 'NTPProblem',
                  status: 'True',
                  reason: 'NTPIsDown',
                  message: 'systemd-timesyncd is running but the clock is not synchronized (/run/systemd/timesync/synchronized absent)',
                },
              ];
            }
          }
          return [{ type: 'NTPProblem', status: 'False' }];
        }
        const installed: string[] = [];
        for (const d of daemons) {
          for (const binary of d.binaries) {
            if (await hostfs.exists(binary)) {
              installed.push(d.name);
              break;
            }
          }
        }
        if (installed.length === 0) {
          return [
            { type: 'NTPProblem', status: 'Unknown', message: 'no time synchronization daemon found (chronyd, ntpd, systemd-timesyncd)' },
          ];
        }
        return [
          {
            type: 'NTPProblem',
            status: 'True',
            reason: 'NTPIsDown',
            message: `${installed.join(', ')} installed but not running (0 of ${installed.length} time daemons in /proc/*/comm)`,
          },
        ];
      });
      return { conditions };
    },
  };
}
