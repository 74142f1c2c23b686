import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { fdUsage } from '../testing/this-machine.ts';
import { createFdCheck } from './fd.ts';
import { fixtureFs, only, probeOnce } from './testing.ts';

describe('fd_check', () => {
  it('is healthy below the threshold', async () => {
    assert.deepEqual(only(await probeOnce(createFdCheck(), fixtureFs('healthy'))), { type: 'FDPressure', status: 'False' });
  });

  it('reports NodeHasFDPressure with the measured value and the threshold', async () => {
    const condition = only(await probeOnce(createFdCheck(), fixtureFs('pressure')));
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'NodeHasFDPressure');
    assert.equal(condition.message, 'fd usage 91% (917504/1000000) above 80%');
  });

  it('takes the threshold from its options', async () => {
    assert.equal(only(await probeOnce(createFdCheck({ warningPercentage: 95 }), fixtureFs('pressure'))).status, 'False');
  });

  it('is Unknown, naming the file, when file-nr is malformed', async () => {
    const condition = only(await probeOnce(createFdCheck(), fixtureFs('malformed')));
    assert.equal(condition.status, 'Unknown');
    assert.match(condition.message ?? '', /malformed \/proc\/sys\/fs\/file-nr/);
  });

  it('is Unknown, naming the file, when /proc is missing', async () => {
    const condition = only(await probeOnce(createFdCheck(), fixtureFs('does-not-exist')));
    assert.equal(condition.status, 'Unknown');
    assert.match(condition.message ?? '', /cannot read \/proc\/sys\/fs\/file-nr: ENOENT/);
  });

  it('runs on this machine: True below the usage /proc/sys/fs/file-nr shows, False above it', async () => {
    const { below, above, max } = fdUsage();
    const low = only(await probeOnce(createFdCheck({ warningPercentage: below }), createHostFs('/')));
    assert.equal(low.status, 'True');
    assert.equal(low.reason, 'NodeHasFDPressure');
    assert.match(low.message ?? '', new RegExp(`^fd usage \\d+% \\(\\d+/${max}\\) above `));
    assert.deepEqual(only(await probeOnce(createFdCheck({ warningPercentage: above }), createHostFs('/'))), {
      type: 'FDPressure',
      status: 'False',
    });
  });
});
