import { type FileHandle, open } from 'node:fs/promises';
import { type Clock, systemClock } from '@ack-npd/core';
import { SourceUnavailableError } from '../errors.ts';
import type { HostFs } from '../hostfs.ts';
import { compileGoLayout } from './gotime.ts';
import { type LogLine, type LogWatcher, startTime } from './watcher.ts';

export interface FileLogTranslator {
  translate(line: string): LogLine | undefined;
}

/** NPD's filelog translator: the LAST submatch of `timestamp` parsed with `timestampFormat`, the last of `message`. */
export function createFileLogTranslator(
  pluginConfig: Readonly<Record<string, string>>,
  now: () => Date = () => new Date(),
): FileLogTranslator {
  const timestamp = new RegExp(pluginConfig.timestamp ?? '');
  const message = new RegExp(pluginConfig.message ?? '');
  const layout = compileGoLayout(pluginConfig.timestampFormat ?? '');
  return {
    translate(line) {
      const ts = timestamp.exec(line);
      const msg = message.exec(line);
      if (!ts || !msg) return undefined;
      const parsed = layout.parse(ts[ts.length - 1] ?? '', now());
      if (parsed === undefined) return undefined;
      return { timestamp: parsed, message: (msg[msg.length - 1] ?? '').trim() };
    },
  };
}

export interface FileLogWatcherOptions {
  readonly hostfs: HostFs;
  readonly path: string;
  readonly pluginConfig: Readonly<Record<string, string>>;
  readonly lookbackMs: number;
  readonly delayMs: number;
  readonly boot: () => Promise<number>;
  readonly clock?: Clock;
  readonly pollMs?: number;
}

/** Tails a log file (polling; follows rotation and truncation), keeping lines from the start time on. */
export function createFileLogWatcher(options: FileLogWatcherOptions): LogWatcher {
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? 500;
  const translator = createFileLogTranslator(options.pluginConfig, () => new Date(clock.now()));
  return {
    name: `filelog:${options.path}`,
    async *watch(signal, onReady) {
      const file = options.hostfs.resolve(options.path);
      let boot = 0;
      try {
        boot = await options.boot();
      } catch {
        // lookback alone bounds the start
      }
      const start = startTime({ now: clock.now(), boot, lookbackMs: options.lookbackMs, delayMs: options.delayMs });
      let handle: FileHandle;
      try {
        handle = await open(file, 'r');
      } catch (error) {
        throw new SourceUnavailableError(file, `cannot open: ${(error as Error).message}`, { cause: error });
      }
      onReady?.();
      let inode = (await handle.stat()).ino;
      let position = 0;
      let pending = '';
      const buffer = Buffer.alloc(64 * 1024);
      try {
        while (!signal.aborted) {
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
          if (bytesRead > 0) {
            position += bytesRead;
            pending += buffer.toString('utf8', 0, bytesRead);
            const lines = pending.split('\n');
            pending = lines.pop() ?? '';
            for (const line of lines) {
              const log = translator.translate(line);
              if (log && log.timestamp >= start) yield log;
            }
            continue;
          }
          try {
            await clock.sleep(pollMs, signal);
          } catch {
            return;
          }
          // Rotation (new inode) or truncation: start over on the file now at the path.
          const current = await options.hostfs.stat(options.path).catch(() => undefined);
          if (current && (current.ino !== inode || current.size < position)) {
            await handle.close();
            handle = await open(file, 'r');
            inode = (await handle.stat()).ino;
            position = 0;
            pending = '';
          }
        }
      } finally {
        await handle.close();
      }
    },
  };
}
