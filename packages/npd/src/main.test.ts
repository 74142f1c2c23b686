// The real program, as `scripts/start` runs it: --help, bad flags/configs (exit 2), and standalone mode
// against a fixture host root for a few seconds, parsing its JSON lines.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from './testing/net.ts';

const main = join(import.meta.dirname, 'main.ts');
const hostRoot = join(import.meta.dirname, 'fixtures', 'host');
const plugins = join(import.meta.dirname, 'fixtures', 'plugins');
const exec = promisify(execFile);
/** Agents started by a test; killed in after() should an assertion fail before the test stops them. */
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
const env = {
  ...process.env,
  KUBECONFIG: '',
  HOME: mkdtempSync(join(tmpdir(), 'npd-home-')),
  KUBERNETES_SERVICE_HOST: '',
  NODE_NAME: 'test-node',
};

async function npd(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--conditions=development', main, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npd main', () => {
  it('--help lists the flags with defaults', async () => {
    const { code, stdout } = await npd(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /^npd: /);
    for (const flag of [
      '--config.custom-plugin-monitor',
      '--config.system-log-monitor',
      '--enable-k8s-exporter',
      '--apiserver-override',
      '--host-root',
    ]) {
      assert.ok(stdout.includes(flag), flag);
    }
  });

  it('exits 2 naming the flag, or the file and field of a bad config', async () => {
    const bad = await npd(['--port=http']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--port: "http" is not a port/);
    const dir = mkdtempSync(join(tmpdir(), 'npd-main-'));
    const file = join(dir, 'custom.json');
    writeFileSync(
      file,
      JSON.stringify({
        plugin: 'custom',
        source: 's',
        rules: [{ type: 'permanent', condition: 'X', reason: 'R', path: join(plugins, 'ok.sh') }],
      }),
    );
    const config = await npd([`--config.custom-plugin-monitor=${file}`, '--enable-k8s-exporter=false']);
    assert.equal(config.code, 2);
    assert.ok(config.stderr.includes(`invalid configuration in ${file}`), config.stderr);
    assert.match(config.stderr, /rules\[0\]\.condition: permanent problem X does not have preset default condition/);
  });

  it('standalone on a fixture host root prints conditions and events as JSON lines, and serves /healthz, /conditions, /metrics', async () => {
    const [port, prometheusPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'npd-main-'));
    const custom = join(dir, 'custom.json');
    writeFileSync(
      custom,
      JSON.stringify({
        plugin: 'custom',
        pluginConfig: { invoke_interval: '1s' },
        source: 'test-plugin-monitor',
        conditions: [{ type: 'TestProblem', reason: 'TestIsOK', message: 'fine' }],
        rules: [{ type: 'permanent', condition: 'TestProblem', reason: 'TestIsBroken', path: join(plugins, 'non-ok.sh') }],
      }),
    );
    const child = spawn(
      process.execPath,
      [
        '--conditions=development',
        main,
        `--host-root=${hostRoot}`,
        '--enable-k8s-exporter=false',
        `--port=${port}`,
        `--prometheus-port=${prometheusPort}`,
        `--config.custom-plugin-monitor=${custom}`,
        // The kernel monitor over the fixture's recorded /dev/kmsg (lookback 5m from now: the
        // fixture's boot time is long past, so the old records are outside it) and a log that is missing.
        '--config.system-log-monitor=builtin:kernel-monitor',
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const deadline = Date.now() + 15_000;
    while (!stdout.includes('TestIsBroken') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    assert.equal(await (await fetch(`http://127.0.0.1:${port}/healthz`)).text(), 'ok\n');
    const served = (await (await fetch(`http://127.0.0.1:${port}/conditions`)).json()) as {
      source: string;
      conditions: { type: string; status: string }[];
    }[];
    assert.deepEqual(served.map((s) => [s.source, s.conditions.map((c) => `${c.type}=${c.status}`).join(',')]).sort(), [
      ['kernel-monitor', 'KernelDeadlock=False,ReadonlyFilesystem=False,XfsShutdown=False'],
      ['test-plugin-monitor', 'TestProblem=True'],
    ]);
    const metrics = await (await fetch(`http://127.0.0.1:${prometheusPort}/metrics`)).text();
    assert.match(metrics, /^problem_counter\{reason="TestIsBroken"\} 1$/m);
    assert.match(metrics, /^problem_gauge\{type="TestProblem",reason="TestIsBroken"\} 1$/m);
    assert.match(metrics, /^problem_gauge\{type="KernelDeadlock",reason="KernelHasNoDeadlock"\} 0$/m);

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    const conditions = lines.filter((l) => l.kind === 'condition').map((l) => `${l.source} ${l.type} ${l.status} ${l.reason}`);
    // Each condition printed once per change: the defaults, then the plug-in's problem.
    assert.deepEqual(conditions.toSorted(), [
      'kernel-monitor KernelDeadlock False KernelHasNoDeadlock',
      'kernel-monitor ReadonlyFilesystem False FilesystemIsNotReadOnly',
      'kernel-monitor XfsShutdown False XfsHasNotShutDown',
      'test-plugin-monitor TestProblem False TestIsOK',
      'test-plugin-monitor TestProblem True TestIsBroken',
    ]);
    assert.ok(
      conditions.indexOf('test-plugin-monitor TestProblem False TestIsOK') <
        conditions.indexOf('test-plugin-monitor TestProblem True TestIsBroken'),
    );
    const event = lines.find((l) => l.kind === 'event');
    assert.deepEqual(
      { ...event, timestamp: undefined },
      {
        kind: 'event',
        source: 'test-plugin-monitor',
        type: 'Warning',
        reason: 'TestIsBroken',
        message: 'Node condition TestProblem is now: True, reason: TestIsBroken, message: "NonOK"',
        timestamp: undefined,
      },
    );
    assert.match(stderr, /"mode":"standalone"/);
    assert.match(stderr, /"node":"test-node"/);
  });
});
