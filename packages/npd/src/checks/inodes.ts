import type { ConditionDefault } from '../types.ts';
import { defaultNodePaths, guard, hostStatfs, pct, type StatfsSource, statPaths } from './common.ts';
import type { ProbeCheck } from './probe.ts';

export const inodesConditions: readonly ConditionDefault[] = [
  { type: 'InodesPressure', reason: 'NodeHasNoInodesPressure', message: 'node has no inodes pressure' },
];

export interface InodesCheckOptions {
  /** Percent of inodes in use above which InodesPressure is True (ACK `inode_warning_percenage`, 80). */
  readonly warningPercentage?: number;
  /** Host paths to statfs; "/" must exist, the others are skipped when absent. */
  readonly paths?: readonly string[];
  /** statfs source (tests feed numbers); HostFs.statfs by default. */
  readonly statfs?: StatfsSource;
  readonly interval?: number;
  readonly timeout?: number;
}

/** inodes_usage_check: inode usage of / and the kubelet/runtime filesystems. */
export function createInodesCheck(options: InodesCheckOptions = {}): ProbeCheck {
  const threshold = options.warningPercentage ?? 80;
  const paths = options.paths ?? defaultNodePaths;
  return {
    name: 'inodes_usage_check',
    source: 'inodes-monitor',
    conditions: inodesConditions,
    interval: options.interval ?? 60_000,
    ...(options.timeout ? { timeout: options.timeout } : {}),
    async probe({ hostfs }) {
      const conditions = await guard(inodesConditions, async () => {
        const filesystems = await statPaths(paths, options.statfs ?? hostStatfs(hostfs));
        const over: string[] = [];
        for (const { path, usage } of filesystems) {
          // Filesystems without a fixed inode table (btrfs, some overlays) report 0 inodes.
          if (usage.files === 0) continue;
          const used = usage.files - usage.ffree;
          if ((used / usage.files) * 100 > threshold) {
            over.push(`inode usage of ${path} ${pct(used, usage.files)}% (${used}/${usage.files}) above ${threshold}%`);
          }
        }
        return over.length > 0
          ? [{ type: 'InodesPressure', status: 'True', reason: 'NodeHasInodesPressure', message: over.join('; ') }]
          : [{ type: 'InodesPressure', status: 'False' }];
      });
      return { conditions };
    },
  };
}
