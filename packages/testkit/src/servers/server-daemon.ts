// Owns one shared real server for a test run: starts it, publishes its ServerInfo and a control
// port in <stateDir>/state.json, serves POST /stop, /start, /restart on the control port (so a
// test can take the server down mid-stream), and stops it when the owner (the test runner) is gone.
//   node --conditions=development server-daemon.ts <kind> <stateDir> <ownerPid>
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../ports.ts';
import { ProcessGroups } from '../processes.ts';
import { serveRunDaemon } from '../run-daemon.ts';
import { type ServerKind, serverDefinitions } from './definitions.ts';
import { RealServer } from './server.ts';
import type { ServerDaemonState } from './shared-server.ts';

const [kind, stateDir, ownerText] = process.argv.slice(2);
if (!kind || !stateDir || !ownerText || !(kind in serverDefinitions)) {
  process.stderr.write(`usage: server-daemon.ts <${Object.keys(serverDefinitions).join('|')}> <stateDir> <ownerPid>\n`);
  process.exit(2);
}
const owner = Number(ownerText);

const workDir = join(stateDir, 'server');
mkdirSync(workDir, { recursive: true });
const groups = new ProcessGroups(stateDir);
groups.startWatchdog(owner, stateDir);
await serveRunDaemon(stateDir, owner, async () => {
  const server = new RealServer(serverDefinitions[kind as ServerKind](), { workDir, port: await freePort(), groups });
  await server.start();
  let busy: Promise<void> = Promise.resolve();
  const control = createServer((request, response) => {
    const action = request.url?.slice(1);
    const run =
      action === 'stop'
        ? () => server.stop()
        : action === 'start'
          ? () => server.start()
          : action === 'restart'
            ? () => server.restart()
            : undefined;
    if (request.method !== 'POST' || !run) {
      response.writeHead(404).end();
      return;
    }
    busy = busy.then(run).then(
      () => void response.writeHead(204).end(),
      (error: Error) => void response.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const address = control.address();
  const controlPort = typeof address === 'object' && address ? address.port : 0;
  const state: Omit<ServerDaemonState, 'daemonPid'> = { info: server.info, controlPort };
  return {
    state,
    stop: async () => {
      control.close();
      await server.stop();
      groups.stopWatchdog();
    },
  };
});
