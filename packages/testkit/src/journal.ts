import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's systemd-journal-remote writes real journal files from journal export format. */
export const JOURNAL_REMOTE = '/lib/systemd/systemd-journal-remote';

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
    await run(JOURNAL_REMOTE, [`--output=${path}`, input]);
  } finally {
    await rm(input, { force: true });
  }
  return path;
}
