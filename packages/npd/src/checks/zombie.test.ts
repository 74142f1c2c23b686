import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { waitFor } from '@ack-npd/testkit';
import { createHostFs } from '../hostfs.ts';
import { fixtureFs, only, probeOnce } from './testing.ts';
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

  it('runs on this machine: finds a zombie this test leaves unreaped, across consecutive checks', async () => {
    // sh starts a child that exits at once, then becomes `sleep`, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & exec sleep 60'], { stdio: 'ignore' });
    try {
      let zombie = 0;
      await waitFor(
        'the zombie child',
        async () => {
          const [pid] = (await readFile(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8')).trim().split(/\s+/);
          const stat = pid ? await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '') : '';
          zombie = Number(pid);
          return / Z /.test(stat);
        },
        { timeoutMs: 10_000 },
      );
      const check = createZombieCheck({ threshold: 1, consecutiveChecks: 2, scanMaxAgeMs: 0 });
      assert.equal(only(await probeOnce(check, createHostFs('/'))).status, 'False', 'seen once');
      const condition = only(await probeOnce(check, createHostFs('/')));
      assert.equal(condition.status, 'True');
      assert.equal(condition.reason, 'ZombieProcessPressure');
      assert.match(condition.message ?? '', new RegExp(`\\b${zombie}\\b`));
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
