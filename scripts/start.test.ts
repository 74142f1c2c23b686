// scripts/start: event center + standalone agent (+ eventer with a kubeconfig); Ctrl-C stops all.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { sharedCluster, waitFor } from '@ack-npd/testkit';
import { processAlive } from '@ack-npd/testkit/processes';

const root = join(import.meta.dirname, '..');
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function descendants(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-P', String(pid)]).toString();
  } catch {
    return [];
  }
  const kids = out.split('\n').filter(Boolean).map(Number);
  return [...kids, ...kids.flatMap(descendants)];
}

async function runStart(extra: string[], check: (url: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'start-test-'));
  dirs.push(dir);
  const child = spawn(
    process.execPath,
    [join(root, 'scripts', 'start.ts'), `--state-dir=${dir}`, '--ui-port=0', '--port=0', '--prometheus-port=0', ...extra],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: '' },
    },
  );
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitFor('the UI address', () => /Event center UI: http:\/\/127\.0\.0\.1:\d+\//.test(output), {
      timeoutMs: 60_000,
      describe: () => output,
    });
    const url = (/Event center UI: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output) as RegExpExecArray)[1] as string;
    await check(url);
    const pids = descendants(child.pid as number);
    assert.ok(pids.length >= 2, `children running: ${pids}`);
    child.kill('SIGINT');
    assert.equal(await exited, 0, output);
    await waitFor('every child to exit', () => pids.every((pid) => !processAlive(pid)), { timeoutMs: 15_000 });
  } finally {
    child.kill('SIGKILL');
  }
}

async function events(url: string, query: string): Promise<{ kind: string; reason: string; name: string; condition: unknown }[]> {
  const response = await fetch(`${url}/api/v1/events?from=0&limit=1000&${query}`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { events: { kind: string; reason: string; name: string; condition: unknown }[] }).events;
}

it('no cluster: the event center on SQLite fed by the standalone agent; Ctrl-C stops both', async () => {
  await runStart([], async (url) => {
    await waitFor(
      'the agent’s condition events in the center',
      async () => (await events(url, 'kind=Node')).some((e) => e.condition !== null),
      {
        timeoutMs: 60_000,
      },
    );
    const openapi = await fetch(`${url}/openapi.json`);
    assert.equal(openapi.status, 200);
  });
});

it('with a kubeconfig: the eventer ships the cluster’s events into the same center', async () => {
  const cluster = await sharedCluster();
  await runStart([`--kubeconfig=${cluster.kubeconfigPath}`], async (url) => {
    const name = `start-test-${Date.now()}`;
    await cluster.kubectl(['create', 'configmap', name, '-n', 'default']);
    await cluster.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${name}.1`, namespace: 'default' },
        involvedObject: { kind: 'ConfigMap', namespace: 'default', name },
        reason: 'StartScriptProbe',
        message: 'probe from scripts/start.test.ts',
        type: 'Warning',
        count: 1,
        firstTimestamp: new Date().toISOString(),
        lastTimestamp: new Date().toISOString(),
        source: { component: 'start-test' },
      }),
    });
    await waitFor(
      'the cluster event in the center',
      async () => (await events(url, `name=${name}`)).some((e) => e.reason === 'StartScriptProbe'),
      {
        timeoutMs: 60_000,
      },
    );
  });
});
