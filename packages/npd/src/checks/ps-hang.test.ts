import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { parseProcStat } from './common.ts';
import { createPsHangCheck } from './ps-hang.ts';
import { copyFixture, fixtureFs, only, probeOnce } from './testing.ts';

describe('parseProcStat', () => {
  it('splits at the last parenthesis (comm may contain spaces and parentheses)', () => {
    const info = parseProcStat('300 (kworker/0:1 (x)) D 1 300 300 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 1234300 1000000 200');
    assert.deepEqual(info, { pid: 300, comm: 'kworker/0:1 (x)', state: 'D', starttime: '1234300' });
    assert.equal(parseProcStat('garbage'), undefined);
  });
});

describe('ps_hang_check', () => {
  it('needs the D state to persist for N consecutive checks', async () => {
    const check = createPsHangCheck();
    const hostfs = fixtureFs('pressure');
    assert.equal(only(await probeOnce(check, hostfs)).status, 'False');
    assert.equal(only(await probeOnce(check, hostfs)).status, 'False');
    const condition = only(await probeOnce(check, hostfs));
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'PSProcessIsHung');
    assert.equal(
      condition.message,
      '12 processes in D state for 3 consecutive checks (threshold 10): 1001 (nfs-io-1001), 1002 (nfs-io-1002), 1003 (nfs-io-1003), ' +
        '1004 (nfs-io-1004), 1005 (nfs-io-1005), 1006 (nfs-io-1006), 1007 (nfs-io-1007), 1008 (nfs-io-1008), 1009 (nfs-io-1009), ' +
        '1010 (nfs-io-1010) and 2 more',
    );
  });

  it('stays healthy below the count threshold (a single D process)', async () => {
    const check = createPsHangCheck({ consecutiveChecks: 1 });
    assert.equal(only(await probeOnce(check, fixtureFs('healthy'))).status, 'False');
    const one = createPsHangCheck({ consecutiveChecks: 1, threshold: 1 });
    assert.equal(
      only(await probeOnce(one, fixtureFs('healthy'))).message,
      '1 processes in D state for 1 consecutive checks (threshold 1): 300 (kworker/0:1 (x))',
    );
  });

  it('forgets a process that left the D state (the streak restarts)', async () => {
    await using tree = await copyFixture('healthy');
    const check = createPsHangCheck({ threshold: 1, consecutiveChecks: 2, scanMaxAgeMs: 0 });
    const stat = join(tree.root, 'proc/300/stat');
    assert.equal(only(await probeOnce(check, tree.hostfs)).status, 'False');
    await writeFile(stat, '300 (kworker/0:1 (x)) S 1 300 300 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 1234300 1000000 200\n');
    assert.equal(only(await probeOnce(check, tree.hostfs)).status, 'False');
    await writeFile(stat, '300 (kworker/0:1 (x)) D 1 300 300 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 1234300 1000000 200\n');
    assert.equal(only(await probeOnce(check, tree.hostfs)).status, 'False');
    assert.equal(only(await probeOnce(check, tree.hostfs)).status, 'True');
  });

  it('is Unknown when /proc cannot be listed', async () => {
    const condition = only(await probeOnce(createPsHangCheck(), fixtureFs('does-not-exist')));
    assert.equal(condition.status, 'Unknown');
    assert.match(condition.message ?? '', /cannot list \/proc: ENOENT/);
  });

  it('runs on this machine: False after one scan (a process counts after 3 consecutive ones)', async () => {
    assert.deepEqual(only(await probeOnce(createPsHangCheck({ threshold: 1 }), createHostFs('/'))), { type: 'ProcessD', status: 'False' });
  });
});
