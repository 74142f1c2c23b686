// `pnpm -r build` must produce runnable JavaScript for every program (the images run dist/).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

describe('built programs', () => {
  for (const [program, flag] of [
    ['npd', '--alibaba-cloud-plugins'],
    ['eventer', '--healthz-port'],
    ['eventcenter', '--store'],
  ] as const) {
    it(`${program}: dist/main.js runs without TypeScript sources`, async () => {
      const main = join(root, 'packages', program, 'dist', 'main.js');
      assert.ok(existsSync(main), `${main} is missing: run pnpm -r build first`);
      // Plain node, no "development" condition: workspace imports resolve to dist/ as in the image.
      const { stdout } = await run(process.execPath, [main, '--help'], { env: { ...process.env, NODE_OPTIONS: '' } });
      assert.match(stdout, new RegExp(`^${program}: `));
      assert.ok(stdout.includes(flag), `${program} --help lists ${flag}`);
    });
  }
});
