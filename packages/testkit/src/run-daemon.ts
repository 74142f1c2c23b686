import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { processAlive } from './processes.ts';
import { waitFor } from './wait.ts';

/** What a run daemon writes to its state file once its peer is up (or why it failed). */
export interface RunDaemonState {
  readonly daemonPid: number;
  readonly error?: string;
}

/** The test run this process belongs to: under `node --test` every file is a child of the runner. */
export function runKey(): number {
  return process.env.NODE_TEST_CONTEXT ? process.ppid : process.pid;
}

/**
 * Attaches to the one daemon of this test run named `name`, starting it when this process is the
 * first to ask (a detached `node <script> ...args <stateDir> <runKey>` that owns an expensive peer
 * and stops it when the runner exits). A state dir left by a dead daemon is cleared first.
 * Returns the state the daemon wrote and the state dir (where its daemon.log is).
 */
export async function attachRunDaemon<State extends RunDaemonState>(options: {
  readonly name: string;
  readonly script: string;
  readonly args?: readonly string[];
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs: number;
}): Promise<{ state: State | undefined; stateDir: string }> {
  const stateDir = join(tmpdir(), `ack-npd-shared-${options.name}-${runKey()}`);
  const stateFile = join(stateDir, 'state.json');
  if (existsSync(stateFile)) {
    const state = readState<State>(stateFile);
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
      ['--conditions=development', options.script, ...(options.args ?? []), stateDir, String(runKey())],
      { detached: true, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    daemon.unref();
  }
  let state: State | undefined;
  await waitFor(
    options.what,
    () => {
      state = readState<State>(stateFile);
      return state !== undefined;
    },
    { timeoutMs: options.timeoutMs, intervalMs: options.intervalMs },
  );
  return { state, stateDir };
}

/**
 * The daemon's side of attachRunDaemon: starts the peer, publishes `{ daemonPid, ...state }` (or
 * the error) in <stateDir>/state.json, and stops the peer once, on SIGTERM/SIGINT or when the owner
 * (the test runner) is gone, removing the state dir.
 */
export async function serveRunDaemon(
  stateDir: string,
  owner: number,
  start: () => Promise<{ state: object; stop(): Promise<void> }>,
): Promise<void> {
  const publish = (state: object): void => {
    const file = join(stateDir, 'state.json');
    writeFileSync(`${file}.tmp`, JSON.stringify({ daemonPid: process.pid, ...state }));
    renameSync(`${file}.tmp`, file);
  };
  try {
    const peer = await start();
    publish(peer.state);
    let stopping = false;
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      await peer.stop();
      rmSync(stateDir, { recursive: true, force: true });
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    while (processAlive(owner)) await delay(500);
    await stop();
  } catch (error) {
    publish({ error: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
  }
}

function readState<State>(file: string): State | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as State;
  } catch {
    return undefined;
  }
}
