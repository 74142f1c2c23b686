import type { ConditionDefault } from '../types.ts';
import { defaultNodePaths, guard, hostStatfs, pct, type StatfsSource, statPaths } from './common.ts';
import type { ProbeCheck } from './probe.ts';

/** Named like ACK's NodePIDPressure so it never clashes with the kubelet's own DiskPressure. */
export const diskPressureConditions: readonly ConditionDefault[] = [
  { type: 'NodeDiskPressure', reason: 'NodeHasNoDiskPressure', message: 'node has no disk pressure' },
];

export interface DiskPressureCheckOptions {
  /** Percent of space in use (as df counts it: used / (used + available)) above which the condition is True (90). */
  readonly warningPercentage?: number;
  readonly paths?: readonly string[];
  readonly statfs?: StatfsSource;
  readonly interval?: number;
  readonly timeout?: number;
}

const GiB = 1024 ** 3;

/** disk_pressure_check: space used on / and the kubelet/runtime filesystems. */
export function createDiskPressureCheck(options: DiskPressureCheckOptions = {}): ProbeCheck {
  const threshold = options.warningPercentage ?? 90;
  const paths = options.paths ?? defaultNodePaths;
  return {
    name: 'disk_pressure_check',
    source: 'disk-monitor',
    conditions: diskPressureConditions,
    interval: options.interval ?? 60_000,
    ...(options.timeout ? { timeout: options.timeout } : {}),
    async probe({ hostfs }) {
      const conditions = await guard(diskPressureConditions, async () => {
        const filesystems = await statPaths(paths, options.statfs ?? hostStatfs(hostfs));
        const over: string[] = [];
        for (const { path, usage } of filesystems) {
          const used = usage.blocks - usage.bfree;
          const size = used + usage.bavail;
          if (size === 0) continue;
          if ((used / size) * 100 > threshold) {
            const usedGiB = ((used * usage.bsize) / GiB).toFixed(1);
            const sizeGiB = ((size * usage.bsize) / GiB).toFixed(1);
            over.push(`disk usage of ${path} ${pct(used, size)}% (${usedGiB}/${sizeGiB} GiB) above ${threshold}%`);
          }
        }
        return over.length > 0
          ? [{ type: 'NodeDiskPressure', status: 'True', reason: 'NodeHasDiskPressure', message: over.join('; ') }]
          : [{ type: 'NodeDiskPressure', status: 'False' }];
      });
      return { conditions };
    },
  };
}
