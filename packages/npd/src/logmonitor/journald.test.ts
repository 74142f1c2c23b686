import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '@ack-npd/core';
import { type JournalRecord, writeJournalFile } from '@ack-npd/testkit';
import { createWatcher } from '../app.ts';
import { createProbeMonitor } from '../checks/probe.ts';
import { createRestartCounterCheck } from '../checks/restart-counter.ts';
import { SourceUnavailableError } from '../errors.ts';
import { createHostFs } from '../hostfs.ts';
import { silentLogger } from '../testing/logger.ts';
import type { Check, Status } from '../types.ts';
import { kernelMonitorConfig } from './builtin.ts';
import { parseSystemLogMonitorConfig } from './config.ts';
import { createJournaldWatcher } from './journald.ts';
import { createSystemLogMonitor } from './monitor.ts';
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

/** The first statuses of a monitor until `done` says enough (or 30s pass). */
async function collect(check: Check, done: (statuses: Status[]) => boolean): Promise<Status[]> {
  const stop = AbortSignal.timeout(30_000);
  const controller = new AbortController();
  const statuses: Status[] = [];
  for await (const status of check.run(AbortSignal.any([stop, controller.signal]))) {
    statuses.push(status);
    if (done(statuses)) controller.abort();
  }
  return statuses;
}

const conditionOf = (status: Status | undefined, type: string) => status?.conditions.find((c) => c.type === type);

describe('journald against real journal files (systemd-journal-remote writes them, the real journalctl reads them)', () => {
  const MIN = 60_000;
  let root = '';
  const now = Date.now();
  const at = (minutesAgo: number, identifier: string, message: string): JournalRecord => ({
    time: now - minutesAgo * MIN,
    identifier,
    message,
  });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'npd-journal-'));
    await mkdir(join(root, 'proc'), { recursive: true });
    // Booted a day ago: the kubelet's 5-minute start-up grace is long over.
    await writeFile(join(root, 'proc', 'stat'), `cpu  1 2 3 4\nbtime ${Math.floor((now - 24 * 60 * MIN) / 1000)}\n`);
    await writeJournalFile(join(root, 'var', 'log', 'journal', 'system.journal'), [
      // A kubelet restart burst: 5 starts in the last 20 minutes (and an older one outside the window).
      at(40, 'systemd', 'Started kubelet.service - Kubernetes kubelet.'),
      ...[18, 14, 10, 6, 2].map((m) => at(m, 'systemd', 'Started kubelet.service - Kubernetes kubelet.')),
      // containerd restarted 4 times: below the threshold of 5.
      ...[15, 11, 7, 3].map((m) => at(m, 'systemd', 'Starting containerd.service - containerd container runtime...')),
      // Kernel messages, as journald stores them with SYSLOG_IDENTIFIER=kernel.
      at(4, 'kernel', 'EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls: reading directory lblock 0'),
      at(3, 'kernel', 'Memory cgroup out of memory: Killed process 4242 (java) total-vm:4194304kB, anon-rss:520000kB, file-rss:12000kB'),
      at(1, 'kernel', 'XFS (dm-3): Corruption of in-memory data detected. Shutting down filesystem'),
      // Same words from another identifier: not the kernel's.
      at(1, 'myapp', 'EXT4-fs error (device fake): not a kernel line'),
    ]);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('the restart counter sets FrequentKubeletRestart from a kubelet restart burst, and not FrequentContainerdRestart at 4', async () => {
    const monitor = createProbeMonitor(createRestartCounterCheck(), { hostfs: createHostFs(root), logger: silentLogger() });
    const statuses = await collect(monitor, (s) => s.length === 2);
    const probed = statuses[1];
    assert.deepEqual(
      [conditionOf(probed, 'FrequentKubeletRestart')?.status, conditionOf(probed, 'FrequentKubeletRestart')?.reason],
      ['True', 'FrequentKubeletRestart'],
    );
    assert.equal(conditionOf(probed, 'FrequentKubeletRestart')?.message, 'kubelet restarted 5 times in the last 20m0s (threshold 5)');
    assert.equal(conditionOf(probed, 'FrequentContainerdRestart')?.status, 'False');
    assert.equal(conditionOf(probed, 'FrequentDockerRestart')?.status, 'False');
    assert.deepEqual(
      probed?.events.map((e) => e.reason),
      ['FrequentKubeletRestart'],
    );
  });

  it("a journald system-log-monitor (NPD's kernel rules, source kernel) follows the journal: temporary rules as events, permanent as conditions", async () => {
    const config = parseSystemLogMonitorConfig(
      { ...kernelMonitorConfig, plugin: 'journald', logPath: '/var/log/journal', lookback: '10m', pluginConfig: { source: 'kernel' } },
      'kernel-monitor-journald.json',
    );
    const hostfs = createHostFs(root);
    const monitor = createSystemLogMonitor({
      config,
      file: 'kernel-monitor-journald.json',
      watcher: createWatcher(config, hostfs, systemClock),
      logger: silentLogger(),
    });
    const statuses = await collect(monitor, (s) => conditionOf(s.at(-1), 'XfsShutdown')?.status === 'True');
    const events = statuses.flatMap((s) => s.events).map((e) => `${e.reason}: ${e.message}`);
    assert.deepEqual(events.slice(0, 2), [
      'Ext4Error: EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls: reading directory lblock 0',
      'OOMKilling: Memory cgroup out of memory: Killed process 4242 (java) total-vm:4194304kB, anon-rss:520000kB, file-rss:12000kB',
    ]);
    assert.ok(!events.some((e) => e.includes('not a kernel line')), 'SYSLOG_IDENTIFIER=kernel only');
    const xfs = conditionOf(statuses.at(-1), 'XfsShutdown');
    assert.equal(xfs?.reason, 'XfsHasShutdown');
    assert.equal(xfs?.message, 'XFS (dm-3): Corruption of in-memory data detected. Shutting down filesystem');
  });
});
