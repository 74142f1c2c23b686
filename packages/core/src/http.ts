import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './log.ts';

// Not `import ... from 'node:http'`: an ESM import of node:http reads every export, and its lazy
// ones load undici, TLS, http2 and zlib (~9 MiB of RSS); the CommonJS module object does not.
const { createServer } = process.getBuiltinModule('node:http');

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface HttpServerOptions {
  /** Listen address; loopback unless the operator widens it. */
  readonly address: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly routes: Readonly<Record<string, RouteHandler>>;
  readonly logger: Logger;
}

export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A small HTTP server for /healthz, /metrics and friends: exact-path routes, GET/HEAD only. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const handler = options.routes[path];
    if (!handler) return sendText(response, 404, 'not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, 'method not allowed\n');
    Promise.resolve()
      .then(() => handler(request, response))
      .catch((error: unknown) => {
        options.logger.error({ err: error, path }, 'http handler failed');
        if (!response.headersSent) sendText(response, 500, 'internal error\n');
        else response.destroy();
      });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.address.includes(':') ? `[${options.address}]` : options.address;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function sendText(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(body);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(`${JSON.stringify(body, null, 2)}\n`);
}

/** A prom-client Registry or a prom-lite one. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export function metricsRoute(registry: MetricsSource): RouteHandler {
  return async (_request, response) => {
    const body = await registry.metrics();
    response.writeHead(200, { 'content-type': registry.contentType });
    response.end(body);
  };
}

/** /healthz style route: 200 "ok" when the probe returns nothing, 503 with the reason otherwise. */
export function healthRoute(probe: () => string | undefined = () => undefined): RouteHandler {
  return (_request, response) => {
    const problem = probe();
    if (problem === undefined) sendText(response, 200, 'ok\n');
    else sendText(response, 503, `${problem}\n`);
  };
}
