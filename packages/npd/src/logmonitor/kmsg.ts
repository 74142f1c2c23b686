import { type Clock, systemClock } from '@ack-npd/core';
import { SourceUnavailableError } from '../errors.ts';
import { bootTime, type HostFs } from '../hostfs.ts';
import { AsyncQueue } from '../queue.ts';
import { subscribeKmsg } from './kmsg-reader.ts';
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
  /** How the shared reader polls a regular file (fixtures, replays); the device itself is never polled. */
  readonly pollMs?: number;
  /** Tests: read a FIFO as the device is read. */
  readonly streamFifo?: boolean;
}

/**
 * Follows /dev/kmsg through the reader every kmsg monitor shares (kmsg-reader.ts), converting
 * boot-relative timestamps with /proc/stat btime (or /proc/uptime). A regular file of records
 * works the same (tests, replays).
 */
export function createKmsgWatcher(options: KmsgWatcherOptions): LogWatcher {
  const clock = options.clock ?? systemClock;
  const hostPath = options.path ?? '/dev/kmsg';
  return {
    name: `kmsg:${hostPath}`,
    async *watch(signal, onReady) {
      const file = options.hostfs.resolve(hostPath);
      const lines = new AsyncQueue<string>();
      let failure: Error | undefined;
      const unsubscribe = await subscribeKmsg(
        file,
        {
          record: (line) => lines.push(line),
          fail: (error) => {
            failure = error;
            lines.close();
          },
        },
        {
          clock,
          ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
          ...(options.streamFifo ? { streamFifo: true } : {}),
        },
      );
      const stop = (): void => lines.close();
      signal.addEventListener('abort', stop, { once: true });
      if (signal.aborted) stop();
      try {
        let boot: number;
        try {
          boot = await bootTime(options.hostfs, clock.now());
        } catch (error) {
          throw new SourceUnavailableError(file, `cannot read boot time: ${(error as Error).message}`, { cause: error });
        }
        const start = startTime({ now: clock.now(), boot, lookbackMs: options.lookbackMs, delayMs: options.delayMs });
        onReady?.();
        for await (const line of lines) {
          const record = parseKmsgRecord(line);
          if (!record) continue;
          const timestamp = Math.floor(boot + record.usec / 1000);
          if (timestamp < start) continue;
          yield { timestamp, message: record.message } satisfies LogLine;
        }
        if (failure && !signal.aborted) throw failure;
      } finally {
        signal.removeEventListener('abort', stop);
        unsubscribe();
      }
    },
  };
}
