import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { memoryUsage } from '../testing/this-machine.ts';
import { createMemoryPressureCheck } from './memory-pressure.ts';
import { fixtureFs, only, probeOnce } from './testing.ts';

describe('memory_pressure_check', () => {
  it('is healthy when enough memory is available', async () => {
    assert.deepEqual(only(await probeOnce(createMemoryPressureCheck(), fixtureFs('healthy'))), {
      type: 'NodeMemoryPressure',
      status: 'False',
    });
  });

  it('reports NodeHasMemoryPressure with MemAvailable and the threshold', async () => {
    const condition = only(await probeOnce(createMemoryPressureCheck(), fixtureFs('pressure')));
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'NodeHasMemoryPressure');
    assert.equal(condition.message, 'memory usage 90% (879/977 MiB, MemAvailable 98 MiB) above 80%');
    assert.equal(only(await probeOnce(createMemoryPressureCheck({ warningPercentage: 95 }), fixtureFs('pressure'))).status, 'False');
  });

  it('is Unknown when MemAvailable is missing', async () => {
    const condition = only(await probeOnce(createMemoryPressureCheck(), fixtureFs('malformed')));
    assert.equal(condition.status, 'Unknown');
    assert.match(condition.message ?? '', /malformed \/proc\/meminfo: MemTotal or MemAvailable missing/);
  });

  it('runs on this machine: True below the usage /proc/meminfo shows, False above it', async () => {
    const { below, above, totalMiB } = memoryUsage();
    const low = only(await probeOnce(createMemoryPressureCheck({ warningPercentage: below }), createHostFs('/')));
    assert.equal(low.status, 'True');
    assert.equal(low.reason, 'NodeHasMemoryPressure');
    assert.match(low.message ?? '', new RegExp(`^memory usage \\d+% \\(\\d+/${totalMiB} MiB, MemAvailable \\d+ MiB\\) above `));
    assert.equal(only(await probeOnce(createMemoryPressureCheck({ warningPercentage: above }), createHostFs('/'))).status, 'False');
  });
});
