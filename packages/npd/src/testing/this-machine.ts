// What the checks must report on the machine the tests run on, computed here independently
// (plain node:fs reads of the same /proc, /sys and statfs facts, none of the checks' code), so a
// "runs on this machine" test asserts a status that can be wrong rather than any well-formed one.
import { existsSync, readdirSync, readFileSync, type StatsFs, statfsSync } from 'node:fs';
import type { CheckSettings } from '../checks/index.ts';

const read = (path: string): string => readFileSync(path, 'utf8');
const numbers = (path: string): number[] => read(path).trim().split(/\s+/).map(Number);

/** A usage ratio in percent, and thresholds well below and well above it (True below, False above). */
export interface Usage {
  readonly percent: number;
  /** Half the measured usage: the check must say True. */
  readonly below: number;
  /** Halfway from the usage to 100%: the check must say False. */
  readonly above: number;
}

function usage(used: number, total: number): Usage {
  const percent = (used / total) * 100;
  return { percent, below: percent / 2, above: (percent + 100) / 2 };
}

/** /proc/sys/fs/file-nr's allocated handles vs file-max. */
export function fdUsage(): Usage & { max: number } {
  const [allocated = 0] = numbers('/proc/sys/fs/file-nr');
  const [max = 0] = numbers('/proc/sys/fs/file-max');
  return { ...usage(allocated, max), max };
}

/** Threads (loadavg's "running/total") vs min(pid_max, threads-max). */
export function pidUsage(): Usage & { limit: number } {
  const threads = Number(read('/proc/loadavg').split(/\s+/)[3]?.split('/')[1]);
  const limit = Math.min(...numbers('/proc/sys/kernel/pid_max'), ...numbers('/proc/sys/kernel/threads-max'));
  return { ...usage(threads, limit), limit };
}

/** MemTotal − MemAvailable vs MemTotal. */
export function memoryUsage(): Usage & { totalMiB: number } {
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(read('/proc/meminfo'))?.[1]);
  const total = field('MemTotal');
  return { ...usage(total - field('MemAvailable'), total), totalMiB: Math.round(total / 1024) };
}

const CONNTRACK_MAX = '/proc/sys/net/netfilter/nf_conntrack_max';
/** nf_conntrack_count vs max; undefined when the module is not loaded. */
export function conntrackUsage(): (Usage & { max: number }) | undefined {
  if (!existsSync(CONNTRACK_MAX)) return undefined;
  const [max = 0] = numbers(CONNTRACK_MAX);
  const [count = 0] = numbers('/proc/sys/net/netfilter/nf_conntrack_count');
  return { ...usage(count, max), max };
}

/** The filesystems of `paths` (absent ones skipped, "/" always), deduplicated as df would. */
function filesystems(paths: readonly string[]): StatsFs[] {
  const seen = new Map<string, StatsFs>();
  for (const path of paths) {
    if (path !== '/' && !existsSync(path)) continue;
    const s = statfsSync(path);
    seen.set([s.blocks, s.bfree, s.bavail, s.bsize, s.files, s.ffree].join(), s);
  }
  return [...seen.values()];
}

/** The fullest of the filesystems (space as df counts it: used / (used + available)). */
export function diskUsage(paths: readonly string[]): Usage {
  const ratios = filesystems(paths).map((s) => (s.blocks - s.bfree) / (s.blocks - s.bfree + s.bavail));
  return usage(Math.max(...ratios), 1);
}

/** The fullest inode table of the filesystems (those without one, files = 0, are skipped). */
export function inodeUsage(paths: readonly string[]): Usage | undefined {
  const ratios = filesystems(paths)
    .filter((s) => s.files > 0)
    .map((s) => (s.files - s.ffree) / s.files);
  return ratios.length > 0 ? usage(Math.max(...ratios), 1) : undefined;
}

/** Every process's comm (as /proc/[pid]/comm shows it). */
export function processComms(): Set<string> {
  const names = new Set<string>();
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      names.add(read(`/proc/${pid}/comm`).trim());
    } catch {
      // exited meanwhile
    }
  }
  return names;
}

export interface Expected {
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason?: string;
  readonly message?: string;
}

