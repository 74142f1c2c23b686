import { join } from 'node:path';
import { attachRunDaemon } from '../run-daemon.ts';
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

async function attach(kind: ServerKind): Promise<SharedServer> {
  const { state, stateDir } = await attachRunDaemon<ServerDaemonState>({
    name: kind,
    script: join(import.meta.dirname, 'server-daemon.ts'),
    args: [kind],
    what: `the shared ${kind} server`,
    timeoutMs: 600_000,
    intervalMs: 500,
  });
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
