// The network guard scripts/test preloads: run in child processes (so the deliberate violations
// here neither fail this file nor land in the run's connection log).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { isLocalHost, isLoopbackAddress } from './net-guard.ts';

const exec = promisify(execFile);
const guard = new URL('./net-guard.ts', import.meta.url).href;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('net-guard', () => {
  let dir = '';
  let log = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'net-guard-'));
    log = join(dir, 'connections.log');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function node(args: string[]): Promise<Run> {
    // NODE_TEST_CONTEXT would make a nested `node --test` report to this runner instead of exiting.
    const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
    const env = { ...inherited, ACK_NPD_NET_GUARD_LOG: log, NODE_OPTIONS: '' };
    try {
      const { stdout, stderr } = await exec(process.execPath, [`--import=${guard}`, ...args], { env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as Run;
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('knows loopback from the rest', () => {
    for (const local of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST.', 'api.localhost'])
      assert.ok(isLocalHost(local), local);
    for (const remote of [
      '192.0.2.1',
      '10.0.0.1',
      '100.100.100.200',
      '223.5.5.5',
      '::ffff:10.0.0.1',
      'fe80::1',
      'example.com',
      'localhost.example.com',
    ])
      assert.ok(!isLocalHost(remote), remote);
    assert.ok(isLoopbackAddress('127.0.0.53'));
    assert.ok(!isLoopbackAddress('localhost'), 'a name is not an address');
  });

  it('throws at once naming the address (TEST-NET 192.0.2.1 is never routed: a timeout would mean no guard), and logs every attempt', async () => {
    const script = `
      import net from 'node:net';
      import dns from 'node:dns';
      const started = performance.now();
      const errors = [];
      try { net.connect(53, '192.0.2.1'); } catch (e) { errors.push(e.code + ' ' + e.message); }
      try { await fetch('https://192.0.2.1/x'); } catch (e) { errors.push(e.cause.code + ' ' + e.cause.message); }
      try { await dns.promises.lookup('example.com'); } catch (e) { errors.push(e.code + ' ' + e.message); }
      const server = net.createServer((s) => s.end()).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      await new Promise((resolve, reject) => net.connect(server.address().port, '127.0.0.1').on('close', resolve).on('error', reject));
      server.close();
      console.log(JSON.stringify({ errors, ms: performance.now() - started }));
    `;
    const run = await node(['--input-type=module', '-e', script]);
    const { errors, ms } = JSON.parse(run.stdout) as { errors: string[]; ms: number };
    assert.equal(errors.length, 3, run.stderr);
    assert.match(errors[0] ?? '', /^ERR_NET_GUARD net-guard: tcp connect to 192\.0\.2\.1:53 blocked in .*: tests may only reach loopback/);
    assert.match(errors[1] ?? '', /^ERR_NET_GUARD net-guard: fetch to https:\/\/192\.0\.2\.1 blocked/);
    assert.match(errors[2] ?? '', /^ERR_NET_GUARD net-guard: dns lookup to example\.com blocked/);
    assert.ok(ms < 5000, `refused in ${ms}ms, not after a connect timeout`);
    assert.equal(run.code, 1, 'a process that attempted a blocked connection exits non-zero');
    assert.match(run.stderr, /net-guard: 3 connection attempt\(s\) beyond loopback blocked/);
    const lines = await readFile(log, 'utf8');
    assert.match(lines, /BLOCK tcp connect 192\.0\.2\.1:53 pid=\d+/);
    assert.match(lines, /BLOCK fetch https:\/\/192\.0\.2\.1 /);
    assert.match(lines, /allow tcp connect 127\.0\.0\.1:\d+ /);
  });

  it('guards the processes a test spawns (NODE_OPTIONS), naming the test file that started them', async () => {
    const child = `require('node:net').connect(443, '100.100.100.200')`;
    const script = `
      const { spawnSync } = require('node:child_process');
      const r = spawnSync(process.execPath, ['-e', ${JSON.stringify(child)}], { encoding: 'utf8' });
      process.stdout.write(JSON.stringify({ status: r.status, stderr: r.stderr }));
    `;
    // Pretend to be a test file: the child inherits its name through ACK_NPD_NET_GUARD_ORIGIN.
    const file = join(dir, 'spawner.test.cjs');
    await writeFile(file, script);
    const run = await node([file]);
    const { status, stderr } = JSON.parse(run.stdout) as { status: number; stderr: string };
    assert.notEqual(status, 0);
    assert.match(stderr, /NetGuardError: net-guard: tcp connect to 100\.100\.100\.200:443 blocked in \S*spawner\.test\.cjs/);
  });

  it('fails the test that swallowed the error (a check turns a failed connect into a condition)', async () => {
    const file = join(dir, 'swallow.test.mjs');
    await writeFile(
      file,
      `import net from 'node:net';
       import { it } from 'node:test';
       it('catches every connect error', () => { try { net.connect(53, '223.5.5.5'); } catch {} });`,
    );
    const run = await node(['--test', '--test-reporter=tap', file]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /^not ok \d+ - \S*swallow\.test\.mjs$/m);
    assert.match(run.stdout, /net-guard: tcp connect to 223\.5\.5\.5:53 blocked in \S*swallow\.test\.mjs/);
  });

  it('is loaded in every test process scripts/test runs, and handed on to their children', () => {
    assert.equal(net.Socket.prototype.connect.name, 'guardedConnect', 'scripts/test runs node --test with --import of net-guard.ts');
    assert.ok(process.env.NODE_OPTIONS?.includes(guard), process.env.NODE_OPTIONS);
  });
});
