import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type Clock, systemClock } from '@ack-npd/core';
import { SourceUnavailableError } from '../errors.ts';
import type { HostFs } from '../hostfs.ts';
import { type LogLine, type LogWatcher, startTime } from './watcher.ts';

export interface JournalEntry extends LogLine {
  readonly identifier: string;
}

/** Decodes one `journalctl -o json` line; MESSAGE may be a byte array. */
export function parseJournalLine(line: string): JournalEntry | undefined {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const raw = record.MESSAGE;
  const message = typeof raw === 'string' ? raw : Array.isArray(raw) ? Buffer.from(raw as number[]).toString('utf8') : undefined;
  const usec = Number(record.__REALTIME_TIMESTAMP);
  if (message === undefined || !Number.isFinite(usec)) return undefined;
  return {
    timestamp: Math.floor(usec / 1000),
    message: message.trim(),
    identifier: typeof record.SYSLOG_IDENTIFIER === 'string' ? record.SYSLOG_IDENTIFIER : '',
  };
}

export interface JournalctlOptions {
  readonly hostfs: HostFs;
  /** Journal directory (host path), e.g. /var/log/journal; the system journal when absent or missing. */
  readonly logPath?: string;
  /** SYSLOG_IDENTIFIER to match (the journald plugin's pluginConfig.source). */
  readonly identifier?: string;
  readonly since: number;
  readonly until?: number;
  readonly follow: boolean;
  /** The journalctl binary; tests point this at a fake. */
  readonly command?: string;
}

export async function journalctlArgs(options: JournalctlOptions): Promise<string[]> {
  const args = ['-o', 'json', '--no-pager', '--all', `--since=@${Math.floor(options.since / 1000)}`];
  if (options.until !== undefined) args.push(`--until=@${Math.ceil(options.until / 1000)}`);
  if (options.follow) args.push('--follow');
  const directory = await journalDirectory(options.hostfs, options.logPath);
  // On the real root let journalctl find the system journal itself (it also reads /run/log/journal).
  if (options.hostfs.root !== '/' || (options.logPath && directory === options.logPath)) args.push('-D', options.hostfs.resolve(directory));
  if (options.identifier) args.push(`SYSLOG_IDENTIFIER=${options.identifier}`);
  return args;
}

/**
 * The journal directory to read (host path): the configured one, else /var/log/journal, else
 * /run/log/journal — whichever holds journal files. Throws SourceUnavailableError when none does
 * (journald absent: an empty journal would otherwise look like a healthy node).
 */
export async function journalDirectory(hostfs: HostFs, logPath?: string): Promise<string> {
  for (const dir of [logPath, '/var/log/journal', '/run/log/journal']) {
    if (!dir) continue;
    const entries = await hostfs.readdir(dir).catch(() => []);
    if (entries.length > 0) return dir;
  }
  throw new SourceUnavailableError(
    hostfs.resolve(logPath ?? '/var/log/journal'),
    'no journal files (is journald running with persistent or volatile storage?)',
  );
}

/** Streams journal entries from a `journalctl -o json` child; throws SourceUnavailableError when it cannot run. */
export async function* journalEntries(options: JournalctlOptions, signal: AbortSignal, onReady?: () => void): AsyncIterable<JournalEntry> {
  const command = options.command ?? 'journalctl';
  const child = spawn(command, await journalctlArgs(options), { stdio: ['ignore', 'pipe', 'pipe'], signal });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 2048) stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
  child.once('spawn', () => onReady?.());
  const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      const entry = parseJournalLine(line);
      if (entry) yield entry;
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  const { code, error } = await exited;
  if (signal.aborted) return;
  if (error) throw new SourceUnavailableError(command, `cannot run: ${error.message}`, { cause: error });
  if (code !== 0) throw new SourceUnavailableError(command, `exited with ${code}: ${stderr.trim() || 'no output'}`);
  if (options.follow) throw new SourceUnavailableError(command, 'exited unexpectedly');
}

export interface JournaldWatcherOptions {
  readonly hostfs: HostFs;
  readonly logPath?: string;
  readonly identifier?: string;
  readonly lookbackMs: number;
  readonly delayMs: number;
  readonly boot: () => Promise<number>;
  readonly clock?: Clock;
  readonly command?: string;
}

/** NPD's journald log watcher, as a `journalctl --follow` child (no libsystemd binding needed). */
export function createJournaldWatcher(options: JournaldWatcherOptions): LogWatcher {
  const clock = options.clock ?? systemClock;
  return {
    name: `journald:${options.identifier ?? '*'}`,
    async *watch(signal, onReady) {
      let boot = 0;
      try {
        boot = await options.boot();
      } catch {
        // without a boot time, only lookback bounds the start
      }
      const since = startTime({ now: clock.now(), boot, lookbackMs: options.lookbackMs, delayMs: options.delayMs });
      for await (const entry of journalEntries(
        {
          hostfs: options.hostfs,
          ...(options.logPath ? { logPath: options.logPath } : {}),
          ...(options.identifier ? { identifier: options.identifier } : {}),
          ...(options.command ? { command: options.command } : {}),
          since,
          follow: true,
        },
        signal,
        onReady,
      )) {
        if (entry.timestamp >= since) yield { timestamp: entry.timestamp, message: entry.message };
      }
    },
  };
}
