import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterClient, type ClusterInfo } from './client.ts';
import { processAlive } from './processes.ts';
import { waitFor } from './wait.ts';

/** What the cluster daemon writes once the cluster is up (or why it failed). */
export interface DaemonState {
  readonly daemonPid: number;
  readonly info?: ClusterInfo;
  readonly error?: string;
}

let shared: Promise<ClusterClient> | undefined;

/**
 * One real cluster per test run, shared by every test file (each runs in its own process
 * under `node --test`). The first caller starts a detached daemon that owns the cluster and
 * tears it down when the test runner exits; the others attach to it. Tests isolate
 * themselves with createNamespace()/createNode().
 */
export function sharedCluster(): Promise<ClusterClient> {
  shared ??= attach();
  return shared;
}

function runKey(): number {
  // Under `node --test` every file runs in a child of the runner: the runner's pid names the run.
  return process.env.NODE_TEST_CONTEXT ? process.ppid : process.pid;
}

async function attach(): Promise<ClusterClient> {
  const owner = runKey();
  const stateDir = join(tmpdir(), `ack-npd-shared-cluster-${owner}`);
  const stateFile = join(stateDir, 'state.json');
  if (existsSync(stateFile)) {
    const state = readState(stateFile);
    if (state && !processAlive(state.daemonPid)) rmSync(stateDir, { recursive: true, force: true });
  }
  let starter = false;
  try {
    mkdirSync(stateDir);
    starter = true;
  } catch {
    // another test file of this run is starting it
  }
  if (starter) {
    // The daemon must not hold the test file's stdio open: the runner waits for it to close.
    const log = openSync(join(stateDir, 'daemon.log'), 'a');
    const daemon = spawn(
      process.execPath,
      ['--conditions=development', join(import.meta.dirname, 'cluster-daemon.ts'), stateDir, String(owner)],
      { detached: true, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    daemon.unref();
  }
  let state: DaemonState | undefined;
  await waitFor(
    'the shared test cluster',
    () => {
      state = readState(stateFile);
      return state !== undefined;
    },
    { timeoutMs: 240_000, intervalMs: 250 },
  );
  if (!state?.info) {
    throw new Error(`shared test cluster failed to start: ${state?.error ?? 'unknown error'} (log: ${join(stateDir, 'daemon.log')})`);
  }
  return new ClusterClient(state.info);
}

function readState(file: string): DaemonState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DaemonState;
  } catch {
    return undefined;
  }
}
