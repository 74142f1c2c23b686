import { randomBytes } from 'node:crypto';
import { type RunningPeer, sendJson, startPeer } from './http-peer.ts';

/**
 * The ECS instance metadata service's RAM-role endpoints
 * (`GET /latest/meta-data/ram/security-credentials/` → role name,
 * `GET .../{role}` → `{"Code":"Success","AccessKeyId","AccessKeySecret","SecurityToken","Expiration",...}`).
 * `rotate()` hands out the next credentials, as the real service does before expiry.
 * Hardened mode (IMDSv2) as ECS has it: `PUT /latest/api/token` with
 * `X-aliyun-ecs-metadata-token-ttl-seconds` (1..21600) issues a token; with `requireToken`, a GET
 * without a valid `X-aliyun-ecs-metadata-token` is refused with 403. `roleName: ''` = no role attached (404).
 */

export interface EcsRoleCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
  /** RFC 3339, e.g. 2099-01-01T00:00:00Z. */
  readonly expiration: string;
}

export interface EcsMetadataServer extends RunningPeer {
  /** Requests for credentials served so far. */
  readonly fetches: number;
  /** Tokens issued by PUT /latest/api/token so far. */
  readonly tokensIssued: number;
  setCredentials(credentials: EcsRoleCredentials): void;
}

export interface EcsMetadataServerOptions {
  readonly roleName: string;
  readonly credentials: EcsRoleCredentials;
  /** Refuse GETs without an issued token (ECS "enforced" metadata access mode). */
  readonly requireToken?: boolean;
}

export async function startEcsMetadataServer(options: EcsMetadataServerOptions): Promise<EcsMetadataServer> {
  let credentials = options.credentials;
  let fetches = 0;
  const tokens = new Map<string, number>();
  const base = '/latest/meta-data/ram/security-credentials/';
  const peer = await startPeer((request, _body, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'PUT' && path === '/latest/api/token') {
      const ttl = Number(request.headers['x-aliyun-ecs-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) return void response.writeHead(400).end('invalid ttl');
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, Date.now() + ttl * 1000);
      return void response.writeHead(200, { 'content-type': 'text/plain' }).end(token);
    }
    if (request.method !== 'GET') return void response.writeHead(405).end();
    const token = String(request.headers['x-aliyun-ecs-metadata-token'] ?? '');
    if (options.requireToken && !((tokens.get(token) ?? 0) > Date.now())) return void response.writeHead(403).end('Forbidden');
    if (path === base && options.roleName !== '')
      return void response.writeHead(200, { 'content-type': 'text/plain' }).end(options.roleName);
    if (options.roleName !== '' && path === `${base}${options.roleName}`) {
      fetches++;
      return sendJson(response, 200, {
        AccessKeyId: credentials.accessKeyId,
        AccessKeySecret: credentials.accessKeySecret,
        SecurityToken: credentials.securityToken,
        Expiration: credentials.expiration,
        LastUpdated: new Date().toISOString().slice(0, 19).concat('Z'),
        Code: 'Success',
      });
    }
    response.writeHead(404, { 'content-type': 'text/html' }).end('<html>404 Not Found</html>');
  });
  return {
    ...peer,
    get fetches() {
      return fetches;
    },
    get tokensIssued() {
      return tokens.size;
    },
    setCredentials(next) {
      credentials = next;
    },
  };
}
