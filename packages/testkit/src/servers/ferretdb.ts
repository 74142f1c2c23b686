import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchPeer } from './run.ts';
import type { ServerDefinition } from './server.ts';

/** FerretDB v1.24 (MongoDB wire protocol) on its SQLite backend, built from the Go module proxy. */
export function ferretdbServer(): ServerDefinition {
  let home = '';
  return {
    kind: 'ferretdb',
    version: 'v1.24.0',
    startTimeoutMs: 60_000,
    async prepare(workDir) {
      home = await fetchPeer('ferretdb');
      await mkdir(join(workDir, 'sqlite'), { recursive: true });
      await mkdir(join(workDir, 'state'), { recursive: true });
    },
    command: (workDir, port) => ({
      command: join(home, 'bin', 'ferretdb'),
      args: [
        '--handler=sqlite',
        `--sqlite-url=file:${join(workDir, 'sqlite')}/`,
        `--listen-addr=127.0.0.1:${port}`,
        `--state-dir=${join(workDir, 'state')}`,
        '--telemetry=disable',
        '--debug-addr=127.0.0.1:0',
        '--log-level=WARN',
      ],
    }),
    // The MongoDB protocol has the client speak first; a TCP accept is as much as a socket tells.
    ready: (port) => accepts(port),
    url: (port) => `mongodb://127.0.0.1:${port}/`,
  };
}

async function accepts(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
