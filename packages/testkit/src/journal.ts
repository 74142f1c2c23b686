import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's systemd-journal-remote writes real journal files from journal export format. */
export const JOURNAL_REMOTE = '/lib/systemd/systemd-journal-remote';
const JOURNAL_REMOTE_PATHS = [JOURNAL_REMOTE, '/usr/lib/systemd/systemd-journal-remote'];

/** The systemd-journal-remote binary, `apt-get install`ed (under the shared dpkg flock) when absent. */
export async function journalRemote(): Promise<string> {
  const found = JOURNAL_REMOTE_PATHS.find((b) => existsSync(b));
  if (found) return found;
  const script =
    'dpkg -s systemd-journal-remote >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd-journal-remote; }';
  await run('flock', ['/var/lib/dpkg/ack-npd-apt.lock', 'sh', '-c', script], { timeout: 600_000 });
  const installed = JOURNAL_REMOTE_PATHS.find((b) => existsSync(b));
  if (!installed) throw new Error('systemd-journal-remote is not installed and apt-get could not install it');
  return installed;
}

export interface JournalRecord {
  /** Wall-clock time of the entry, ms since the epoch. */
  readonly time: number;
  readonly identifier: string;
  readonly message: string;
}

/**
 * Writes `records` as a real journal file at `path` (its name must end in `.journal`), the way a
 * node's journald would have them, so the real `journalctl --directory` reads them back.
 */
export async function writeJournalFile(path: string, records: readonly JournalRecord[]): Promise<string> {
  const bootId = '0123456789abcdef0123456789abcdef';
  const exported = records
    .map((record, index) =>
      [
        `__REALTIME_TIMESTAMP=${Math.round(record.time * 1000)}`,
        `__MONOTONIC_TIMESTAMP=${index + 1}`,
        `_BOOT_ID=${bootId}`,
        '_HOSTNAME=testkit',
        `SYSLOG_IDENTIFIER=${record.identifier}`,
        `MESSAGE=${record.message.replaceAll('\n', ' ')}`,
        '',
        '',
      ].join('\n'),
    )
    .join('');
  await mkdir(dirname(path), { recursive: true });
  await rm(path, { force: true });
  const input = `${path}.export`;
  await writeFile(input, exported);
  try {
    await run(await journalRemote(), ['--split-mode=none', `--output=${path}`, input]);
  } finally {
    await rm(input, { force: true });
  }
  return path;
}
