import { readFile } from 'node:fs/promises';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { KubeApiError } from '../errors.ts';
import type { KubeTarget } from './config.ts';
import { type ExecCredential, runExecPlugin } from './exec.ts';

export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API path, e.g. `/api/v1/nodes/node-1/status`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** For PATCH: `application/strategic-merge-patch+json`, `application/merge-patch+json`, ... */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Per-request deadline; the client's default otherwise. */
  readonly timeoutMs?: number;
  /** What the request does, for error messages ("patch node n1 status"); method and path otherwise. */
  readonly description?: string;
}

export interface KubeClientOptions {
  /** Deadline of one request (connect to last byte); 30 s by default. */
  readonly timeoutMs?: number;
  /** How long a token read from a file is used before it is read again (rotation); 60 s like client-go. */
  readonly tokenRefreshMs?: number;
  /** Largest response body accepted. */
  readonly maxBodyBytes?: number;
  readonly now?: () => number;
}

export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';

interface Credentials {
  readonly authorization?: string;
  readonly clientCert?: Buffer;
  readonly clientKey?: Buffer;
  readonly until: number;
}

/**
 * A small Kubernetes REST client: JSON over node:https with the target's CA and client
 * certificate, bearer token (re-read from its file for rotation, or from an exec plugin) and an
 * AbortSignal deadline per request. It loads nothing beyond node's own http modules.
 */
export class KubeClient {
  readonly target: KubeTarget;
  readonly #timeoutMs: number;
  readonly #tokenRefreshMs: number;
  readonly #maxBodyBytes: number;
  readonly #now: () => number;
  #credentials: Credentials | undefined;
  #agent: HttpAgent | undefined;
  #agentCert: Buffer | undefined;

  constructor(target: KubeTarget, options: KubeClientOptions = {}) {
    this.target = target;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#tokenRefreshMs = options.tokenRefreshMs ?? 60_000;
    this.#maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
    this.#now = options.now ?? Date.now;
  }

  /** Sends one request and returns the parsed JSON answer; any non-2xx answer is a KubeApiError with its status. */
  async request<T = unknown>(request: KubeRequest): Promise<T> {
    try {
      return await this.#send<T>(request);
    } catch (error) {
      // A rotated token (or expired exec credential) is refused once; read it again and retry.
      if (!(error instanceof KubeApiError && error.status === 401) || this.#credentials === undefined) throw error;
      this.#credentials = undefined;
      return await this.#send<T>(request);
    }
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
  }

  /**
   * Opens a streaming request (a watch) with no deadline but `signal`: resolves with the
   * response once it answered 2xx; the caller reads it and destroys it when done. A non-2xx
   * answer is a KubeApiError with its status (and the apiserver's message).
   */
  async stream(request: Omit<KubeRequest, 'timeoutMs'>): Promise<IncomingMessage> {
    const what = request.description ?? `${request.method} ${request.path}`;
    const response = await this.#open(request, request.signal, what);
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) {
      // A rotated token: the next attempt (the caller's retry) reads it again.
      if (status === 401) this.#credentials = undefined;
      const text = await this.#readBody(response).catch(() => '');
      throw new KubeApiError(`${what}: HTTP ${status}: ${statusMessage(text)}`, { status });
    }
    return response;
  }

  async #open(request: KubeRequest, signal: AbortSignal | undefined, what: string): Promise<IncomingMessage> {
    const credentials = await this.#currentCredentials();
    const url = new URL(request.path, this.target.server);
    for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
    const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (credentials.authorization) headers.Authorization = credentials.authorization;
    if (body) {
      headers['Content-Type'] = request.contentType ?? 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    const https = url.protocol === 'https:';
    // Loaded on first use (TLS costs several MiB a standalone agent never needs), and not by an
    // ESM import, which would read node:http's lazy exports and load undici with them.
    const http = https ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
    try {
      return await new Promise<IncomingMessage>((resolve, reject) => {
        const agent = this.#agentFor(credentials, http);
        const req = http.request(url, { method: request.method, headers, agent, ...(signal ? { signal } : {}) }, resolve);
        req.once('error', reject);
        req.end(body);
      });
    } catch (error) {
      throw new KubeApiError(`${what}: ${(error as Error).message}`, { cause: error });
    }
  }