/** ntp_check: a time daemon runs (and timesyncd alone is synchronized), else installed-but-down, else Unknown. */
export function expectedNtp(checkSync: boolean): Expected {
  const comms = processComms();
  const running = ['chronyd', 'ntpd', 'systemd-timesyn'].filter((c) => comms.has(c));
  if (running.length > 0) {
    const timesyncdOnly = running.every((c) => c === 'systemd-timesyn');
    if (checkSync && timesyncdOnly && existsSync('/run/systemd/timesync') && !existsSync('/run/systemd/timesync/synchronized'))
      return { status: 'True', reason: 'NTPIsDown' };
    return { status: 'False' };
  }
  const binaries = [
    '/usr/sbin/chronyd',
    '/sbin/chronyd',
    '/usr/sbin/ntpd',
    '/sbin/ntpd',
    '/usr/lib/systemd/systemd-timesyncd',
    '/lib/systemd/systemd-timesyncd',
  ];
  if (binaries.some((b) => existsSync(b))) return { status: 'True', reason: 'NTPIsDown' };
  return { status: 'Unknown', message: 'no time synchronization daemon found (chronyd, ntpd, systemd-timesyncd)' };
}

/** irqbalance_check: needed above one online CPU. */
export function expectedIrqbalance(): Expected {
  const online = read('/sys/devices/system/cpu/online').trim();
  const cpus = online
    .split(',')
    .map((part) => part.split('-').map(Number))
    .reduce((sum, [from = 0, to]) => sum + (to === undefined ? 1 : to - from + 1), 0);
  if (cpus <= 1) return { status: 'False', message: 'single CPU, irqbalance not needed' };
  return processComms().has('irqbalance')
    ? { status: 'False' }
    : {
        status: 'True',
        reason: 'IRQBalanceNotRunning',
        message: `irqbalance is not running on a node with ${cpus} CPUs (needed above 1)`,
      };
}

/** nvidia_gpu_check without the driver; undefined (not predictable here) on a GPU node. */
export function expectedNvidia(): Expected | undefined {
  return existsSync('/proc/driver/nvidia')
    ? undefined
    : { status: 'Unknown', message: 'no NVIDIA driver on this node (/proc/driver/nvidia absent)' };
}

/** csi_hang_check with no CSI plug-in and no CSI volume: nothing can hang. Undefined on a node with CSI. */
export function expectedCsi(pluginDir: string): Expected | undefined {
  const mounts = existsSync('/proc/1/mounts') ? read('/proc/1/mounts') : read('/proc/mounts');
  return !existsSync(pluginDir) && !mounts.includes('kubernetes.io~csi') ? { status: 'False' } : undefined;
}

const decided = (u: Usage, threshold: number): boolean => Math.abs(u.percent - threshold) > 5;

/**
 * The status of every check this machine decides with the given settings: the fixed facts, and
 * the ratios that are more than 5 points off their threshold (closer ones the per-check tests cover
 * with thresholds either side of the measured value).
 */
export function expectedOnThisMachine(s: CheckSettings): Record<string, Expected['status']> {
  const out: Record<string, Expected['status']> = {
    ntp_check: expectedNtp(s.ntp_check_sync).status,
    irqbalance_check: expectedIrqbalance().status,
    network_problem_check: 'Unknown',
    // One probe cannot see a process in D or Z for the 3 consecutive checks the condition needs.
    ps_hang_check: 'False',
    zombie_check: 'False',
  };
  const ratio = (name: string, u: Usage | undefined, threshold: number, strict = true): void => {
    if (u && decided(u, threshold)) out[name] = (strict ? u.percent > threshold : u.percent >= threshold) ? 'True' : 'False';
  };
  const conntrack = conntrackUsage();
  if (conntrack) {
    delete out.network_problem_check;
    ratio('network_problem_check', conntrack, s.conntrack_warning_percentage, false);
  }
  const nvidia = expectedNvidia();
  if (nvidia) out.nvidia_gpu_check = nvidia.status;
  const csi = expectedCsi(s.csi_plugin_dir);
  if (csi) out.csi_hang_check = csi.status;
  ratio('fd_check', fdUsage(), s.check_fd_warning_percentage);
  ratio('pid_pressure_check', pidUsage(), s.pid_warning_percentage);
  ratio('memory_pressure_check', memoryUsage(), s.memory_warning_percentage);
  ratio('disk_pressure_check', diskUsage(s.disk_check_paths), s.disk_warning_percentage);
  ratio('inodes_usage_check', inodeUsage(s.inode_check_paths), s.inode_warning_percentage ?? s.inode_warning_percenage ?? 80);
  return out;
}
