import { type RunningPeer, sendJson, startPeer } from './http-peer.ts';

/**
 * The ECS instance metadata service's RAM-role endpoints
 * (`GET /latest/meta-data/ram/security-credentials/` → role name,
 * `GET .../{role}` → `{"Code":"Success","AccessKeyId","AccessKeySecret","SecurityToken","Expiration",...}`).
 * `rotate()` hands out the next credentials, as the real service does before expiry.
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
  setCredentials(credentials: EcsRoleCredentials): void;
}

export async function startEcsMetadataServer(options: { roleName: string; credentials: EcsRoleCredentials }): Promise<EcsMetadataServer> {
  let credentials = options.credentials;
  let fetches = 0;
  const base = '/latest/meta-data/ram/security-credentials/';
  const peer = await startPeer((request, _body, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET') return void response.writeHead(405).end();
    if (path === base) return void response.writeHead(200, { 'content-type': 'text/plain' }).end(options.roleName);
    if (path === `${base}${options.roleName}`) {
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
    setCredentials(next) {
      credentials = next;
    },
  };
}
