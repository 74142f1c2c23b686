import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { diskUsage } from '../testing/this-machine.ts';
import type { FsUsage } from './common.ts';
import { createDiskPressureCheck } from './disk-pressure.ts';
import { fixtureFs, only, probeOnce } from './testing.ts';

const GiB = 1024 ** 3;
/** A filesystem of `size` GiB with `used` GiB used and 5% reserved for root. */
function disk(size: number, used: number): FsUsage {
  const bsize = 4096;
  const blocks = (size * GiB) / bsize;
  const bfree = ((size - used) * GiB) / bsize;
  return { blocks, bfree, bavail: bfree - blocks * 0.05, bsize, files: 1000, ffree: 900 };
}

describe('disk_pressure_check', () => {
  it('is healthy below the threshold', async () => {
    const check = createDiskPressureCheck({ statfs: async () => disk(100, 40) });
    assert.deepEqual(only(await probeOnce(check, fixtureFs('healthy'))), { type: 'NodeDiskPressure', status: 'False' });
  });

  it('counts space like df (used / (used + available)) and names the path', async () => {
    const check = createDiskPressureCheck({ paths: ['/'], statfs: async () => disk(100, 88) });
    const condition = only(await probeOnce(check, fixtureFs('healthy')));
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'NodeHasDiskPressure');
    assert.equal(condition.message, 'disk usage of / 92% (88.0/95.0 GiB) above 90%');
  });

  it('is Unknown when / cannot be statfs-ed', async () => {
    const check = createDiskPressureCheck({ statfs: async () => Promise.reject(Object.assign(new Error('x'), { code: 'EACCES' })) });
    assert.deepEqual(only(await probeOnce(check, fixtureFs('healthy'))), {
      type: 'NodeDiskPressure',
      status: 'Unknown',
      message: 'cannot statfs /: EACCES',
    });
  });

  it('runs on this machine: True below the fullest filesystem statfs shows, False above it', async () => {
    const paths = ['/', '/var/lib/kubelet', '/var/lib/containerd', '/var/lib/docker', '/tmp'];
    const { below, above } = diskUsage(paths);
    const low = only(await probeOnce(createDiskPressureCheck({ warningPercentage: below, paths }), createHostFs('/')));
    assert.equal(low.status, 'True');
    assert.equal(low.reason, 'NodeHasDiskPressure');
    assert.match(low.message ?? '', /^disk usage of \/\S* \d+% \(\d+\.\d\/\d+\.\d GiB\) above /);
    assert.equal(only(await probeOnce(createDiskPressureCheck({ warningPercentage: above, paths }), createHostFs('/'))).status, 'False');
  });
});
