import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { pidUsage } from '../testing/this-machine.ts';
import { createPidPressureCheck } from './pid-pressure.ts';
import { fixtureFs, only, probeOnce } from './testing.ts';

describe('pid_pressure_check', () => {
  it('is healthy with few threads', async () => {
    assert.deepEqual(only(await probeOnce(createPidPressureCheck(), fixtureFs('healthy'))), { type: 'NodePIDPressure', status: 'False' });
  });

  it('compares threads with min(pid_max, threads-max)', async () => {
    const condition = only(await probeOnce(createPidPressureCheck(), fixtureFs('pressure')));
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'NodeHasPIDPressure');
    assert.equal(condition.message, 'pid usage 91% (30000/32768 pid_max) above 90%');
  });

  it('is Unknown when /proc/loadavg is malformed', async () => {
    const condition = only(await probeOnce(createPidPressureCheck(), fixtureFs('malformed')));
    assert.equal(condition.status, 'Unknown');
    assert.match(condition.message ?? '', /malformed \/proc\/loadavg/);
  });

  it('runs on this machine: True below the thread usage /proc shows, False above it', async () => {
    const { below, above, limit } = pidUsage();
    const low = only(await probeOnce(createPidPressureCheck({ warningPercentage: below }), createHostFs('/')));
    assert.equal(low.status, 'True');
    assert.equal(low.reason, 'NodeHasPIDPressure');
    assert.match(low.message ?? '', new RegExp(`^pid usage \\d+% \\(\\d+/${limit} (pid_max|threads-max)\\) above `));
    assert.equal(only(await probeOnce(createPidPressureCheck({ warningPercentage: above }), createHostFs('/'))).status, 'False');
  });
});
