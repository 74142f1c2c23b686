import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { expectedNvidia } from '../testing/this-machine.ts';
import type { Status } from '../types.ts';
import { createNvidiaGpuCheck, parseXid } from './nvidia-gpu.ts';
import { createProbeMonitor } from './probe.ts';
import { copyFixture, fixtureFs, only, probeOnce, silentLogger } from './testing.ts';

describe('nvidia_gpu_check', () => {
  it('parses Xid lines', () => {
    assert.deepEqual(parseXid('NVRM: Xid (PCI:0000:3b:00): 79, pid=0, GPU has fallen off the bus.'), {
      xid: 79,
      device: 'PCI:0000:3b:00',
      detail: 'pid=0, GPU has fallen off the bus.',
    });
    assert.deepEqual(parseXid('NVRM: Xid (0000:03:00): 14, Channel 00000001'), {
      xid: 14,
      device: '0000:03:00',
      detail: 'Channel 00000001',
    });
    assert.equal(parseXid('NVRM: loading NVIDIA UNIX x86_64 Kernel Module'), undefined);
  });

  it('is Unknown on a node without the NVIDIA driver', async () => {
    const check = createNvidiaGpuCheck();
    assert.deepEqual(only(await probeOnce(check, fixtureFs('healthy'))), {
      type: 'NvidiaXidError',
      status: 'Unknown',
      message: 'no NVIDIA driver on this node (/proc/driver/nvidia absent)',
    });
    await check.close();
  });

  it('as a condition, Unknown carries the reason NvidiaXidErrorUnknown (not the healthy NodeHasNoNvidiaXidError)', async () => {
    const check = createNvidiaGpuCheck();
    const monitor = createProbeMonitor(check, { hostfs: fixtureFs('healthy'), logger: silentLogger });
    const stop = new AbortController();
    const statuses: Status[] = [];
    for await (const status of monitor.run(stop.signal)) {
      statuses.push(status);
      if (statuses.length === 2) stop.abort();
    }
    await check.close();
    assert.deepEqual(
      statuses.map((s) => s.conditions.map((c) => [c.type, c.status, c.reason])),
      [[['NvidiaXidError', 'False', 'NodeHasNoNvidiaXidError']], [['NvidiaXidError', 'Unknown', 'NvidiaXidErrorUnknown']]],
    );
  });

  it('posts each Xid once, sets the condition for fatal ones, and remembers both across a restart', async () => {
    await using t = await copyFixture('nvidia');
    const check = createNvidiaGpuCheck();
    const first = await probeOnce(check, t.hostfs);
    assert.deepEqual(first.events, [
      {
        severity: 'info',
        reason: 'NvidiaXidError',
        message:
          'Xid 13 (informational) on PCI:0000:3b:00: pid=4242, name=python, Graphics SM Warp Exception on (GPC 0, TPC 0, SM 0): Out Of Range Address',
      },
      { severity: 'warn', reason: 'NvidiaXidError', message: 'Xid 79 (fatal) on PCI:0000:3b:00: pid=0, GPU has fallen off the bus.' },
    ]);
    const condition = only(first);
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'NvidiaXidError');
    assert.match(
      condition.message ?? '',
      /^1 fatal NVIDIA Xid error\(s\) this boot, codes 79 \(fatal set: 48,61,.*\); last: Xid 79 on PCI:0000:3b:00/,
    );
    const state = JSON.parse(await readFile(join(t.root, 'var/lib/ack-npd/nvidia-xid.json'), 'utf8'));
    assert.equal(state.bootId, '4b1f7e3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b');
    assert.equal(state.lastSequence, 1204);

    assert.deepEqual((await probeOnce(check, t.hostfs)).events, [], 'nothing new');
    await appendFile(
      join(t.root, 'dev/kmsg'),
      '4,1205,8000000,-;NVRM: Xid (PCI:0000:5e:00): 31, pid=77, name=train, Ch 00000010, intr 10000000. MMU Fault\n',
    );
    const third = await probeOnce(check, t.hostfs);
    assert.equal(third.events?.length, 1);
    assert.match(third.events?.[0]?.message ?? '', /^Xid 31 \(informational\) on PCI:0000:5e:00/);
    await check.close();

    const restarted = createNvidiaGpuCheck();
    const after = await probeOnce(restarted, t.hostfs);
    assert.deepEqual(after.events, [], 'a restarted agent does not re-post processed Xids');
    assert.equal(only(after).status, 'True', 'and still knows the fatal Xid of this boot');
    await restarted.close();

    await writeFile(join(t.root, 'proc/sys/kernel/random/boot_id'), '00000000-0000-0000-0000-000000000001\n');
    const rebooted = createNvidiaGpuCheck();
    assert.equal((await probeOnce(rebooted, t.hostfs)).events?.length, 3, 'another boot starts over');
    await rebooted.close();
  });

  it('reads a plain log file (syslog) and does not re-post after a restart', async () => {
    await using t = await copyFixture('nvidia');
    await mkdir(join(t.root, 'var/log'), { recursive: true });
    await writeFile(
      join(t.root, 'var/log/messages'),
      'Nov 23 10:00:01 node kernel: NVRM: Xid (PCI:0000:3b:00): 48, pid=0, DBE (double bit error) ECC error\nNov 23 10:00:02 node kernel: eth0 up\n',
    );
    const options = { logPath: '/var/log/messages', fatalXids: [48] };
    const check = createNvidiaGpuCheck(options);
    const result = await probeOnce(check, t.hostfs);
    assert.equal(result.events?.length, 1);
    assert.equal(only(result).status, 'True');
    await check.close();
    const restarted = createNvidiaGpuCheck(options);
    assert.deepEqual((await probeOnce(restarted, t.hostfs)).events, []);
    await restarted.close();
  });

  it('treats Xids outside the fatal set as informational only', async () => {
    await using t = await copyFixture('nvidia');
    const check = createNvidiaGpuCheck({ fatalXids: [48] });
    const result = await probeOnce(check, t.hostfs);
    assert.deepEqual(only(result), { type: 'NvidiaXidError', status: 'False' });
    assert.deepEqual(
      result.events?.map((e) => e.severity),
      ['info', 'info'],
    );
    await check.close();
  });

  it('is Unknown when the boot id or the log cannot be read', async () => {
    const noBootId = createNvidiaGpuCheck();
    assert.deepEqual(only(await probeOnce(noBootId, fixtureFs('malformed'))), {
      type: 'NvidiaXidError',
      status: 'Unknown',
      message: 'cannot read /proc/sys/kernel/random/boot_id: ENOENT',
    });
    const noLog = createNvidiaGpuCheck({ logPath: '/var/log/absent' });
    assert.deepEqual(only(await probeOnce(noLog, fixtureFs('nvidia'))), {
      type: 'NvidiaXidError',
      status: 'Unknown',
      message: 'cannot open /var/log/absent: ENOENT',
    });
  });

  it('runs on this machine: Unknown naming the absent driver, or (on a GPU node) a decided status', async () => {
    await using t = await copyFixture(undefined);
    const check = createNvidiaGpuCheck({ stateFile: join(t.root, 'xid.json') });
    const condition = only(await probeOnce(check, createHostFs('/')));
    await check.close();
    const expected = expectedNvidia();
    if (expected) assert.deepEqual(condition, { type: 'NvidiaXidError', ...expected });
    else assert.notEqual(condition.status, 'Unknown', condition.message);
  });
});
