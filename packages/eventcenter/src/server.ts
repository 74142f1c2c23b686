import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import type { Logger } from '@ack-npd/core';
import type { Registry } from '@ack-npd/core/metrics';
import type { ApiContext } from './api.ts';
import type { Authenticator } from './auth.ts';
import { HttpError, matchRoute, type Route, sendJson } from './http.ts';
import { QueryError } from './query.ts';

export interface ServerOptions {
  readonly address: string;
  readonly port: number;
  readonly routes: readonly Route<ApiContext>[];
  readonly auth: Authenticator;
  readonly logger: Logger;
  readonly openapi: unknown;
  /** Built web UI (index.html + assets); absent = API only. */
  readonly uiDir?: string;
  readonly ready?: () => string | undefined;
  /** Prometheus metrics at /metrics (no auth, like /healthz: counts only, no event data). */
  readonly metrics?: Registry;
  readonly now?: () => number;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function serveStatic(dir: string, path: string, response: ServerResponse): boolean {
  const root = resolve(dir);
  let file = resolve(join(root, decodeURIComponent(path)));
  if (file !== root && !file.startsWith(root + sep)) return false;
  if (!existsSync(file) || statSync(file).isDirectory()) {
    // The UI routes in the browser: unknown paths without an extension get index.html.
    if (extname(path) !== '') return false;
    file = join(root, 'index.html');
    if (!existsSync(file)) return false;
  }
  const immutable = file.includes(`${sep}assets${sep}`);
  response.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  });
  createReadStream(file).pipe(response);
  return true;
}

/**
 * The event center's HTTP server: the JSON API under /api/v1 (bearer auth, roles), the OpenAPI
 * document, health, and the web UI. No cookies are used, so a cross-site page cannot act as a
 * user; on top, writes must be JSON (no simple cross-site form posts), a foreign Origin on a
 * write is refused, and with auth off only loopback Host names are served (DNS rebinding).
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const now = options.now ?? Date.now;
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    if (options.auth.mode === 'none' && !LOOPBACK_HOSTS.test(request.headers.host ?? '')) {
      throw new HttpError(403, 'host: without authentication the event center answers only to localhost names');
    }
    if (url.pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (url.pathname === '/readyz') {
      const problem = options.ready?.();
      return sendJson(response, problem ? 503 : 200, { status: problem ?? 'ok' });
    }
    if (url.pathname === '/metrics' && options.metrics) {
      const text = await options.metrics.metrics();
      response.writeHead(200, { 'content-type': options.metrics.contentType });
      response.end(text);
      return;
    }
    if (url.pathname === '/openapi.json') return sendJson(response, 200, options.openapi);
    if (url.pathname.startsWith('/api/')) {
      if (method !== 'GET' && method !== 'HEAD') {
        const origin = request.headers.origin;
        if (origin && originHost(origin) !== request.headers.host) {
          throw new HttpError(403, 'origin: cross-site writes are refused');
        }
      }
      const match = matchRoute(options.routes, method, url.pathname);
      if (match === 'method') throw new HttpError(405, `${method} not allowed on ${url.pathname}`);
      if (!match) throw new HttpError(404, `no API route ${url.pathname}`);
      const roles = await options.auth.authenticate(request);
      await match.route.handler({ request, response, url, roles, now: now() }, match.params);
      return;
    }
    if ((method === 'GET' || method === 'HEAD') && options.uiDir && serveStatic(options.uiDir, url.pathname, response)) return;
    throw new HttpError(
      404,
      options.uiDir ? 'not found' : 'not found (the web UI is not built: pnpm --filter @ack-npd/eventcenter-ui build)',
    );
  };
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (error instanceof HttpError) return sendJson(response, error.status, { error: error.message });
      if (error instanceof QueryError) return sendJson(response, 400, { error: error.message, field: error.field });
      if (error instanceof URIError) return sendJson(response, 400, { error: `path: ${error.message}` });
      options.logger.error({ err: error, path: request.url?.split('?')[0] }, 'request failed');
      sendJson(response, 500, { error: 'internal error' });
    });
  });
  server.keepAliveTimeout = 5000;
  server.requestTimeout = 60_000;
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.address, () => {
      server.off('error', fail);
      done();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.address.includes(':') ? `[${options.address}]` : options.address;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
