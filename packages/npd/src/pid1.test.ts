// PID 1: plug-ins may fork, and an orphaned grandchild is reparented to PID 1 of the container's PID
// namespace. Node does not reap children it did not spawn, so the images run the agent under tini
// (Debian's), as here: the agent in a fresh PID namespace, with and without tini as PID 1, running a
// plug-in that double-forks. Without an init the zombies pile up (the control that proves the count);
// with tini none is left.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { waitFor } from '@ack-npd/testkit';

const main = join(import.meta.dirname, 'main.ts');
const FORKS = 8;

/** The one child of `pid` (unshare's forked PID 1), once it exists. */
function onlyChild(pid: number): number | undefined {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return children.length === 1 ? Number(children[0]) : undefined;
}

/** Zombies among the direct children of `pid` (where orphans of its PID namespace end up). */
function zombieChildren(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return children.filter((child) => {
    try {
      // state is the field after the parenthesised command name
      return readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
    } catch {
      return false; // reaped meanwhile
    }
  }).length;
}

describe('PID 1 of the agent container', () => {
  const dir = mkdtempSync(join(tmpdir(), 'npd-pid1-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const plugin = join(dir, 'double-fork.sh');
  writeFileSync(
    plugin,
    [
      '#!/bin/sh',
      '# Appends a line to $1 per run; the first $2 runs fork a grandchild that leaves its parent (and',
      '# session) at once and exits 0.1 s later, orphaned.',
      'runs=$(wc -l < "$1")',
      'echo run >> "$1"',
      `[ "$runs" -lt "$2" ] && sh -c 'setsid sleep 0.1 </dev/null >/dev/null 2>&1 &'`,
      'exit 0',
      '',
    ].join('\n'),
  );
  chmodSync(plugin, 0o755);

  /** The agent standalone in a new PID namespace, PID 1 being `init` (or the agent itself). */
  const start = (name: string, init: readonly string[]): { unshare: ChildProcess; runs: string } => {
    const runs = join(dir, `${name}.runs`);
    writeFileSync(runs, '');
    const config = join(dir, `${name}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        plugin: 'custom',
        pluginConfig: { invoke_interval: '200ms', timeout: '5s' },
        source: 'pid1-test',
        conditions: [{ type: 'ForkProblem', reason: 'ForkIsFine', message: 'fine' }],
        rules: [{ type: 'permanent', condition: 'ForkProblem', reason: 'ForkFailed', path: plugin, args: [runs, String(FORKS)] }],
      }),
    );
    // A user namespace too when not root, so the test runs unprivileged as well.
    const userns = process.getuid?.() === 0 ? [] : ['--user', '--map-root-user'];
    const unshare = spawn(
      'unshare',
      [
        ...userns,
        '--pid',
        '--mount-proc',
        '--kill-child',
        ...init,
        process.execPath,
        '--conditions=development',
        main,
        '--enable-k8s-exporter=false',
        '--port=0',
        '--prometheus-port=0',
        `--config.custom-plugin-monitor=${config}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' } },
    );
    let stderr = '';
    unshare.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    unshare.on('exit', (code) => {
      if (code) process.stderr.write(`${name}: unshare exited ${code}: ${stderr}\n`);
    });
    children.push(unshare);
    return { unshare, runs };
  };

  it(`under tini no zombie is left after ${FORKS} double-forks; with the agent as PID 1 they pile up`, async () => {
    const tini = execFileSync('sh', ['-c', 'command -v tini'], { encoding: 'utf8' }).trim();
    assert.ok(tini, 'tini is installed (scripts/test installs Debian package tini)');
    const withTini = start('tini', [tini, '--']);
    const bare = start('bare', []);
    const runs = (file: string): number => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    // Two runs past the last fork: every grandchild has exited (0.1 s) well before.
    for (const { runs: file } of [withTini, bare]) {
      await waitFor(`${FORKS + 2} plug-in runs`, () => runs(file) >= FORKS + 2, { timeoutMs: 60_000 });
    }
    const pid1 = (unshare: ChildProcess): number => {
      const pid = onlyChild(unshare.pid ?? 0);
      assert.ok(pid, 'unshare forked PID 1 of the namespace');
      return pid;
    };
    const bareInit = pid1(bare.unshare);
    await waitFor(`${FORKS} zombies under the agent as PID 1`, () => zombieChildren(bareInit) === FORKS, {
      timeoutMs: 20_000,
      describe: () => `zombies: ${zombieChildren(bareInit)}`,
    });
    const tiniInit = pid1(withTini.unshare);
    assert.match(readFileSync(`/proc/${tiniInit}/comm`, 'utf8'), /^tini/);
    assert.equal(zombieChildren(tiniInit), 0, 'tini reaped every orphan');
    assert.ok(runs(withTini.runs) >= FORKS + 2);
  });
});
