// The image's app directory, assembled without Docker, runs on its own.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

describe('scripts/assemble-app', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  for (const program of ['npd', 'eventer']) {
    it(`assembles ${program} with production dependencies only, and it runs`, async () => {
      const parent = await mkdtemp(join(tmpdir(), `assemble-${program}-`));
      dirs.push(parent);
      const out = join(parent, 'app');
      await run('bash', [join(root, 'scripts', 'assemble-app'), program, out], { cwd: root, maxBuffer: 16 << 20 });
      assert.ok(existsSync(join(out, 'dist', 'main.js')));
      assert.ok(existsSync(join(out, 'node_modules', '@ack-npd', 'core', 'dist', 'index.js')), 'workspace dependency copied with its dist');
      assert.ok(!existsSync(join(out, 'node_modules', 'typescript')), 'no dev dependencies');
      assert.ok(!existsSync(join(out, 'src')), 'no TypeScript sources');
      const { stdout } = await run(process.execPath, [join(out, 'dist', 'main.js'), '--help'], {
        cwd: parent,
        env: { PATH: process.env.PATH ?? '', HOME: parent },
      });
      assert.match(stdout, new RegExp(`^${program}`));
    });
  }
});
