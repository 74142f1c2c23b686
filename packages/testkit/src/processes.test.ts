import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { processAlive } from './processes.ts';
import { waitFor } from './wait.ts';

describe('ProcessGroups watchdog', () => {
  it('kills every component group (grandchildren too) and removes the work dir when the owner is SIGKILLed', async () => {
    const owner = spawn(process.execPath, ['--conditions=development', join(import.meta.dirname, 'fixtures', 'owner.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      owner.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      owner.once('exit', () => reject(new Error('owner exited early')));
    });
    const { workDir, pids } = JSON.parse(line) as { workDir: string; pids: number[] };
    let grandchild = 0;
    await waitFor(
      'grandchild pid in the log',
      () => {
        grandchild = Number(readFileSync(join(workDir, 'forker.log'), 'utf8').trim());
        return grandchild > 0;
      },
      { timeoutMs: 5000 },
    );
    for (const pid of [...pids, grandchild]) assert.ok(processAlive(pid), `${pid} runs before the kill`);

    owner.kill('SIGKILL');
    await waitFor(
      'every process gone and the dir removed',
      () => [...pids, grandchild].every((pid) => !processAlive(pid)) && !existsSync(workDir),
      {
        timeoutMs: 10_000,
      },
    );
  });
});
