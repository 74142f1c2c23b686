#!/usr/bin/env node
// A drop-in for upstream NPD's `log-counter` (cmd/logcounter), so config/systemd-monitor-counter.json
// runs unchanged as a custom plug-in: counts journald lines matching --pattern within --lookback
// (minus --revert-pattern matches, ignoring the --delay after boot); exit 1 when the count reaches
// --count, 0 below it, 3 (Unknown) when the journal cannot be read. Its own entry point: it reads argv.
import { parseDuration } from '@ack-npd/core';
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

async function main(argv: readonly string[]): Promise<number> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const match = /^--?([^=]+)(?:=(.*))?$/s.exec(argv[i] ?? '');
    if (!match?.[1]) {
      process.stdout.write(`unexpected argument ${argv[i]}\n${USAGE}`);
      return 3;
    }
    flags.set(match[1], match[2] ?? argv[++i] ?? '');
  }
  const lookback = parseDuration(flags.get('lookback') ?? '0') ?? Number.NaN;
  const delay = parseDuration(flags.get('delay') ?? '0') ?? Number.NaN;
  const count = Number(flags.get('count') ?? '1');
  const pattern = flags.get('pattern');
  if (!pattern || !Number.isFinite(lookback) || !Number.isFinite(delay) || !Number.isInteger(count)) {
    process.stdout.write(`invalid flags\n${USAGE}`);
    return 3;
  }
  const revert = flags.get('revert-pattern');
  const hostfs = createHostFs(flags.get('host-root') || '/');
  const now = Date.now();
  const boot = await bootTime(hostfs, now).catch(() => 0);
  const since = Math.max(now - lookback, boot + delay);
  const match = new RegExp(pattern);
  const unmatch = revert ? new RegExp(revert) : undefined;
  let actual = 0;
  try {
    const source = flags.get('journald-source');
    const logPath = flags.get('log-path');
    const command = flags.get('journalctl');
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
