/** One log record, from kmsg, journald or a file. */
export interface LogLine {
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly message: string;
}

/**
 * A source of log lines. `watch` throws SourceUnavailableError when the source cannot be
 * read at all (no /dev/kmsg, no journalctl); the monitor then reports Unknown and retries.
 */
export interface LogWatcher {
  readonly name: string;
  /** `onReady` is called once the source is open (before any line). */
  watch(signal: AbortSignal, onReady?: () => void): AsyncIterable<LogLine>;
}

/** Where a watcher starts: NPD's max(boot + delay, now − lookback); lookback 0 means "from now". */
export function startTime(options: { now: number; boot: number; lookbackMs: number; delayMs: number }): number {
  return Math.max(options.boot + options.delayMs, options.now - options.lookbackMs);
}
