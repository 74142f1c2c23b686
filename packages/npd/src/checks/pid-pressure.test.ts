import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { createPidPressureCheck } from './pid-pressure.ts';
import { assertWellFormed, fixtureFs, only, probeOnce } from './testing.ts';

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

  it('runs on this machine', async () => {
    const check = createPidPressureCheck();
    assertWellFormed(check, await probeOnce(check, createHostFs('/')));
  });
});
