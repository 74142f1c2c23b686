import type { Dirent, Stats, StatsFs } from 'node:fs';
import { access, readdir, readFile, stat, statfs } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';

/**
 * All host access goes through a root (`--host-root`, "/" by default; "/host" in a container
 * with the node's / mounted there; a fixture tree in tests). Paths are host paths ("/proc/stat").
 */
export interface HostFs {
  readonly root: string;
  /** Host path → path in this process's filesystem. */
  resolve(hostPath: string): string;
  readFile(hostPath: string): Promise<string>;
  readdir(hostPath: string): Promise<string[]>;
  readdirEntries(hostPath: string): Promise<Dirent[]>;
  stat(hostPath: string): Promise<Stats>;
  statfs(hostPath: string): Promise<StatsFs>;
  exists(hostPath: string): Promise<boolean>;
}

export function createHostFs(root = '/'): HostFs {
  const base = normalize(root);
  const resolve = (hostPath: string): string => {
    const path = isAbsolute(hostPath) ? hostPath : `/${hostPath}`;
    // normalize() drops "..", so a host path can never climb out of the root.
    return base === '/' ? normalize(path) : join(base, normalize(path));
  };
  return {
    root: base,
    resolve,
    readFile: (hostPath) => readFile(resolve(hostPath), 'utf8'),
    readdir: (hostPath) => readdir(resolve(hostPath)),
    readdirEntries: (hostPath) => readdir(resolve(hostPath), { withFileTypes: true }),
    stat: (hostPath) => stat(resolve(hostPath)),
    statfs: (hostPath) => statfs(resolve(hostPath)),
    exists: async (hostPath) => {
      try {
        await access(resolve(hostPath));
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** Boot time in ms since the epoch: /proc/stat `btime`, else now − /proc/uptime. */
export async function bootTime(hostfs: HostFs, now: number = Date.now()): Promise<number> {
  try {
    const stat = await hostfs.readFile('/proc/stat');
    const match = /^btime\s+(\d+)$/m.exec(stat);
    if (match?.[1]) return Number(match[1]) * 1000;
  } catch {
    // fall through to /proc/uptime
  }
  const uptime = await hostfs.readFile('/proc/uptime');
  const seconds = Number.parseFloat(uptime.split(/\s+/)[0] ?? '');
  if (!Number.isFinite(seconds)) throw new Error(`cannot parse ${hostfs.resolve('/proc/uptime')}`);
  return now - seconds * 1000;
}
