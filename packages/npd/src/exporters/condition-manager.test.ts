import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../testing/logger.ts';
import type { Condition } from '../types.ts';
import { ConditionManager } from './condition-manager.ts';
import type { ApiNodeCondition } from './node-api.ts';

const c = (status: Condition['status'], reason = 'R', transition = 0): Condition => ({
  type: 'TestProblem',
  status,
  reason,
  message: 'm',
  transition,
});

function manager(heartbeatMs = 60_000) {
  const patches: ApiNodeCondition[][] = [];
  let fail = 0;
  const m = new ConditionManager({
    heartbeatMs,
    resyncMs: 10_000,
    logger: silentLogger(),
    patch: async (conditions) => {
      if (fail > 0) {
        fail--;
        throw new Error('apiserver down');
      }
      patches.push([...conditions]);
    },
  });
  return { m, patches, failNext: (n = 1) => (fail += n) };
}

describe('ConditionManager', () => {
  it('patches on change, not on repeats of the same conditions', async () => {
    const { m, patches } = manager();
    assert.equal(await m.tick(0), false, 'nothing to write yet');
    m.update([c('False')]);
    assert.equal(await m.tick(1000), true);
    for (let t = 2000; t < 30_000; t += 1000) {
      m.update([c('False')]);
      await m.tick(t);
    }
    assert.equal(patches.length, 1);
    m.update([c('True', 'Broken', 30_000)]);
    await m.tick(30_000);
    assert.equal(patches.length, 2);
    assert.deepEqual(patches[1], [
      {
        type: 'TestProblem',
        status: 'True',
        reason: 'Broken',
        message: 'm',
        lastTransitionTime: '1970-01-01T00:00:30Z',
        lastHeartbeatTime: '1970-01-01T00:00:30Z',
      },
    ]);
  });

  it('heartbeats every period with all conditions, and never more often', async () => {
    const { m, patches } = manager(5000);
    m.update([c('False'), { ...c('False'), type: 'Other' }]);
    for (let t = 0; t <= 20_000; t += 500) await m.tick(t);
    // t=0 (change), then 5000, 10000, 15000, 20000
    assert.equal(patches.length, 5);
    assert.ok(patches.every((p) => p.length === 2));
    assert.equal(patches[4]?.[0]?.lastHeartbeatTime, '1970-01-01T00:00:20Z');
  });

  it('retries after a failure at the resync period, with everything', async () => {
    const { m, patches, failNext } = manager();
    failNext(2);
    m.update([c('True')]);
    await m.tick(0);
    await m.tick(5000);
    assert.equal(patches.length, 0, 'no retry before 10s');
    await m.tick(10_000);
    assert.equal(patches.length, 0, 'second attempt failed too');
    await m.tick(15_000);
    await m.tick(20_000);
    assert.equal(patches.length, 1);
    await m.tick(25_000);
    assert.equal(patches.length, 1, 'back to heartbeat rhythm');
  });

  it('a message that moves alone (same status, reason, transition) waits for the heartbeat, which carries it', async () => {
    const { m, patches } = manager(60_000);
    const at = (message: string): Condition => ({ ...c('True', 'NodeHasFDPressure', 1000), message });
    m.update([at('fd usage 91%')]);
    await m.tick(1000);
    assert.equal(patches.length, 1);
    for (let t = 2000; t < 61_000; t += 1000) {
      m.update([at(`fd usage ${91 + Math.floor(t / 10_000)}%`)]);
      await m.tick(t);
    }
    assert.equal(patches.length, 1, 'no PATCH for message drift before the heartbeat');
    await m.tick(61_000);
    assert.equal(patches.length, 2);
    assert.equal(patches[1]?.[0]?.message, 'fd usage 97%', 'the heartbeat carries the fresh message');
    assert.equal(patches[1]?.[0]?.lastTransitionTime, '1970-01-01T00:00:01Z');
    // A status change still PATCHes at once.
    m.update([{ ...c('False', 'NodeHasNoFDPressure', 62_000), message: 'node has no fd pressure' }]);
    await m.tick(62_000);
    assert.equal(patches.length, 3);
  });
});
