import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { type Clock, systemClock } from '@ack-npd/core';
import { SourceUnavailableError } from '../errors.ts';
import { bootTime, type HostFs } from '../hostfs.ts';
import { type LogLine, type LogWatcher, startTime } from './watcher.ts';

export interface KmsgRecord {
  readonly priority: number;
  readonly sequence: number;
  /** Microseconds since boot. */
  readonly usec: number;
  readonly message: string;
}

/**
 * Parses one /dev/kmsg record "pri,seq,usec,flags[,...];message". Continuation lines
 * (" KEY=value" dictionary entries) and malformed lines give undefined.
 */
export function parseKmsgRecord(line: string): KmsgRecord | undefined {
  if (line === '' || line.startsWith(' ')) return undefined;
  const semicolon = line.indexOf(';');
  if (semicolon < 0) return undefined;
  const [pri, seq, usec] = line.slice(0, semicolon).split(',');
  const priority = Number(pri);
  const sequence = Number(seq);
  const micros = Number(usec);
  if (!Number.isInteger(priority) || !Number.isInteger(sequence) || !Number.isFinite(micros)) return undefined;
  return { priority, sequence, usec: micros, message: line.slice(semicolon + 1).trim() };
}

export interface KmsgWatcherOptions {
  readonly hostfs: HostFs;
  /** Host path; /dev/kmsg unless the config's logPath says otherwise. */
  readonly path?: string;
  readonly lookbackMs: number;
  readonly delayMs: number;
  readonly clock?: Clock;
  /**
   * Longest wait between reads when no record is pending (kmsg is read non-blocking): after a
   * record the watcher looks again within 100 ms, then backs off, doubling, to this (2 s), so an
   * idle node wakes each reader once every 2 s rather than twice a second.
   */
  readonly pollMs?: number;
}

/**
 * Reads /dev/kmsg non-blocking (no libuv thread is parked on it), converting boot-relative
 * timestamps with /proc/stat btime (or /proc/uptime). A regular file of records works the same
 * (tests, replays); at its end the watcher polls for more.
 */
export function createKmsgWatcher(options: KmsgWatcherOptions): LogWatcher {
  const clock = options.clock ?? systemClock;
  const hostPath = options.path ?? '/dev/kmsg';
  const maxPollMs = options.pollMs ?? 2000;
  const minPollMs = Math.min(100, maxPollMs);
  return {
    name: `kmsg:${hostPath}`,
    async *watch(signal, onReady) {
      const file = options.hostfs.resolve(hostPath);
      let handle: FileHandle;
      try {
        handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch (error) {
        throw new SourceUnavailableError(file, `cannot open: ${(error as Error).message}`, { cause: error });
      }
      try {
        let boot: number;
        try {
          boot = await bootTime(options.hostfs, clock.now());
        } catch (error) {
          throw new SourceUnavailableError(file, `cannot read boot time: ${(error as Error).message}`, { cause: error });
        }
        const start = startTime({ now: clock.now(), boot, lookbackMs: options.lookbackMs, delayMs: options.delayMs });
        onReady?.();
        const buffer = Buffer.alloc(16 * 1024);
        let pending = '';
        let pollMs = minPollMs;
        while (!signal.aborted) {
          let bytes = 0;
          try {
            ({ bytesRead: bytes } = await handle.read(buffer, 0, buffer.length, null));
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            // EPIPE: records were overwritten before we read them; the next read continues.
            if (code === 'EPIPE') continue;
            if (code !== 'EAGAIN') throw new SourceUnavailableError(file, `read failed: ${(error as Error).message}`, { cause: error });
          }
          if (bytes === 0) {
            try {
              await clock.sleep(pollMs, signal);
            } catch {
              return;
            }
            pollMs = Math.min(pollMs * 2, maxPollMs);
            continue;
          }
          pollMs = minPollMs;
          pending += buffer.toString('utf8', 0, bytes);
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            const record = parseKmsgRecord(line);
            if (!record) continue;
            const timestamp = Math.floor(boot + record.usec / 1000);
            if (timestamp < start) continue;
            yield { timestamp, message: record.message } satisfies LogLine;
          }
        }
      } finally {
        await handle.close();
      }
    },
  };
}
