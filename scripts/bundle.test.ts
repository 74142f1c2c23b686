// scripts/bundle: one file per program that runs with nothing but node (no node_modules, no
// TypeScript sources), and fills Node's compile cache.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { waitFor } from '../packages/testkit/src/wait.ts';
import { bundle } from './bundle.ts';
import { imageRuntime } from './lib/image-runtime.ts';

const run = promisify(execFile);
const npdSrc = join(import.meta.dirname, '..', 'packages', 'npd', 'src');

describe('bundled programs', { timeout: 120_000 }, () => {
  // Copied away from the repository, so nothing can resolve a module from node_modules.
  const out = mkdtempSync(join(tmpdir(), 'bundle-'));
  const cache = mkdtempSync(join(tmpdir(), 'bundle-cache-'));
  const env = {
    ...process.env,
    NODE_OPTIONS: '',
    NODE_COMPILE_CACHE: cache,
    KUBECONFIG: '',
    KUBERNETES_SERVICE_HOST: '',
    HOME: out,
    NODE_NAME: 'bundle-node',
  };

  before(async () => {
    const files = await bundle(['npd', 'eventer'], out);
    assert.deepEqual(files.map((f) => f.slice(out.length + 1)).toSorted(), [
      'eventer.bundle.mjs',
      'eventer.mjs',
      'npd.bundle.mjs',
      'npd.mjs',
    ]);
  });

  for (const [program, flag] of [
    ['npd', '--alibaba-cloud-plugins'],
    ['eventer', '--healthz-port'],
  ] as const) {
    it(`${program}.mjs --help`, async () => {
      const { stdout } = await run(process.execPath, [join(out, `${program}.mjs`), '--help'], { env, cwd: out });
      assert.match(stdout, new RegExp(`^${program}: `));
      assert.ok(stdout.includes(flag));
    });
  }

  it('npd.mjs loads only the built-ins it uses (no lazy export of node:util, node:fs or node:crypto read for nothing)', async () => {
    // A preload that reports which of Node's modules were loaded once the agent parsed its flags.
    const report = join(out, 'report-modules.cjs');
    writeFileSync(report, "process.on('exit', () => process.stderr.write('MODULES ' + process.moduleLoadList.join(',')));\n");
    const { stderr } = await run(process.execPath, ['--require', report, join(out, 'npd.mjs'), '--help'], { env, cwd: out });
    const loaded = new Set((/MODULES (.*)/.exec(stderr)?.[1] ?? '').split(','));
    assert.ok(loaded.has('NativeModule internal/util/parse_args/parse_args'), 'the report works: parseArgs was loaded');
    // readline, child_process and dgram are imported by monitors and checks that --help never runs.
    for (const unused of [
      'worker_threads',
      'internal/util/diff',
      'internal/crypto/webcrypto',
      'crypto',
      'readline',
      'child_process',
      'dgram',
    ]) {
      assert.ok(!loaded.has(`NativeModule ${unused}`), `${unused} loaded by npd --help`);
    }
  });

  it('npd.mjs runs a standalone cycle: a custom plug-in and the kernel monitor on a fixture host, conditions on stdout', async () => {
    const host = join(out, 'host');
    cpSync(join(npdSrc, 'fixtures', 'host'), host, { recursive: true });
    const custom = join(out, 'custom.json');
    writeFileSync(
      custom,
      JSON.stringify({
        plugin: 'custom',
        pluginConfig: { invoke_interval: '1s' },
        source: 'bundle-plugin-monitor',
        conditions: [{ type: 'BundleProblem', reason: 'BundleIsOK', message: 'fine' }],
        rules: [
          {
            type: 'permanent',
            condition: 'BundleProblem',
            reason: 'BundleIsBroken',
            path: join(npdSrc, 'fixtures', 'plugins', 'non-ok.sh'),
          },
        ],
      }),
    );
    const child = spawn(
      process.execPath,
      [
        join(out, 'npd.mjs'),
        `--host-root=${host}`,
        '--enable-k8s-exporter=false',
        '--port=0',
        '--prometheus-port=0',
        `--config.custom-plugin-monitor=${custom}`,
        '--config.system-log-monitor=builtin:kernel-monitor',
      ],
      { env, cwd: out, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    try {
      await waitFor('BundleIsBroken on stdout', () => stdout.includes('BundleIsBroken'), {
        timeoutMs: 30_000,
        describe: () => `stdout:\n${stdout}\nstderr:\n${stderr}`,
      });
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    }
    const conditions = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>)
      .filter((l) => l.kind === 'condition')
      .map((l) => `${l.type} ${l.status} ${l.reason}`);
    assert.ok(conditions.includes('BundleProblem True BundleIsBroken'), conditions.join('\n'));
    assert.ok(conditions.includes('KernelDeadlock False KernelHasNoDeadlock'), conditions.join('\n'));
    assert.ok(readdirSync(cache).length > 0, 'the compile cache was written');
  });

  it('eventer.mjs as the image runs it (ENTRYPOINT flags, ENV) returns the memory of loading the bundle: anonymous RSS <= 40 MiB on a cold compile cache', async () => {
    // Without the image's MALLOC_MMAP_THRESHOLD_, glibc keeps the parser's zone memory of the
    // 4 MB bundle: about 50 MiB anonymous RSS instead of about 26 (docs/benchmarks.md).
    const kubeconfig = join(out, 'unreachable.kubeconfig');
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n',
    );
    const image = imageRuntime('eventer');
    const child = spawn(
      process.execPath,
      [
        ...image.nodeFlags,
        join(out, 'eventer.mjs'),
        `--source=kubernetes:?inClusterConfig=false&auth=${kubeconfig}`,
        '--sink=webhook:http://127.0.0.1:9/hook',
        '--healthz-port=0',
      ],
      {
        env: { ...env, ...image.env, NODE_COMPILE_CACHE: mkdtempSync(join(tmpdir(), 'bundle-cold-')) },
        cwd: out,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const anonMiB = () => Number(/^RssAnon:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024;
    try {
      // Loaded, sinks built, the source retrying against the closed port.
      await waitFor('the event watch retrying', () => output.includes('event watch failed'), {
        timeoutMs: 30_000,
        describe: () => output,
      });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const anon = anonMiB();
      assert.ok(anon <= 40, `anonymous RSS ${anon.toFixed(1)} MiB > 40 MiB`);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
