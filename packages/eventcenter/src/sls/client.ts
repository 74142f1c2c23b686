import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { CredentialsProvider } from '@ack-npd/eventer/sinks/sls/credentials';
import { httpDate, slsContentMd5, slsSignature, slsStringToSign } from '@ack-npd/eventer/sinks/sls/signature';
import { request } from 'undici';

/** A Log Service error answer (`errorCode`), or a transport failure (code `NetworkError`). */
export class SlsApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(`${code}: ${message}`);
    this.name = 'SlsApiError';
    this.code = code;
    this.status = status;
  }
}

/** The calls @alicloud/log 1.2 offers that provisioning uses. */
interface AliCloudLogClient {
  getProject(project: string, options?: object): Promise<Record<string, unknown>>;
  createProject(project: string, data: { description: string }, options?: object): Promise<unknown>;
  getLogStore(project: string, logstore: string, options?: object): Promise<Record<string, unknown>>;
  createLogStore(project: string, logstore: string, data: { ttl: number; shardCount: number }, options?: object): Promise<unknown>;
  getIndexConfig(project: string, logstore: string, options?: object): Promise<Record<string, unknown>>;
  createIndex(project: string, logstore: string, index: unknown, options?: object): Promise<unknown>;
  updateIndex(project: string, logstore: string, index: unknown, options?: object): Promise<unknown>;
}

export interface SlsAdmin {
  getProject(): Promise<Record<string, unknown>>;
  createProject(description: string): Promise<void>;
  getLogStore(logstore: string): Promise<Record<string, unknown>>;
  createLogStore(logstore: string, ttl: number, shardCount: number): Promise<void>;
  getIndex(logstore: string): Promise<Record<string, unknown>>;
  createIndex(logstore: string, index: unknown): Promise<void>;
  updateIndex(logstore: string, index: unknown): Promise<void>;
  /** Saved searches, dashboards, alert jobs: `kind` is the resource path (savedsearches | dashboards | jobs). */
  getEntity(kind: string, name: string): Promise<Record<string, unknown>>;
  createEntity(kind: string, body: unknown): Promise<void>;
  updateEntity(kind: string, name: string, body: unknown): Promise<void>;
}

export interface SlsAdminOptions {
  /** Host[:port] or URL of the region endpoint, e.g. cn-hangzhou.log.aliyuncs.com. */
  readonly endpoint: URL;
  readonly project: string;
  readonly credentials: CredentialsProvider;
  readonly timeoutMs?: number;
}

const IP_HOST = /^(\d{1,3}\.){3}\d{1,3}$|^\[|^localhost$/;

function rethrow(error: unknown): never {
  const e = error as Error & { code?: string; status?: number };
  if (typeof e.code === 'string' && /^[A-Z][A-Za-z]+$/.test(e.code)) throw new SlsApiError(e.code, e.message, e.status ?? 0);
  throw new SlsApiError('NetworkError', e.message, 0);
}

/**
 * Log Service management calls. Projects, logstores and indexes go through @alicloud/log; it has
 * no calls for saved searches, dashboards or alert jobs (1.2.x covers project, logstore, index,
 * logs and histograms only), so those are signed requests of our own with the same signature v1
 * the eventer's SLS sink uses. An IP endpoint (tests, private links) is dialled directly with
 * Host `{project}.{endpoint}`, as Log Service routes by Host.
 */
export async function createSlsAdmin(options: SlsAdminOptions): Promise<SlsAdmin> {
  const { default: Client } = (await import('@alicloud/log' as string)) as { default: new (config: object) => AliCloudLogClient };
  const { endpoint, project } = options;
  const isIp = IP_HOST.test(endpoint.hostname);
  const https = endpoint.protocol === 'https:';
  // @alicloud/log always dials {project}.{endpoint}; for an IP endpoint resolve every name to it.
  const lookup = (_host: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    const address = endpoint.hostname.replace(/^\[|\]$/g, '');
    const family = address.includes(':') ? 6 : 4;
    if (opts?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const agent = isIp ? (https ? new HttpsAgent({ lookup } as object) : new HttpAgent({ lookup } as object)) : undefined;
  const sdk = new Client({
    endpoint: `${endpoint.protocol}//${endpoint.host}`,
    credentialsProvider: {
      getCredentials: async () => {
        const c = await options.credentials.get();
        return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken };
      },
    },
  });
  const sdkOptions = { timeout: options.timeoutMs ?? 30_000, ...(agent ? { agent } : {}) };

  async function raw(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Record<string, unknown>> {
    const creds = await options.credentials.get();
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const host = `${project}.${endpoint.host}`;
    const headers: Record<string, string> = {
      date: httpDate(Date.now()),
      'content-type': 'application/json',
      'x-log-apiversion': '0.6.0',
      'x-log-signaturemethod': 'hmac-sha1',
      host,
    };
    if (payload) {
      headers['content-md5'] = slsContentMd5(payload);
      headers['x-log-bodyrawsize'] = String(payload.length);
    }
    if (creds.securityToken) headers['x-acs-security-token'] = creds.securityToken;
    const toSign = slsStringToSign({
      method,
      contentMd5: headers['content-md5'] ?? '',
      contentType: 'application/json',
      date: headers.date as string,
      headers,
      path,
    });
    headers.authorization = `LOG ${creds.accessKeyId}:${slsSignature(creds.accessKeySecret, toSign)}`;
    const url = isIp ? `${endpoint.origin}${path}` : `${endpoint.protocol}//${host}${path}`;
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method,
        headers,
        ...(payload ? { body: payload } : {}),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new SlsApiError('NetworkError', (error as Error).message, 0);
    }
    const text = await response.body.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = {};
    }
    if (response.statusCode >= 300 || typeof json.errorCode === 'string') {
      throw new SlsApiError(
        String(json.errorCode ?? `HTTP${response.statusCode}`),
        String(json.errorMessage ?? text.slice(0, 200)),
        response.statusCode,
      );
    }
    return json;
  }

  return {
    getProject: () => sdk.getProject(project, sdkOptions).catch(rethrow),
    createProject: async (description) => {
      await sdk.createProject(project, { description }, sdkOptions).catch(rethrow);
    },
    getLogStore: (logstore) => sdk.getLogStore(project, logstore, sdkOptions).catch(rethrow),
    createLogStore: async (logstore, ttl, shardCount) => {
      await sdk.createLogStore(project, logstore, { ttl, shardCount }, sdkOptions).catch(rethrow);
    },
    getIndex: (logstore) => sdk.getIndexConfig(project, logstore, sdkOptions).catch(rethrow),
    createIndex: async (logstore, index) => {
      await sdk.createIndex(project, logstore, index, sdkOptions).catch(rethrow);
    },
    updateIndex: async (logstore, index) => {
      await sdk.updateIndex(project, logstore, index, sdkOptions).catch(rethrow);
    },
    getEntity: (kind, name) => raw('GET', `/${kind}/${encodeURIComponent(name)}`),
    createEntity: async (kind, body) => {
      await raw('POST', `/${kind}`, body);
    },
    updateEntity: async (kind, name, body) => {
      await raw('PUT', `/${kind}/${encodeURIComponent(name)}`, body);
    },
  };
}
