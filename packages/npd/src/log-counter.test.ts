import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { writeJournalFile } from '@ack-npd/testkit';

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

  it('exits 3 naming a bad flag (Go durations)', async () => {
    const result = await logCounter([...base, '--lookback=20 minutes']);
    assert.equal(result.code, 3);
    assert.match(result.stdout, /--lookback: "20 minutes" is not a duration \(time: unknown unit " minutes" in duration "20 minutes"\)/);
  });

  it("counts a kubelet restart burst in a real journal file (systemd-journal-remote + the real journalctl), as upstream's systemd-monitor-counter runs it", async () => {
    const root = await mkdtemp(join(tmpdir(), 'npd-logcounter-'));
    try {
      const now = Date.now();
      await mkdir(join(root, 'proc'));
      await writeFile(join(root, 'proc', 'stat'), `btime ${Math.floor(now / 1000) - 86_400}\n`);
      await writeJournalFile(
        join(root, 'var', 'log', 'journal', 'system.journal'),
        [25, 15, 12, 9, 5, 1].map((m) => ({ time: now - m * 60_000, identifier: 'systemd', message: 'Started Kubernetes kubelet.' })),
      );
      const args = [
        `--host-root=${root}`,
        '--journald-source=systemd',
        '--lookback=20m',
        '--delay=5m',
        '--pattern=Started Kubernetes kubelet',
      ];
      assert.deepEqual(await logCounter([...args, '--count=5']), {
        code: 1,
        stdout: 'Found 5 matching logs, which meets the threshold of 5\n',
      });
      assert.deepEqual(await logCounter([...args, '--count=6']), { code: 0, stdout: '' }, 'the start 25 minutes ago is outside --lookback');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
