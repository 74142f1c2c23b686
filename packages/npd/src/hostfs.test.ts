import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bootTime, createHostFs } from './hostfs.ts';

describe('HostFs', () => {
  it('resolves host paths under the root and never above it', () => {
    const hostfs = createHostFs('/host');
    assert.equal(hostfs.resolve('/proc/stat'), '/host/proc/stat');
    assert.equal(hostfs.resolve('proc/stat'), '/host/proc/stat');
    assert.equal(hostfs.resolve('/../../etc/shadow'), '/host/etc/shadow');
    assert.equal(createHostFs('/').resolve('/proc/stat'), '/proc/stat');
  });

  it('reads the fixture tree', async () => {
    const hostfs = createHostFs(join(import.meta.dirname, 'fixtures', 'host'));
    assert.match(await hostfs.readFile('/proc/stat'), /^btime 1700000000$/m);
    assert.equal(await hostfs.exists('/dev/kmsg'), true);
    assert.equal(await hostfs.exists('/dev/nope'), false);
    assert.ok((await hostfs.readdir('/proc')).includes('uptime'));
    assert.ok((await hostfs.statfs('/')).blocks > 0);
  });

  it('boot time: /proc/stat btime, else now − /proc/uptime', async () => {
    assert.equal(await bootTime(createHostFs(join(import.meta.dirname, 'fixtures', 'host'))), 1_700_000_000_000);
    const root = mkdtempSync(join(tmpdir(), 'npd-host-'));
    mkdirSync(join(root, 'proc'));
    writeFileSync(join(root, 'proc', 'stat'), 'cpu 1 2 3\n');
    writeFileSync(join(root, 'proc', 'uptime'), '123.50 456.00\n');
    assert.equal(await bootTime(createHostFs(root), 1_000_000), 1_000_000 - 123_500);
  });
});