  async #send<T>(request: KubeRequest): Promise<T> {
    const timeoutMs = request.timeoutMs ?? this.#timeoutMs;
    const what = request.description ?? `${request.method} ${request.path}`;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
    try {
      const response = await this.#open(request, signal, what);
      const text = await this.#readBody(response);
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        throw new KubeApiError(`${what}: HTTP ${status}: ${statusMessage(text)}`, { status });
      }
      return (text === '' ? undefined : JSON.parse(text)) as T;
    } catch (error) {
      if (deadline.aborted) throw new KubeApiError(`${what}: no answer in ${timeoutMs}ms`, { cause: error });
      if (error instanceof KubeApiError) throw error;
      throw new KubeApiError(`${what}: ${(error as Error).message}`, { cause: error });
    }
  }

  async #readBody(response: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.#maxBodyBytes) {
        response.destroy();
        throw new KubeApiError(`answer larger than ${this.#maxBodyBytes} bytes`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  #agentFor(credentials: Credentials, http: typeof import('node:http') | typeof import('node:https')): HttpAgent {
    const cert = credentials.clientCert ?? this.target.clientCert;
    if (this.#agent && this.#agentCert === cert) return this.#agent;
    this.#agent?.destroy();
    const key = credentials.clientKey ?? this.target.clientKey;
    this.#agentCert = cert;
    this.#agent = new http.Agent({
      keepAlive: true,
      rejectUnauthorized: !this.target.insecure,
      ...(this.target.ca ? { ca: this.target.ca } : {}),
      ...(cert && key ? { cert, key } : {}),
      ...(this.target.tlsServerName ? { servername: this.target.tlsServerName } : {}),
    });
    return this.#agent;
  }

  async #currentCredentials(): Promise<Credentials> {
    if (this.#credentials && this.#now() < this.#credentials.until) return this.#credentials;
    const auth = this.target.auth;
    const now = this.#now();
    let fresh: Credentials;
    switch (auth.kind) {
      case 'none':
        fresh = { until: Number.POSITIVE_INFINITY };
        break;
      case 'token':
        fresh = { authorization: `Bearer ${auth.token}`, until: Number.POSITIVE_INFINITY };
        break;
      case 'basic':
        fresh = {
          authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
          until: Number.POSITIVE_INFINITY,
        };
        break;
      case 'token-file': {
        let token: string;
        try {
          token = (await readFile(auth.path, 'utf8')).trim();
        } catch (error) {
          throw new KubeApiError(`cannot read token file ${auth.path}: ${(error as Error).message}`, { cause: error });
        }
        fresh = { authorization: `Bearer ${token}`, until: now + this.#tokenRefreshMs };
        break;
      }
      case 'exec':
        fresh = fromExec(await runExecPlugin(auth.plugin));
        break;
    }
    this.#credentials = fresh;
    return fresh;
  }
}

function fromExec(credential: ExecCredential): Credentials {
  return {
    ...(credential.token ? { authorization: `Bearer ${credential.token}` } : {}),
    ...(credential.clientCert ? { clientCert: credential.clientCert } : {}),
    ...(credential.clientKey ? { clientKey: credential.clientKey } : {}),
    until: credential.expiresAt ?? Number.POSITIVE_INFINITY,
  };
}

/** The message of a metav1.Status answer, or the start of whatever else came back. */
function statusMessage(text: string): string {
  try {
    const status = JSON.parse(text) as { message?: unknown };
    if (typeof status.message === 'string') return status.message;
  } catch {
    // not JSON: show the text itself
  }
  return text.slice(0, 300);
}
