import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FakeEventApiserver } from './testing/fake-apiserver.ts';

const api = new FakeEventApiserver();
let dir = '';
let child: ChildProcess | undefined;
before(async () => {
  await api.start();
  dir = await mkdtemp(join(tmpdir(), 'eventer-main-'));
});
after(async () => {
  child?.kill('SIGKILL');
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function poll(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('main: kube-eventer flags, log sink on stdout, /healthz /readyz /metrics, clean SIGTERM', async () => {
  api.upsert('default', 'web-0.1', { type: 'Warning', reason: 'BackOff' });
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${api.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`,
  );
  const port = await freePort();
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  child = spawn(
    process.execPath,
    [
      '--conditions=development',
      main,
      `--source=kubernetes:${api.url}?inClusterConfig=false&auth=${kubeconfig}`,
      '--sink=log',
      '--frequency=100ms',
      `--healthz-port=${port}`,
      '--healthz-ip=127.0.0.1',
      '--v=2',
      '--logtostderr',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  await poll('/readyz', async () => (await fetch(`${base}/readyz`)).status === 200);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  await poll('the event on stdout', async () => stdout.includes('web-0.1'));
  const line = JSON.parse(stdout.split('\n')[0] ?? '{}');
  assert.equal(line.reason, 'BackOff');
  assert.equal(line.type, 'Warning');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /eventer_sink_sent_total\{sink="log"\} 1/);
  assert.match(metrics, /eventer_events_total\{change="added"\} 1/);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /eventer stopped/);
});
