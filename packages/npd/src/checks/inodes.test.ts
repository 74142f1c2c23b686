import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { inodeUsage } from '../testing/this-machine.ts';
import type { FsUsage, StatfsSource } from './common.ts';
import { createInodesCheck } from './inodes.ts';
import { assertWellFormed, fixtureFs, only, probeOnce } from './testing.ts';

const fs = (files: number, ffree: number, blocks = 1000): FsUsage => ({ blocks, bfree: 500, bavail: 400, bsize: 4096, files, ffree });
const enoent = (path: string): Error => Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });

function statfsOf(table: Record<string, FsUsage | Error>): StatfsSource {
  return async (path) => {
    const value = table[path] ?? enoent(path);
    if (value instanceof Error) throw value;
    return value;
  };
}

describe('inodes_usage_check', () => {
  it('is healthy when every filesystem has free inodes', async () => {
    const check = createInodesCheck({ statfs: statfsOf({ '/': fs(1000, 900), '/var/lib/kubelet': fs(2000, 1500, 2000) }) });
    assert.deepEqual(only(await probeOnce(check, fixtureFs('healthy'))), { type: 'InodesPressure', status: 'False' });
  });

  it('names each filesystem over the threshold; absent dirs are skipped', async () => {
    const check = createInodesCheck({
      statfs: statfsOf({ '/': fs(1000, 100), '/var/lib/containerd': fs(5000, 4500, 7000), '/var/lib/kubelet': fs(1000, 50, 3000) }),
    });
    const condition = only(await probeOnce(check, fixtureFs('healthy')));
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'NodeHasInodesPressure');
    assert.equal(condition.message, 'inode usage of / 90% (900/1000) above 80%; inode usage of /var/lib/kubelet 95% (950/1000) above 80%');
  });

  it('reports one filesystem once when dirs share it, and ignores filesystems without inodes', async () => {
    const root = fs(1000, 100);
    const check = createInodesCheck({ statfs: statfsOf({ '/': root, '/var/lib/kubelet': root, '/var/lib/docker': fs(0, 0) }) });
    assert.equal(only(await probeOnce(check, fixtureFs('healthy'))).message, 'inode usage of / 90% (900/1000) above 80%');
  });

  it('is Unknown when / cannot be statfs-ed or gives nonsense', async () => {
    const failing = createInodesCheck({ statfs: statfsOf({ '/': Object.assign(new Error('EIO'), { code: 'EIO' }) }) });
    assert.deepEqual(only(await probeOnce(failing, fixtureFs('healthy'))), {
      type: 'InodesPressure',
      status: 'Unknown',
      message: 'cannot statfs /: EIO',
    });
    const nonsense = createInodesCheck({ statfs: statfsOf({ '/': fs(Number.NaN, 1) }) });
    assert.match(only(await probeOnce(nonsense, fixtureFs('healthy'))).message ?? '', /malformed statfs result for \//);
  });

  it('statfs-es the fixture tree through HostFs by default', async () => {
    const check = createInodesCheck({ paths: ['/'] });
    assertWellFormed(check, await probeOnce(check, fixtureFs('healthy')));
  });

  it('runs on this machine: True below the fullest inode table statfs shows, False above it', async () => {
    const paths = ['/', '/var/lib/kubelet', '/var/lib/containerd', '/var/lib/docker', '/tmp'];
    const usage = inodeUsage(paths);
    if (!usage) {
      // No filesystem here with an inode table (btrfs everywhere): nothing can be under inode pressure.
      assert.equal(only(await probeOnce(createInodesCheck({ warningPercentage: 1, paths }), createHostFs('/'))).status, 'False');
      return;
    }
    const low = only(await probeOnce(createInodesCheck({ warningPercentage: usage.below, paths }), createHostFs('/')));
    assert.equal(low.status, 'True');
    assert.equal(low.reason, 'NodeHasInodesPressure');
    assert.equal(only(await probeOnce(createInodesCheck({ warningPercentage: usage.above, paths }), createHostFs('/'))).status, 'False');
  });
});
