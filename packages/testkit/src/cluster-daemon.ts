// Owns the shared test cluster: starts it, publishes its ClusterInfo in <stateDir>/state.json,
// and stops it when the owning process (the test runner) is gone.
//   node --conditions=development cluster-daemon.ts <stateDir> <ownerPid>
import { startCluster } from './control-plane.ts';
import { serveRunDaemon } from './run-daemon.ts';
import type { DaemonState } from './shared.ts';

const [stateDir, ownerText] = process.argv.slice(2);
if (!stateDir || !ownerText) {
  process.stderr.write('usage: cluster-daemon.ts <stateDir> <ownerPid>\n');
  process.exit(2);
}
const owner = Number(ownerText);

await serveRunDaemon(stateDir, owner, async () => {
  const cluster = await startCluster({ nodes: 2, verbose: process.env.TESTKIT_VERBOSE === '1' });
  return { state: { info: cluster.info } satisfies Omit<DaemonState, 'daemonPid'>, stop: () => cluster.stop() };
});
