import { closeSync, openSync, readSync } from 'node:fs';
import { connect } from 'node:net';
import { monotonicMs } from '@ack-npd/core';
import type { HostFs } from '../hostfs.ts';
import type { ConditionDefault } from '../types.ts';
import type { ProbeCondition } from './probe.ts';

/**
 * Input a check could not use (file missing, unreadable, malformed). Probes catch it and
 * report their condition Unknown with the message, which always names the file.
 */
export class CheckInputError extends Error {
  readonly code = 'ERR_CHECK_INPUT';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CheckInputError';
  }
}

export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return errorCode(error) ?? error.message;
  return String(error);
}

/** Reads a host file; failures become CheckInputError("cannot read <path>: ENOENT"). */
export async function readHostFile(hostfs: HostFs, path: string): Promise<string> {
  try {
    return await hostfs.readFile(path);
  } catch (error) {
    throw new CheckInputError(`cannot read ${path}: ${errorText(error)}`, { cause: error });
  }
}

/** Whitespace-separated unsigned integers of a /proc file ("file-nr", "nf_conntrack_max"). */
export async function readNumbers(hostfs: HostFs, path: string, count: number): Promise<number[]> {
  const text = await readHostFile(hostfs, path);
  const fields = text.trim().split(/\s+/).slice(0, count);
  if (fields.length < count || fields.some((f) => !/^\d+$/.test(f))) {
    throw new CheckInputError(`malformed ${path}: expected ${count} number(s), got ${JSON.stringify(text.trim().slice(0, 80))}`);
  }
  return fields.map(Number);
}

/** Floor of the percentage, as messages show it ("91%"). */
export function pct(used: number, total: number): number {
  return total > 0 ? Math.floor((used / total) * 100) : 0;
}

export function unknownCondition(type: string, message: string): ProbeCondition {
  return { type, status: 'Unknown', message };
}

/** Runs a probe body; a CheckInputError turns every listed condition Unknown with its message. */
export async function guard(
  conditions: readonly ConditionDefault[],
  body: () => Promise<readonly ProbeCondition[]>,
): Promise<ProbeCondition[]> {
  try {
    return [...(await body())];
  } catch (error) {
    if (error instanceof CheckInputError) return conditions.map((c) => unknownCondition(c.type, error.message));
    throw error;
  }
}

export interface ProcessInfo {
  readonly pid: number;
  readonly comm: string;
  /** Single-letter state from /proc/[pid]/stat (R, S, D, Z, ...). */
  readonly state: string;
  /** Start time in clock ticks after boot (22nd field): (pid, starttime) names a process across pid reuse. */
  readonly starttime: string;
}

/** Parses /proc/[pid]/stat: "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split at the last ')'. */
export function parseProcStat(text: string): ProcessInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const state = rest[0];
  // rest[0] is field 3 (state); starttime is field 22.
  const starttime = rest[19];
  if (!Number.isInteger(pid) || !state || state.length !== 1 || starttime === undefined) return undefined;
  return { pid, comm: text.slice(open + 1, close), state, starttime };
}

/** The numeric entries of /proc (one readdir). */
export async function listPids(hostfs: HostFs): Promise<number[]> {
  let names: string[];
  try {
    names = await hostfs.readdir('/proc');
  } catch (error) {
    throw new CheckInputError(`cannot list /proc: ${errorText(error)}`, { cause: error });
  }
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}

/**
 * Every process's stat (one small read each). Processes that exit during the scan are skipped;
 * a stat that parses as nothing is skipped too (counted in `malformed`).
 */
