import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { expectedNtp } from '../testing/this-machine.ts';
import { createNtpCheck } from './ntp.ts';
import { copyFixture, fixtureFs, only, probeOnce } from './testing.ts';

async function addProcess(root: string, pid: number, comm: string): Promise<void> {
  await mkdir(join(root, 'proc', String(pid)), { recursive: true });
  await writeFile(join(root, 'proc', String(pid), 'comm'), `${comm}\n`);
  await writeFile(
    join(root, 'proc', String(pid), 'stat'),
    `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 4242 1000 20\n`,
  );
}

describe('ntp_check', () => {
  it('is up when chronyd runs', async () => {
    assert.deepEqual(only(await probeOnce(createNtpCheck(), fixtureFs('healthy'))), { type: 'NTPProblem', status: 'False' });
  });

  it('is down when a daemon is installed but none runs', async () => {
    const condition = only(await probeOnce(createNtpCheck(), fixtureFs('pressure')));
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'NTPIsDown');
    assert.equal(condition.message, 'chronyd installed but not running (0 of 1 time daemons in /proc/*/comm)');
  });

  it('is Unknown when no time daemon is installed or running', async () => {
    const condition = only(await probeOnce(createNtpCheck(), fixtureFs('nvidia')));
    assert.equal(condition.status, 'Unknown');
    assert.match(condition.message ?? '', /no time synchronization daemon found/);
  });

  it("uses systemd-timesyncd's synchronized flag (comm truncated to 15 chars)", async () => {
    await using tree = await copyFixture('nvidia');
    await addProcess(tree.root, 77, 'systemd-timesyn');
    await mkdir(join(tree.root, 'run/systemd/timesync'), { recursive: true });
    const down = only(await probeOnce(createNtpCheck(), tree.hostfs));
    assert.equal(down.status, 'True');
    assert.match(down.message ?? '', /not synchronized \(\/run\/systemd\/timesync\/synchronized absent\)/);
    assert.equal(only(await probeOnce(createNtpCheck({ checkSync: false }), tree.hostfs)).status, 'False');
    await writeFile(join(tree.root, 'run/systemd/timesync/synchronized'), '');
    assert.equal(only(await probeOnce(createNtpCheck(), tree.hostfs)).status, 'False');
    await rm(join(tree.root, 'run/systemd/timesync'), { recursive: true });
    assert.equal(
      only(await probeOnce(createNtpCheck(), tree.hostfs)).status,
      'False',
      'older systemd without the flag dir: running is enough',
    );
  });

  it('is Unknown when /proc cannot be listed', async () => {
    assert.match(only(await probeOnce(createNtpCheck(), fixtureFs('does-not-exist'))).message ?? '', /cannot list \/proc: ENOENT/);
  });

  it('runs on this machine: the status its processes and daemon binaries call for', async () => {
    for (const checkSync of [true, false]) {
      const condition = only(await probeOnce(createNtpCheck({ checkSync }), createHostFs('/')));
      const expected = expectedNtp(checkSync);
      assert.equal(condition.status, expected.status);
      assert.equal(condition.reason, expected.reason);
      if (expected.message) assert.equal(condition.message, expected.message);
    }
  });
});
