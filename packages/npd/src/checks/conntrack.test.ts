import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { conntrackUsage } from '../testing/this-machine.ts';
import { createConntrackCheck } from './conntrack.ts';
import { fixtureFs, only, probeOnce } from './testing.ts';

describe('network_problem_check', () => {
  it('is healthy when the conntrack table has room', async () => {
    assert.deepEqual(only(await probeOnce(createConntrackCheck(), fixtureFs('healthy'))), { type: 'ConntrackProblem', status: 'False' });
  });

  it('reports ConntrackFull at or above 90%', async () => {
    const condition = only(await probeOnce(createConntrackCheck(), fixtureFs('pressure')));
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'ConntrackFull');
    assert.equal(condition.message, 'conntrack table 91% full (240000/262144) at or above 90%');
    assert.equal(only(await probeOnce(createConntrackCheck({ warningPercentage: 92 }), fixtureFs('pressure'))).status, 'False');
  });

  it('is Unknown when nf_conntrack is not loaded', async () => {
    const condition = only(await probeOnce(createConntrackCheck(), fixtureFs('nvidia')));
    assert.equal(condition.status, 'Unknown');
    assert.equal(condition.message, 'nf_conntrack is not loaded (/proc/sys/net/netfilter/nf_conntrack_max absent)');
  });

  it('is Unknown when nf_conntrack_max is malformed', async () => {
    const condition = only(await probeOnce(createConntrackCheck(), fixtureFs('malformed')));
    assert.equal(condition.status, 'Unknown');
    assert.match(condition.message ?? '', /malformed \/proc\/sys\/net\/netfilter\/nf_conntrack_max/);
  });

  it('runs on this machine: what /proc/sys/net/netfilter shows, or Unknown naming the absent file', async () => {
    const usage = conntrackUsage();
    if (!usage) {
      assert.deepEqual(only(await probeOnce(createConntrackCheck(), createHostFs('/'))), {
        type: 'ConntrackProblem',
        status: 'Unknown',
        message: 'nf_conntrack is not loaded (/proc/sys/net/netfilter/nf_conntrack_max absent)',
      });
      return;
    }
    const low = only(await probeOnce(createConntrackCheck({ warningPercentage: usage.below }), createHostFs('/')));
    // An idle table (count 0) is at or above 0% only: below is 0 then.
    assert.equal(low.status, 'True');
    assert.equal(low.reason, 'ConntrackFull');
    assert.match(low.message ?? '', new RegExp(`\\(\\d+/${usage.max}\\) at or above `));
    assert.equal(only(await probeOnce(createConntrackCheck({ warningPercentage: usage.above }), createHostFs('/'))).status, 'False');
  });
});
