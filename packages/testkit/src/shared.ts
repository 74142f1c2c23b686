import { join } from 'node:path';
import { ClusterClient, type ClusterInfo } from './client.ts';
import { attachRunDaemon } from './run-daemon.ts';

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

async function attach(): Promise<ClusterClient> {
  const { state, stateDir } = await attachRunDaemon<DaemonState>({
    name: 'cluster',
    script: join(import.meta.dirname, 'cluster-daemon.ts'),
    what: 'the shared test cluster',
    timeoutMs: 240_000,
    intervalMs: 250,
  });
  if (!state?.info) {
    throw new Error(`shared test cluster failed to start: ${state?.error ?? 'unknown error'} (log: ${join(stateDir, 'daemon.log')})`);
  }
  return new ClusterClient(state.info);
}
