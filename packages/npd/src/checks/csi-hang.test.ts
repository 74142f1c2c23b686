import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createHostFs, type HostFs } from '../hostfs.ts';
import { expectedCsi } from '../testing/this-machine.ts';
import { createCsiHangCheck, csiMountPoints } from './csi-hang.ts';
import { copyFixture, only, probeOnce } from './testing.ts';

const POD_VOLUME = '/var/lib/kubelet/pods/0d6f2a4e-1111-2222-3333-444455556666/volumes/kubernetes.io~csi/pv-nas/mount';
const GLOBAL = '/var/lib/kubelet/plugins/kubernetes.io/csi/diskplugin.csi.alibabacloud.com/abc123/globalmount';

async function tree(): Promise<Awaited<ReturnType<typeof copyFixture>>> {
  const t = await copyFixture(undefined);
  await mkdir(join(t.root, 'proc/1'), { recursive: true });
  await writeFile(
    join(t.root, 'proc/1/mounts'),
    [
      '/dev/vda1 / ext4 rw,relatime 0 0',
      `nas.example.com:/share ${POD_VOLUME} nfs rw,vers=3 0 0`,
      `/dev/vdb ${GLOBAL} ext4 rw 0 0`,
      '/dev/vdc /var/lib/kubelet/pods/x/volumes/kubernetes.io~empty-dir/cache ext4 rw 0 0',
      '',
    ].join('\n'),
  );
  await mkdir(join(t.root, POD_VOLUME), { recursive: true });
  await mkdir(join(t.root, GLOBAL), { recursive: true });
  return t;
}

/** HostFs whose statfs of some paths never answers (or answers late), counting calls. */
function withStatfs(hostfs: HostFs, behaviour: (path: string) => 'hang' | number | undefined): HostFs & { calls: string[] } {
  const calls: string[] = [];
  return {
    ...hostfs,
    calls,
    statfs: async (path) => {
      calls.push(path);
      const b = behaviour(path);
      if (b === 'hang') return new Promise(() => {});
      if (typeof b === 'number') await delay(b);
      return hostfs.statfs(path);
    },
  };
}

describe('csi_hang_check', () => {
  const servers: Server[] = [];
  after(async () => {
    for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
  });

  async function plugin(root: string, driver: string): Promise<void> {
    const dir = join(root, 'var/lib/kubelet/plugins', driver);
    await mkdir(dir, { recursive: true });
    const server = createServer((socket) => socket.end());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(join(dir, 'csi.sock'), resolve));
  }

  it('finds CSI volume mounts in the mount table', () => {
    const mounts = `x ${POD_VOLUME.replace('pv-nas', 'pv\\040nas')} nfs rw 0 0\ny ${GLOBAL} ext4 rw 0 0\nz /data ext4 rw 0 0\n`;
    assert.deepEqual(csiMountPoints(mounts), [GLOBAL, POD_VOLUME.replace('pv-nas', 'pv nas')]);
  });

  it('is healthy when plug-in sockets accept and volumes answer statfs', async () => {
    await using t = await tree();
    await plugin(t.root, 'diskplugin.csi.alibabacloud.com');
    const hostfs = withStatfs(t.hostfs, () => undefined);
    const result = await probeOnce(createCsiHangCheck(), hostfs);
    assert.deepEqual(only(result), { type: 'IOHang', status: 'False' });
    assert.deepEqual(hostfs.calls.sort(), [GLOBAL, POD_VOLUME]);
    assert.deepEqual(result.events, []);
  });

  it('reports IOHang for a socket nobody answers on', async () => {
    await using t = await tree();
    const dir = join(t.root, 'var/lib/kubelet/plugins/nasplugin.csi.alibabacloud.com');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'csi.sock'), ''); // left behind by a dead plug-in
    const condition = only(await probeOnce(createCsiHangCheck(), t.hostfs));
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'IOHang');
    assert.match(
      condition.message ?? '',
      /^CSI plugin socket \/var\/lib\/kubelet\/plugins\/nasplugin\.csi\.alibabacloud\.com\/csi\.sock not answering within 5000ms \(ECONNREFUSED\)$/,
    );
  });

  it('reports IOHang for a volume whose statfs hangs, without piling up statfs calls', async () => {
    await using t = await tree();
    const hostfs = withStatfs(t.hostfs, (path) => (path === POD_VOLUME ? 'hang' : undefined));
    const check = createCsiHangCheck({ timeoutMs: 50 });
    const first = only(await probeOnce(check, hostfs));
    assert.equal(first.status, 'True');
    assert.equal(first.message, `CSI volume ${POD_VOLUME} statfs not answering within 50ms`);
    const second = only(await probeOnce(check, hostfs));
    assert.equal(second.message, `CSI volume ${POD_VOLUME} statfs still hanging since an earlier check (timeout 50ms)`);
    assert.equal(hostfs.calls.filter((p) => p === POD_VOLUME).length, 1);
  });

  it('posts SlowIO for a slow but answering volume', async () => {
    await using t = await tree();
    const hostfs = withStatfs(t.hostfs, (path) => (path === GLOBAL ? 60 : undefined));
    const result = await probeOnce(createCsiHangCheck({ slowMs: 20 }), hostfs);
    assert.equal(only(result).status, 'False');
    assert.equal(result.events?.length, 1);
    assert.equal(result.events?.[0]?.reason, 'SlowIO');
    assert.match(result.events?.[0]?.message ?? '', new RegExp(`^CSI volume ${GLOBAL} statfs took \\d+ms \\(slow above 20ms\\)$`));
  });

  it('is Unknown when no mount table can be read', async () => {
    await using t = await copyFixture(undefined);
    const condition = only(await probeOnce(createCsiHangCheck(), t.hostfs));
    assert.equal(condition.status, 'Unknown');
    assert.equal(condition.message, 'cannot read /proc/1/mounts or /proc/mounts: ENOENT');
  });

  it('runs on this machine: nothing to hang without CSI plug-ins or volumes, else a decided status', async () => {
    const check = createCsiHangCheck({ timeoutMs: 2000 });
    const condition = only(await probeOnce(check, createHostFs('/')));
    const expected = expectedCsi('/var/lib/kubelet/plugins');
    if (expected) assert.deepEqual(condition, { type: 'IOHang', ...expected });
    else assert.notEqual(condition.status, 'Unknown', condition.message);
  });
});
