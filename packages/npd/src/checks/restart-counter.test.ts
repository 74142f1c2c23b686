import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { type JournalEntry, parseJournalLine } from '../logmonitor/journald.ts';
import { silentLogger } from '../testing/logger.ts';
import type { Status } from '../types.ts';
import { createProbeMonitor } from './probe.ts';
import { createRestartCounterCheck } from './restart-counter.ts';

const hostfs = createHostFs(join(import.meta.dirname, '..', 'fixtures', 'host'));
const BOOT = 1_700_000_000_000; // fixture /proc/stat btime
const MIN = 60_000;

function fakeJournal(entries: JournalEntry[]) {
  const queries: { identifier?: string; since: number }[] = [];
  return {
    queries,
    journal: async function* (options: { identifier?: string; since: number }) {
      queries.push({ ...(options.identifier ? { identifier: options.identifier } : {}), since: options.since });
      for (const e of entries) if (e.timestamp >= options.since) yield e;
    },
  };
}

const started = (at: number, message: string): JournalEntry => ({ timestamp: at, message, identifier: 'systemd' });

describe('journald lines', () => {
  it('decodes journalctl -o json, byte-array messages included', () => {
    assert.deepEqual(
      parseJournalLine('{"MESSAGE":"Started kubelet.service.","__REALTIME_TIMESTAMP":"1700000000123456","SYSLOG_IDENTIFIER":"systemd"}'),
      {
        timestamp: 1_700_000_000_123,
        message: 'Started kubelet.service.',
        identifier: 'systemd',
      },
    );
    assert.equal(parseJournalLine('{"MESSAGE":[104,105],"__REALTIME_TIMESTAMP":"1000"}')?.message, 'hi');
    assert.equal(parseJournalLine('not json'), undefined);
  });
});

describe('restart counter (log-counter)', () => {
  it('FrequentKubeletRestart at 5 starts within 20 minutes, ignoring the first 5 minutes after boot', async () => {
    const now = BOOT + 60 * MIN;
    const entries = [
      // at boot: inside the delay, not counted
      started(BOOT + MIN, 'Started kubelet.service - Kubernetes kubelet.'),
      ...[45, 48, 50, 55, 58].map((m) => started(BOOT + m * MIN, 'Started kubelet.service - Kubernetes kubelet.')),
      ...[50, 52, 54, 56].map((m) => started(BOOT + m * MIN, 'Starting containerd.service - containerd container runtime...')),
      started(BOOT + 30 * MIN, 'Starting docker.service...'),
    ];
    const { journal, queries } = fakeJournal(entries);
    const check = createRestartCounterCheck({ journal });
    const result = await check.probe({ hostfs, now, signal: new AbortController().signal, logger: silentLogger() });
    assert.deepEqual(result.conditions, [
      {
        type: 'FrequentKubeletRestart',
        status: 'True',
        reason: 'FrequentKubeletRestart',
        message: 'kubelet restarted 5 times in the last 20m0s (threshold 5)',
      },
      { type: 'FrequentDockerRestart', status: 'False' },
      { type: 'FrequentContainerdRestart', status: 'False' },
    ]);
    assert.deepEqual(queries, [{ identifier: 'systemd', since: now - 20 * MIN }]);
  });

  it('kubelet restarts right after boot are not counted', async () => {
    const now = BOOT + 10 * MIN;
    const entries = [1, 2, 3, 4, 4.5, 6].map((m) => started(BOOT + m * MIN, 'Started Kubernetes kubelet.'));
    const check = createRestartCounterCheck({ journal: fakeJournal(entries).journal });
    const result = await check.probe({ hostfs, now, signal: new AbortController().signal, logger: silentLogger() });
    assert.equal(result.conditions?.[0]?.status, 'False');
  });

  it('Unknown when the journal cannot be read, with a reason that says so (not the healthy NoFrequent…Restart)', async () => {
    const check = createRestartCounterCheck({
      // biome-ignore lint/correctness/useYield: a journal that fails before its first entry
      journal: async function* () {
        throw new Error('journalctl: No journal files were found.');
      },
    });
    const monitor = createProbeMonitor(check, { hostfs, logger: silentLogger() });
    const stop = new AbortController();
    const statuses: Status[] = [];
    for await (const status of monitor.run(stop.signal)) {
      statuses.push(status);
      if (statuses.length === 2) stop.abort();
    }
    assert.deepEqual(
      statuses[1]?.conditions.map((c) => [c.type, c.status, c.reason, c.message]),
      ['FrequentKubeletRestart', 'FrequentDockerRestart', 'FrequentContainerdRestart'].map((type) => [
        type,
        'Unknown',
        `${type}Unknown`,
        'restart_counter failed: journalctl: No journal files were found.',
      ]),
    );
  });
});
