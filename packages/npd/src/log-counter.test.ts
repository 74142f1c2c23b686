import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const hostRoot = join(import.meta.dirname, 'fixtures', 'host');
const fake = join(import.meta.dirname, 'fixtures', 'plugins', 'fake-journalctl.sh');

async function logCounter(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await exec(process.execPath, ['--conditions=development', join(import.meta.dirname, 'log-counter.ts'), ...args]);
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe('log-counter (upstream-compatible plug-in)', () => {
  const base = [
    `--host-root=${hostRoot}`,
    `--journalctl=${fake}`,
    '--journald-source=kernel',
    '--lookback=20m',
    '--pattern=Remounting filesystem read-only',
  ];

  it('exits 1 with NPD message when the count reaches the threshold, 0 below it', async () => {
    assert.deepEqual(await logCounter([...base, '--count=1']), {
      code: 1,
      stdout: 'Found 1 matching logs, which meets the threshold of 1\n',
    });
    assert.deepEqual(await logCounter([...base, '--count=2']), { code: 0, stdout: '' });
  });

  it('exits 3 (Unknown) when the journal cannot be read', async () => {
    const result = await logCounter(['--host-root=/nonexistent', '--lookback=20m', '--pattern=x']);
    assert.equal(result.code, 3);
    assert.match(result.stdout, /no journal files/);
  });
});
