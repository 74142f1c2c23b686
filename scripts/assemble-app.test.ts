// `pnpm -r build` output runs on its own, and so does the app directory assembled from it without
// Docker. One file on purpose: assemble-app rebuilds dist/, which must not happen while the
// built programs are being run (test files run in parallel).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a command in its own process group and kills the whole group if it outlives the timeout (pnpm may wait on the network). */
function runBounded(command: string, args: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: root, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} ended with ${signal ?? `code ${code}`} (limit ${timeoutMs} ms):\n${stderr}`));
    });
  });
}
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
      // Plain node, no "development" condition: workspace imports resolve to dist/.
      const { stdout } = await run(process.execPath, [main, '--help'], { env: { ...process.env, NODE_OPTIONS: '' } });
      assert.match(stdout, new RegExp(`^${program}: `));
      assert.ok(stdout.includes(flag), `${program} --help lists ${flag}`);
    });
  }
});

describe('scripts/assemble-app', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  for (const program of ['npd', 'eventer']) {
    it(`assembles ${program} with production dependencies only, and it runs`, async () => {
      const parent = await mkdtemp(join(tmpdir(), `assemble-${program}-`));
      dirs.push(parent);
      const out = join(parent, 'app');
      await runBounded('bash', [join(root, 'scripts', 'assemble-app'), program, out], 240_000);
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

  it('assembles eventcenter with its built web UI, and serves it', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'assemble-eventcenter-'));
    dirs.push(parent);
    const out = join(parent, 'app');
    await runBounded('bash', [join(root, 'scripts', 'assemble-app'), 'eventcenter', out], 240_000);
    assert.ok(existsSync(join(out, 'ui', 'dist', 'index.html')), 'the web UI next to dist/');
    assert.ok(!existsSync(join(out, 'node_modules', 'vite')), 'the UI build tools stay out');
    const center = spawn(process.execPath, [join(out, 'dist', 'main.js'), '--listen=127.0.0.1:0', `--data-dir=${parent}`], {
      cwd: parent,
      env: { PATH: process.env.PATH ?? '', HOME: parent },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        center.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match?.[1]) resolve(match[1]);
        });
        center.once('exit', (code) => reject(new Error(`eventcenter exited with ${code}: ${output}`)));
      });
      const page = await fetch(`${url}/`);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<div id="app"><\/div>/);
      const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script, `a module script in ${html}`);
      assert.equal((await fetch(`${url}/${script}`)).status, 200);
    } finally {
      center.kill('SIGTERM');
    }
  });
});
