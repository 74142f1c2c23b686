// Owns the shared test cluster: starts it, publishes its ClusterInfo in <stateDir>/state.json,
// and stops it when the owning process (the test runner) is gone.
//   node --conditions=development cluster-daemon.ts <stateDir> <ownerPid>
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startCluster } from './control-plane.ts';
import { processAlive } from './processes.ts';
import type { DaemonState } from './shared.ts';

const [stateDir, ownerText] = process.argv.slice(2);
if (!stateDir || !ownerText) {
  process.stderr.write('usage: cluster-daemon.ts <stateDir> <ownerPid>\n');
  process.exit(2);
}
const owner = Number(ownerText);

function publish(state: DaemonState): void {
  const file = join(stateDir as string, 'state.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}

try {
  const cluster = await startCluster({ nodes: 2, verbose: process.env.TESTKIT_VERBOSE === '1' });
  publish({ daemonPid: process.pid, info: cluster.info });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await cluster.stop();
    rmSync(stateDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  while (processAlive(owner)) await delay(500);
  await stop();
} catch (error) {
  publish({ daemonPid: process.pid, error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
}
