import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { assertWellFormed, fixtureFs, only, probeOnce } from './testing.ts';
import { createZombieCheck } from './zombie.ts';

describe('zombie_check', () => {
  it('reports ProcessZ when enough zombies stay unreaped', async () => {
    const check = createZombieCheck({ threshold: 3, consecutiveChecks: 2 });
    const hostfs = fixtureFs('pressure');
    assert.equal(only(await probeOnce(check, hostfs)).status, 'False');
    const condition = only(await probeOnce(check, hostfs));
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'ZombieProcessPressure');
    assert.equal(
      condition.message,
      '3 processes are zombies for 2 consecutive checks (threshold 3): 2001 (defunct-a), 2002 (defunct-b), 2003 (defunct-c)',
    );
  });

  it('is healthy below the default threshold of 100', async () => {
    const check = createZombieCheck({ consecutiveChecks: 1 });
    assert.deepEqual(only(await probeOnce(check, fixtureFs('pressure'))), { type: 'ProcessZ', status: 'False' });
  });

  it('is Unknown when /proc cannot be listed', async () => {
    assert.equal(only(await probeOnce(createZombieCheck(), fixtureFs('does-not-exist'))).status, 'Unknown');
  });

  it('runs on this machine', async () => {
    const check = createZombieCheck();
    assertWellFormed(check, await probeOnce(check, createHostFs('/')));
  });
});
