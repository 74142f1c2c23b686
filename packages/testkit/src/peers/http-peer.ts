import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';

/** A protocol-faithful peer listening on 127.0.0.1 (port 0 = a free one). */
export interface RunningPeer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  /** Stops listening (dropping open connections), stays down `downMs`, listens again on the same port; state is kept. */
  restart(downMs?: number): Promise<void>;
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
  const port = await listenLoopback(server, options.port ?? 0);
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close,
    async restart(downMs = 0) {
      await close();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await listenLoopback(server, port);
    },
  };
}

/** Listens on 127.0.0.1 (port 0 = a free one) and returns the port. */
export async function listenLoopback(server: NetServer, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
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

/** JSON.parse, or undefined for text that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Sliding-window rate limits as chat services apply them: `over(key, limit, windowMs)` records
 * a request for `key` and tells whether it is over `limit` in the last `windowMs` (an
 * over-limit request is not recorded).
 */
export function rateWindows(clock: PeerClock): { over(key: string, limit: number, windowMs: number): boolean } {
  const seen = new Map<string, number[]>();
  return {
    over(key, limit, windowMs) {
      const now = clock.now();
      const window = (seen.get(`${key}|${windowMs}`) ?? []).filter((at) => now - at < windowMs);
      seen.set(`${key}|${windowMs}`, window);
      if (window.length >= limit) return true;
      window.push(now);
      return false;
    },
  };
}