export async function readProcesses(hostfs: HostFs): Promise<{ processes: ProcessInfo[]; malformed: number }> {
  const pids = await listPids(hostfs);
  const processes: ProcessInfo[] = [];
  let malformed = 0;
  const buffer = Buffer.allocUnsafe(2048);
  for (let i = 0; i < pids.length; i++) {
    // A long process table does not hold the event loop in one piece.
    if (i > 0 && i % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
    let text: string;
    try {
      text = readSmallSync(hostfs.resolve(`/proc/${pids[i]}/stat`), buffer);
    } catch {
      continue; // exited between readdir and read
    }
    const info = parseProcStat(text);
    if (info) processes.push(info);
    else malformed++;
  }
  processes.sort((a, b) => a.pid - b.pid);
  return { processes, malformed };
}

/**
 * One read of a small /proc file: open, read, close, synchronously. /proc/<pid>/stat is produced
 * from kernel memory without taking the process's mm lock, so it never blocks; through the thread
 * pool the three calls cost ~5x the CPU (a dispatch, a wake-up and a promise each), which over a
 * process table every check cycle was most of the agent's CPU per cycle.
 */
function readSmallSync(path: string, buffer: Buffer): string {
  const fd = openSync(path, 'r');
  try {
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
  } finally {
    closeSync(fd);
  }
}

/** How long one /proc scan is shared between the checks that need it (they run on the same tick). */
export const SCAN_SHARE_MS = 2000;
const scans = new WeakMap<HostFs, { at: number; scan: Promise<{ processes: ProcessInfo[]; malformed: number }> }>();

/**
 * The process table, scanned at most once per SCAN_SHARE_MS per host root: ntp_check,
 * irqbalance_check, ps_hang_check and zombie_check all read it, and one scan serves them all.
 */
export function scanProcesses(hostfs: HostFs, maxAgeMs = SCAN_SHARE_MS): Promise<{ processes: ProcessInfo[]; malformed: number }> {
  const now = monotonicMs();
  const cached = scans.get(hostfs);
  if (cached && now - cached.at < maxAgeMs) return cached.scan;
  const scan = readProcesses(hostfs);
  scans.set(hostfs, { at: now, scan });
  // A failed scan is not shared: the next caller tries again.
  scan.catch(() => scans.delete(hostfs));
  return scan;
}

/** Drops the shared scan of a host root (benchmarks measure a full cycle's cost). */
export function forgetProcessScan(hostfs: HostFs): void {
  scans.delete(hostfs);
}

/** Names (`comm` from /proc/[pid]/stat, truncated by the kernel to 15 chars) of every process. */
export async function processNames(hostfs: HostFs): Promise<Set<string>> {
  const { processes } = await scanProcesses(hostfs);
  return new Set(processes.map((p) => p.comm));
}

export async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Tracks items seen in consecutive probes: an item counts once it was present `needed` probes in a row. */
export class ConsecutiveTracker<T> {
  #streaks = new Map<string, { item: T; count: number }>();
  readonly #needed: number;
  constructor(needed: number) {
    this.#needed = needed;
  }
  /** Records this probe's items (keyed) and returns those seen in `needed` consecutive probes. */
  observe(items: ReadonlyMap<string, T>): T[] {
    const next = new Map<string, { item: T; count: number }>();
    for (const [key, item] of items) next.set(key, { item, count: (this.#streaks.get(key)?.count ?? 0) + 1 });
    this.#streaks = next;
    return [...next.values()].filter((s) => s.count >= this.#needed).map((s) => s.item);
  }
}

/** "123 (nfsd), 456 (java) and 3 more" */
export function describeProcesses(processes: readonly ProcessInfo[], max = 10): string {
  const shown = processes.slice(0, max).map((p) => `${p.pid} (${p.comm})`);
  const more = processes.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

/** Kubelet and container runtime directories checked besides "/" when they exist. */
export const defaultNodePaths = ['/', '/var/lib/kubelet', '/var/lib/containerd', '/var/lib/docker'] as const;

/** The numbers of one filesystem, as statfs(2) gives them. */
export interface FsUsage {
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
  readonly bsize: number;
  readonly files: number;
  readonly ffree: number;
}

export type StatfsSource = (hostPath: string) => Promise<FsUsage>;

export function hostStatfs(hostfs: HostFs): StatfsSource {
  return async (path) => {
    const s = await hostfs.statfs(path);
    return { blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, bsize: s.bsize, files: s.files, ffree: s.ffree };
  };
}

/**
 * statfs of "/" (required) and of each other path that exists; the same filesystem
 * (identical numbers) is reported once, under its first path.
 */
export async function statPaths(paths: readonly string[], statfs: StatfsSource): Promise<{ path: string; usage: FsUsage }[]> {
  const out: { path: string; usage: FsUsage }[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    let usage: FsUsage;
    try {
      usage = await statfs(path);
    } catch (error) {
      if (path !== '/' && errorCode(error) === 'ENOENT') continue;
      throw new CheckInputError(`cannot statfs ${path}: ${errorText(error)}`, { cause: error });
    }
    const values = [usage.blocks, usage.bfree, usage.bavail, usage.bsize, usage.files, usage.ffree];
    if (values.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      throw new CheckInputError(`malformed statfs result for ${path}: ${JSON.stringify(usage)}`);
    }
    const key = values.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, usage });
  }
  return out;
}

/** Opens a TCP or unix-socket connection and closes it; resolves with the time taken, rejects on error or timeout. */
export function tryConnect(
  target: { host: string; port: number } | { path: string },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number> {
  const started = monotonicMs();
  return new Promise<number>((resolve, reject) => {
    const socket = connect(target);
    let done = false;
    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(monotonicMs() - started);
    };
    const onAbort = (): void => finish(new Error('aborted'));
    const timer = setTimeout(() => finish(Object.assign(new Error(`no answer within ${timeoutMs}ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish());
    socket.once('error', (error) => finish(error));
  });
}

/** Runs `work` but gives up after `timeoutMs` (the work itself may go on in the background). */
export function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs}ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
