import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeClock } from '@ack-npd/core/testing/fake-clock';
import { createHostFs } from '../hostfs.ts';
import { silentLogger } from '../testing/logger.ts';
import type { Status } from '../types.ts';
import { kernelMonitorConfig, readonlyMonitorConfig } from './builtin.ts';
import { parseSystemLogMonitorConfig } from './config.ts';
import { createKmsgWatcher, parseKmsgRecord } from './kmsg.ts';
import { createSystemLogMonitor, LogProblemState } from './monitor.ts';

const hostRoot = join(import.meta.dirname, '..', 'fixtures', 'host');
const BOOT = 1_700_000_000_000;
const at = (usec: number) => new Date(BOOT + usec / 1000).toISOString();

/** Runs a kmsg-based monitor over the fixture host's /dev/kmsg (recorded lines) until `count` statuses arrived. */
async function runOverFixture(raw: unknown, count: number): Promise<Status[]> {
  const config = parseSystemLogMonitorConfig(raw, 'kernel-monitor.json');
  const clock = new FakeClock(BOOT + 600_000); // /proc/uptime says 600 s
  const watcher = createKmsgWatcher({ hostfs: createHostFs(hostRoot), lookbackMs: config.lookback, delayMs: config.delay, clock });
  const monitor = createSystemLogMonitor({ config, file: 'kernel-monitor.json', watcher, logger: silentLogger(), clock });
  const controller = new AbortController();
  const statuses: Status[] = [];
  const done = (async () => {
    for await (const status of monitor.run(controller.signal)) statuses.push(status);
  })();
  const deadline = Date.now() + 5000;
  while (statuses.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50)); // nothing more should come
  controller.abort();
  await done;
  return statuses;
}

const summary = (statuses: Status[]) =>
  statuses.flatMap((s) =>
    s.events.map((e) => ({ type: e.severity, reason: e.reason, message: e.message, at: new Date(e.timestamp).toISOString() })),
  );

describe('kmsg records', () => {
  it('parses "pri,seq,usec,flags;msg" and skips dictionary lines', () => {
    assert.deepEqual(parseKmsgRecord('6,1001,400000000,-;eth0: link up'), {
      priority: 6,
      sequence: 1001,
      usec: 400_000_000,
      message: 'eth0: link up',
    });
    assert.deepEqual(parseKmsgRecord('4,7,12,c,more;x;y'), { priority: 4, sequence: 7, usec: 12, message: 'x;y' });
    assert.equal(parseKmsgRecord(' SUBSYSTEM=block'), undefined);
    assert.equal(parseKmsgRecord('garbage'), undefined);
  });
});

