import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../processes.ts';
import { waitFor } from '../wait.ts';
import type { ServerKind } from './definitions.ts';
import type { ServerInfo } from './server.ts';

export interface ServerDaemonState {
  readonly daemonPid: number;
  readonly info?: ServerInfo;
  readonly controlPort?: number;
  readonly error?: string;
}

/** A real server shared by the test run; stop/start/restart keep its port and data. */
export interface SharedServer {
  readonly info: ServerInfo;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
}

const attached = new Map<ServerKind, Promise<SharedServer>>();

/**
 * One real server of this kind per test run (like sharedCluster): the first test file to ask
 * starts a detached daemon that owns it and stops it when the test runner exits; later callers
 * attach. Downloads and builds are cached under ~/.cache/ack-npd.
 */
export function sharedServer(kind: ServerKind): Promise<SharedServer> {
  let server = attached.get(kind);
  if (!server) {
    server = attach(kind);
    attached.set(kind, server);
  }
  return server;
}

function runKey(): number {
  return process.env.NODE_TEST_CONTEXT ? process.ppid : process.pid;
}

async function attach(kind: ServerKind): Promise<SharedServer> {
  const stateDir = join(tmpdir(), `ack-npd-shared-${kind}-${runKey()}`);
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
    const log = openSync(join(stateDir, 'daemon.log'), 'a');
    const daemon = spawn(
      process.execPath,
      ['--conditions=development', join(import.meta.dirname, 'server-daemon.ts'), kind, stateDir, String(runKey())],
      { detached: true, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    daemon.unref();
  }
  let state: ServerDaemonState | undefined;
  await waitFor(
    `the shared ${kind} server`,
    () => {
      state = readState(stateFile);
      return state !== undefined;
    },
    { timeoutMs: 600_000, intervalMs: 500 },
  );
  const { info, controlPort } = state ?? {};
  if (!info || !controlPort) {
    throw new Error(`shared ${kind} server failed to start: ${state?.error ?? 'unknown error'} (log: ${join(stateDir, 'daemon.log')})`);
  }
  const control = async (action: string): Promise<void> => {
    const response = await fetch(`http://127.0.0.1:${controlPort}/${action}`, { method: 'POST', signal: AbortSignal.timeout(300_000) });
    if (response.status !== 204) throw new Error(`${kind} ${action} failed: ${await response.text()}`);
  };
  return { info, stop: () => control('stop'), start: () => control('start'), restart: () => control('restart') };
}

function readState(file: string): ServerDaemonState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ServerDaemonState;
  } catch {
    return undefined;
  }
}
