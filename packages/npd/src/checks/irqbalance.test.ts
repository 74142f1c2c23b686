import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { expectedIrqbalance } from '../testing/this-machine.ts';
import { countCpuList, createIrqbalanceCheck } from './irqbalance.ts';
import { copyFixture, fixtureFs, only, probeOnce } from './testing.ts';

describe('irqbalance_check', () => {
  it('counts CPU lists', () => {
    assert.equal(countCpuList('0'), 1);
    assert.equal(countCpuList('0-3,8,10-11\n'), 7);
    assert.equal(countCpuList('x-y'), undefined);
  });

  it('is healthy when irqbalance runs on a multi-CPU node', async () => {
    assert.deepEqual(only(await probeOnce(createIrqbalanceCheck(), fixtureFs('healthy'))), { type: 'IRQBalanceProblem', status: 'False' });
  });

  it('reports IRQBalanceNotRunning with the CPU count', async () => {
    const condition = only(await probeOnce(createIrqbalanceCheck(), fixtureFs('pressure')));
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'IRQBalanceNotRunning');
    assert.equal(condition.message, 'irqbalance is not running on a node with 4 CPUs (needed above 1)');
  });

  it('is OK on a single CPU, and falls back to /proc/cpuinfo', async () => {
    await using tree = await copyFixture('pressure');
    await rm(join(tree.root, 'sys/devices/system/cpu/online'));
    await writeFile(join(tree.root, 'proc/cpuinfo'), 'processor\t: 0\nvendor_id\t: GenuineIntel\n\n');
    assert.deepEqual(only(await probeOnce(createIrqbalanceCheck(), tree.hostfs)), {
      type: 'IRQBalanceProblem',
      status: 'False',
      message: 'single CPU, irqbalance not needed',
    });
  });

  it('is Unknown when the CPU list is malformed', async () => {
    const condition = only(await probeOnce(createIrqbalanceCheck(), fixtureFs('malformed')));
    assert.equal(condition.status, 'Unknown');
    assert.match(condition.message ?? '', /malformed \/sys\/devices\/system\/cpu\/online/);
  });

  it('runs on this machine: the status its online CPUs and processes call for', async () => {
    const condition = only(await probeOnce(createIrqbalanceCheck(), createHostFs('/')));
    const expected = expectedIrqbalance();
    assert.deepEqual(condition, { type: 'IRQBalanceProblem', ...expected });
  });
});