describe('built-in kernel monitor over recorded kmsg lines', () => {
  it('emits exactly the OOM, hung task, ext4 and read-only problems within the lookback', async () => {
    const statuses = await runOverFixture(kernelMonitorConfig, 6);
    assert.deepEqual(summary(statuses), [
      {
        type: 'warn',
        reason: 'OOMKilling',
        message:
          'Out of memory: Killed process 1234 (stress) total-vm:1180864kB, anon-rss:1048576kB, file-rss:4kB, shmem-rss:0kB, UID:0 pgtables:2100kB oom_score_adj:0',
        at: at(401_000_000),
      },
      { type: 'warn', reason: 'TaskHung', message: 'INFO: task docker:1235 blocked for more than 120 seconds.', at: at(402_000_000) },
      {
        type: 'warn',
        reason: 'DockerHung',
        message:
          'Node condition KernelDeadlock is now: True, reason: DockerHung, message: "INFO: task docker:1235 blocked for more than 120 seconds."',
        at: at(402_000_000),
      },
      {
        type: 'warn',
        reason: 'Ext4Error',
        message: 'EXT4-fs error (device vda1): ext4_find_entry:1455: inode #2: comm ls: reading directory lblock 0',
        at: at(403_000_000),
      },
      {
        type: 'warn',
        reason: 'FilesystemIsReadOnly',
        message:
          'Node condition ReadonlyFilesystem is now: True, reason: FilesystemIsReadOnly, message: "EXT4-fs (vda1): Remounting filesystem read-only"',
        at: at(404_000_000),
      },
      { type: 'warn', reason: 'TaskHung', message: 'INFO: task jbd2/vda1-8:300 blocked for more than 120 seconds.', at: at(405_000_000) },
    ]);
    const last = statuses.at(-1);
    assert.equal(last?.source, 'kernel-monitor');
    assert.deepEqual(
      last?.conditions.map((c) => [c.type, c.status, c.reason]),
      [
        ['KernelDeadlock', 'True', 'DockerHung'],
        ['ReadonlyFilesystem', 'True', 'FilesystemIsReadOnly'],
        ['XfsShutdown', 'False', 'XfsHasNotShutDown'],
      ],
    );
    assert.equal(last?.conditions[0]?.transition, BOOT + 402_000);
  });

  it('readonly-monitor sets only ReadonlyFilesystem', async () => {
    const statuses = await runOverFixture(readonlyMonitorConfig, 2);
    assert.deepEqual(
      summary(statuses).map((e) => e.reason),
      ['FilesystemIsReadOnly'],
    );
    assert.equal(statuses.at(-1)?.source, 'readonly-monitor');
  });

  it('reports Unknown (not a crash) when /dev/kmsg cannot be opened', async () => {
    const config = parseSystemLogMonitorConfig(kernelMonitorConfig, 'builtin');
    const clock = new FakeClock();
    const watcher = createKmsgWatcher({ hostfs: createHostFs('/nonexistent-root'), lookbackMs: 0, delayMs: 0, clock });
    const monitor = createSystemLogMonitor({ config, file: 'builtin', watcher, logger: silentLogger(), clock });
    const controller = new AbortController();
    const statuses: Status[] = [];
    const done = (async () => {
      for await (const status of monitor.run(controller.signal)) statuses.push(status);
    })();
    const deadline = Date.now() + 3000;
    while (statuses.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await done;
    const conditions = statuses.at(-1)?.conditions ?? [];
    assert.equal(conditions.length, 3);
    for (const c of conditions) {
      assert.equal(c.status, 'Unknown');
      assert.match(c.message, /^log source unavailable: .*\/nonexistent-root\/dev\/kmsg: cannot open/);
    }
  });
});

describe('log rules', () => {
  const line = (message: string, timestamp = 1000) => ({ timestamp, message });

  it('matches multi-line patterns against the buffer, anchored at the end', () => {
    const config = parseSystemLogMonitorConfig(
      {
        plugin: 'kmsg',
        source: 'kernel-monitor',
        bufferSize: 3,
        rules: [{ type: 'temporary', reason: 'KernelOops', pattern: 'BUG: unable to handle page fault for address: \\w+\\n#PF: .*' }],
      },
      'multi.json',
    );
    const state = new LogProblemState(config, 0);
    assert.equal(state.ingest(line('BUG: unable to handle page fault for address: ffff8880', 1)), undefined);
    const status = state.ingest(line('#PF: supervisor read access in kernel mode', 2));
    assert.deepEqual(status?.events, [
      {
        severity: 'warn',
        timestamp: 1,
        reason: 'KernelOops',
        message: 'BUG: unable to handle page fault for address: ffff8880\n#PF: supervisor read access in kernel mode',
      },
    ]);
    // Not at the end any more: an unrelated line does not re-match.
    assert.equal(state.ingest(line('eth0: link up', 3)), undefined);
    // Out of the buffer (3 lines) once enough lines passed: the second half alone does not match.
    state.ingest(line('a', 4));
    state.ingest(line('b', 5));
    assert.equal(state.ingest(line('#PF: supervisor read access in kernel mode', 6)), undefined);
  });

  it('skips lines in the skip list', () => {
    const config = parseSystemLogMonitorConfig(
      {
        plugin: 'kmsg',
        source: 's',
        skipList: ['audit:'],
        rules: [{ type: 'temporary', reason: 'IOError', pattern: 'Buffer I/O error .*' }],
      },
      's.json',
    );
    const state = new LogProblemState(config, 0);
    assert.equal(state.ingest(line('audit: Buffer I/O error on dev sda')), undefined);
    assert.equal(state.ingest(line('Buffer I/O error on dev sda'))?.events[0]?.reason, 'IOError');
  });

  it('recovers a permanent condition with a recovery rule or after its expiry (beyond upstream)', () => {
    const config = parseSystemLogMonitorConfig(
      {
        plugin: 'kmsg',
        source: 'kernel-monitor',
        conditions: [
          { type: 'ReadonlyFilesystem', reason: 'FilesystemIsNotReadOnly', message: 'Filesystem is not read-only', expiry: '1h' },
        ],
        rules: [
          {
            type: 'permanent',
            condition: 'ReadonlyFilesystem',
            reason: 'FilesystemIsReadOnly',
            pattern: 'Remounting filesystem read-only',
          },
          { type: 'recovery', condition: 'ReadonlyFilesystem', pattern: 're-mounted\\. Opts: .*rw.*' },
        ],
      },
      'ro.json',
    );
    const state = new LogProblemState(config, 0);
    assert.equal(state.ingest(line('EXT4-fs (vda1): Remounting filesystem read-only', 10))?.conditions[0]?.status, 'True');
    const recovered = state.ingest(line('EXT4-fs (vda1): re-mounted. Opts: rw,errors=remount-ro', 20));
    assert.deepEqual(recovered?.conditions[0], {
      type: 'ReadonlyFilesystem',
      status: 'False',
      transition: 20,
      reason: 'FilesystemIsNotReadOnly',
      message: 'Filesystem is not read-only',
    });
    assert.equal(recovered?.events[0]?.severity, 'info');

    state.ingest(line('EXT4-fs (vda1): Remounting filesystem read-only', 100));
    assert.equal(state.expire(100 + 3_599_999), undefined);
    const expired = state.expire(100 + 3_600_000);
    assert.equal(expired?.conditions[0]?.status, 'False');
    assert.equal(
      expired?.events[0]?.message,
      'Node condition ReadonlyFilesystem is now: False, reason: FilesystemIsNotReadOnly, message: "Filesystem is not read-only"',
    );
  });

  it('rejects bad configs naming file and field', () => {
    assert.throws(
      () =>
        parseSystemLogMonitorConfig(
          {
            plugin: 'kmsg',
            source: 's',
            rules: [
              { type: 'permanent', condition: 'Nope', reason: 'R', pattern: 'x' },
              { type: 'temporary', reason: 'R', pattern: '(' },
            ],
          },
          '/etc/npd/bad.json',
        ),
      (error: unknown) => {
        const message = (error as Error).message;
        assert.match(message, /^invalid configuration in \/etc\/npd\/bad\.json:/);
        assert.match(message, /rules\[0\]\.condition: permanent problem Nope does not have preset default condition/);
        assert.match(message, /rules\[1\]\.pattern: invalid regular expression/);
        return true;
      },
    );
    assert.throws(() => parseSystemLogMonitorConfig({ plugin: 'syslog', source: 's' }, 'x.json'), /plugin: /);
    assert.throws(
      () => parseSystemLogMonitorConfig({ plugin: 'filelog', source: 's' }, 'f.json'),
      /pluginConfig\.timestamp: required by the filelog plugin/,
    );
  });
});
