import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A protocol-faithful peer listening on 127.0.0.1 (port 0 = a free one). */
export interface RunningPeer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export type PeerHandler = (request: IncomingMessage, body: Buffer, response: ServerResponse) => void | Promise<void>;

/** Starts a loopback HTTP server that hands each request with its whole body to `handler`. */
export async function startPeer(handler: PeerHandler, options: { port?: number; maxBodyBytes?: number } = {}): Promise<RunningPeer> {
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        response.writeHead(413).end();
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      Promise.resolve()
        .then(() => handler(request, Buffer.concat(chunks), response))
        .catch((error: unknown) => {
          if (!response.headersSent) {
            response.writeHead(500, { 'content-type': 'text/plain' });
            response.end(`peer handler failed: ${(error as Error).message}\n`);
          } else response.destroy();
        });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

/** A test-controlled clock for peers (timestamp windows, rate limits); defaults to Date.now. */
export interface PeerClock {
  now(): number;
}
