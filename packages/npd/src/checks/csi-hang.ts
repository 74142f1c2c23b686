import { monotonicMs } from '@ack-npd/core';
import type { HostFs } from '../hostfs.ts';
import type { ConditionDefault, ProblemEvent } from '../types.ts';
import { CheckInputError, errorCode, errorText, forEachLimited, tryConnect, withTimeout } from './common.ts';
import type { ProbeCheck } from './probe.ts';

export const csiHangConditions: readonly ConditionDefault[] = [
  { type: 'IOHang', reason: 'NoIOHang', message: 'csi plugins and volumes are responsive' },
];

export interface CsiHangCheckOptions {
  /** Where CSI drivers put their sockets (/var/lib/kubelet/plugins); searched 3 levels deep for csi.sock. */
  readonly pluginDir?: string;
  /** Mount table to read CSI volume mounts from: the host's (pid 1) by default, /proc/mounts as fallback. */
  readonly mountsFile?: string;
  /** A socket connect or a volume statfs not done within this is a hang (5s). */
  readonly timeoutMs?: number;
  /** A statfs slower than this (but within the timeout) posts a SlowIO event (1s). */
  readonly slowMs?: number;
  /** At most this many statfs calls may be stuck at once (each holds a libuv thread); further mounts wait (2). */
  readonly maxStuck?: number;
  readonly interval?: number;
}

/** Unescapes the octal escapes of /proc/mounts fields ("\040" = space). */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** CSI volume mount points in a mount table: pod volumes (kubernetes.io~csi) and global mounts (plugins/kubernetes.io/csi). */
export function csiMountPoints(mounts: string): string[] {
  const points = new Set<string>();
  for (const line of mounts.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 3 || !fields[1]) continue;
    const point = unescapeMountField(fields[1]);
    if (point.includes('/volumes/kubernetes.io~csi/') || point.includes('/plugins/kubernetes.io/csi/')) points.add(point);
  }
  return [...points].sort();
}

/** csi.sock files under the plugin dir, not descending into kubernetes.io/ (where volumes are mounted). */
export async function findCsiSockets(hostfs: HostFs, dir: string, depth = 3): Promise<string[]> {
  let entries: Awaited<ReturnType<HostFs['readdirEntries']>>;
  try {
    entries = await hostfs.readdirEntries(dir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw new CheckInputError(`cannot list ${dir}: ${errorText(error)}`, { cause: error });
  }
  const found: string[] = [];
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (entry.name === 'csi.sock' && !entry.isDirectory()) found.push(path);
    else if (entry.isDirectory() && depth > 1 && entry.name !== 'kubernetes.io')
      found.push(...(await findCsiSockets(hostfs, path, depth - 1)));
  }
  return found.sort();
}

/** csi_hang_check: CSI plug-in sockets accept a connection, CSI volume mounts answer statfs, in time. */
export function createCsiHangCheck(options: CsiHangCheckOptions = {}): ProbeCheck {
  const pluginDir = options.pluginDir ?? '/var/lib/kubelet/plugins';
  const timeoutMs = options.timeoutMs ?? 5000;
  const slowMs = options.slowMs ?? 1000;
  const maxStuck = options.maxStuck ?? 2;
  /** statfs calls that never returned, by mount point: not repeated while they hang. */
  const stuck = new Map<string, Promise<unknown>>();

  const readMounts = async (hostfs: HostFs): Promise<string> => {
    const files = options.mountsFile ? [options.mountsFile] : ['/proc/1/mounts', '/proc/mounts'];
    let last: unknown;
    for (const file of files) {
      try {
        return await hostfs.readFile(file);
      } catch (error) {
        last = error;
      }
    }
    throw new CheckInputError(`cannot read ${files.join(' or ')}: ${errorText(last)}`, { cause: last });
  };

  return {
    name: 'csi_hang_check',
    source: 'csi-hang-monitor',
    conditions: csiHangConditions,
    interval: options.interval ?? 60_000,
    timeout: timeoutMs * 2 + 5000,
    async probe({ hostfs, signal }) {
      const problems: string[] = [];
      const events: Omit<ProblemEvent, 'timestamp'>[] = [];
      let sockets: string[];
      let mounts: string[];
      try {
        sockets = await findCsiSockets(hostfs, pluginDir);
        mounts = csiMountPoints(await readMounts(hostfs));
      } catch (error) {
        if (error instanceof CheckInputError) return { conditions: [{ type: 'IOHang', status: 'Unknown', message: error.message }] };
        throw error;
      }
      await forEachLimited(sockets, 4, async (socket) => {
        try {
          await tryConnect({ path: hostfs.resolve(socket) }, timeoutMs, signal);
        } catch (error) {
          problems.push(`CSI plugin socket ${socket} not answering within ${timeoutMs}ms (${errorText(error)})`);
        }
      });
      let skipped = 0;
      for (const mount of mounts) {
        if (stuck.has(mount)) {
          problems.push(`CSI volume ${mount} statfs still hanging since an earlier check (timeout ${timeoutMs}ms)`);
          continue;
        }
        if (stuck.size >= maxStuck) {
          skipped++;
          continue;
        }
        const started = monotonicMs();
        const work = hostfs.statfs(mount);
        try {
          await withTimeout(work, timeoutMs);
          const ms = Math.round(monotonicMs() - started);
          if (ms > slowMs)
            events.push({
              severity: 'warn',
              reason: 'SlowIO',
              message: `CSI volume ${mount} statfs took ${ms}ms (slow above ${slowMs}ms)`,
            });
        } catch (error) {
          if (errorCode(error) === 'ETIMEDOUT') {
            stuck.set(mount, work);
            const forget = (): void => void stuck.delete(mount);
            work.then(forget, forget);
            problems.push(`CSI volume ${mount} statfs not answering within ${timeoutMs}ms`);
          } else if (errorCode(error) !== 'ENOENT') {
            // ENOENT: unmounted between reading the table and statfs. Other errors (EIO, ENOTCONN) are a broken volume.
            problems.push(`CSI volume ${mount} statfs failed (${errorText(error)})`);
          }
        }
      }
      if (skipped > 0) problems.push(`${skipped} CSI volume(s) not checked while ${stuck.size} statfs calls hang`);
      const conditions =
        problems.length > 0
          ? [{ type: 'IOHang', status: 'True' as const, reason: 'IOHang', message: problems.join('; ') }]
          : [{ type: 'IOHang', status: 'False' as const }];
      return { conditions, events };
    },
  };
}
