import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { createConntrackCheck } from './conntrack.ts';
import { assertWellFormed, fixtureFs, only, probeOnce } from './testing.ts';

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

  it('runs on this machine', async () => {
    const check = createConntrackCheck();
    assertWellFormed(check, await probeOnce(check, createHostFs('/')));
  });
});
