#!/usr/bin/env node
// A drop-in for upstream NPD's `log-counter` (cmd/logcounter), so config/systemd-monitor-counter.json
// runs unchanged as a custom plug-in: counts journald lines matching --pattern within --lookback
// (minus --revert-pattern matches, ignoring the --delay after boot); exit 1 when the count reaches
// --count, 0 below it, 3 (Unknown) when the journal cannot be read. Its own entry point: it reads argv.
import { type FlagValues, parseFlags } from '@ack-npd/core';
import { bootTime, createHostFs } from './hostfs.ts';
import { journalEntries } from './logmonitor/journald.ts';

const USAGE = `log-counter: count journald lines (NPD's log-counter)
  --journald-source string   SYSLOG_IDENTIFIER to read (e.g. systemd)
  --log-path string          journal directory (default: the system journal)
  --lookback duration        how far back to count (e.g. 20m)
  --delay duration           ignore lines logged within this long after boot
  --count int                threshold (default 1)
  --pattern string           regular expression to count
  --revert-pattern string    regular expression whose matches subtract from the count
  --host-root string         where the node's / is mounted (default "/")
  --journalctl string        journalctl binary (default "journalctl")
`;

const SPECS = {
  'journald-source': { type: 'string' },
  'log-path': { type: 'string' },
  lookback: { type: 'duration' },
  delay: { type: 'duration' },
  count: { type: 'string' },
  pattern: { type: 'string' },
  'revert-pattern': { type: 'string' },
  'host-root': { type: 'string' },
  journalctl: { type: 'string' },
} as const;

async function main(argv: readonly string[]): Promise<number> {
  let flags: FlagValues<typeof SPECS>;
  try {
    flags = parseFlags(argv, SPECS);
  } catch (error) {
    process.stdout.write(`${(error as Error).message}\n${USAGE}`);
    return 3;
  }
  const lookback = flags.lookback ?? 0;
  const delay = flags.delay ?? 0;
  const count = Number(flags.count ?? '1');
  const pattern = flags.pattern;
  if (!pattern || !Number.isInteger(count)) {
    process.stdout.write(`invalid flags: --pattern is required, --count must be an integer\n${USAGE}`);
    return 3;
  }
  const revert = flags['revert-pattern'];
  const hostfs = createHostFs(flags['host-root'] || '/');
  const now = Date.now();
  const boot = await bootTime(hostfs, now).catch(() => 0);
  const since = Math.max(now - lookback, boot + delay);
  const match = new RegExp(pattern);
  const unmatch = revert ? new RegExp(revert) : undefined;
  let actual = 0;
  try {
    const source = flags['journald-source'];
    const logPath = flags['log-path'];
    const command = flags.journalctl;
    for await (const entry of journalEntries(
      {
        hostfs,
        since,
        follow: false,
        ...(source ? { identifier: source } : {}),
        ...(logPath ? { logPath } : {}),
        ...(command ? { command } : {}),
      },
      new AbortController().signal,
    )) {
      if (entry.timestamp < since) continue;
      if (match.test(entry.message)) actual++;
      else if (unmatch?.test(entry.message)) actual = Math.max(0, actual - 1);
    }
  } catch (error) {
    process.stdout.write((error as Error).message);
    return 3;
  }
  if (actual >= count) {
    process.stdout.write(`Found ${actual} matching logs, which meets the threshold of ${count}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
