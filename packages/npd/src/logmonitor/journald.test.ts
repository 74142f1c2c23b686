import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SourceUnavailableError } from '../errors.ts';
import { createHostFs } from '../hostfs.ts';
import { createJournaldWatcher } from './journald.ts';
import type { LogLine } from './watcher.ts';

const hostRoot = join(import.meta.dirname, '..', 'fixtures', 'host');
const fake = join(import.meta.dirname, '..', 'fixtures', 'plugins', 'fake-journalctl.sh');

describe('journald watcher', () => {
  it('follows `journalctl -o json` for the SYSLOG_IDENTIFIER, reading the host root journal', async () => {
    const watcher = createJournaldWatcher({
      hostfs: createHostFs(hostRoot),
      identifier: 'kernel',
      lookbackMs: 60_000,
      delayMs: 0,
      boot: async () => 0,
      command: fake,
    });
    const controller = new AbortController();
    const lines: LogLine[] = [];
    let ready = false;
    for await (const line of watcher.watch(controller.signal, () => {
      ready = true;
    })) {
      lines.push(line);
      if (lines.length === 2) controller.abort();
    }
    assert.equal(ready, true);
    assert.match(
      lines[0]?.message ?? '',
      /^args: -o json --no-pager --all --since=@\d+ --follow -D .*fixtures\/host\/var\/log\/journal SYSLOG_IDENTIFIER=kernel$/,
    );
    assert.equal(lines[1]?.message, 'Remounting filesystem read-only');
  });

  it('is unavailable, not crashing, without journal files or journalctl', async () => {
    const noJournal = createJournaldWatcher({
      hostfs: createHostFs('/nonexistent'),
      lookbackMs: 0,
      delayMs: 0,
      boot: async () => 0,
      command: fake,
    });
    await assert.rejects(async () => {
      for await (const _ of noJournal.watch(new AbortController().signal)) break;
    }, SourceUnavailableError);
    const noBinary = createJournaldWatcher({
      hostfs: createHostFs(hostRoot),
      lookbackMs: 0,
      delayMs: 0,
      boot: async () => 0,
      command: '/nonexistent/journalctl',
    });
    await assert.rejects(
      async () => {
        for await (const _ of noBinary.watch(new AbortController().signal)) break;
      },
      (error: unknown) => error instanceof SourceUnavailableError && /cannot run/.test(error.message),
    );
  });
});
