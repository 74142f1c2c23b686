import type { ConditionDefault } from '../types.ts';
import { errorText } from './common.ts';
import type { ProbeCheck, ProbeCondition } from './probe.ts';

export const ramRoleConditions: readonly ConditionDefault[] = [
  { type: 'RAMRoleError', reason: 'NodeHasRAMRole', message: 'node has ram role' },
];

export interface RamRoleCheckOptions {
  /** ECS metadata service base URL (http://100.100.100.200). */
  readonly endpoint?: string;
  /** Per-request timeout (3s). */
  readonly timeoutMs?: number;
  /** IMDSv2 token lifetime requested (6h, the maximum ECS allows). */
  readonly tokenTtlSeconds?: number;
  readonly interval?: number;
}

const ROLE_PATH = '/latest/meta-data/ram/security-credentials/';
const TOKEN_PATH = '/latest/api/token';

/**
 * ram_role_check: the instance has a RAM role (ECS metadata lists one under
 * security-credentials/). Uses an IMDSv2 token (PUT /latest/api/token) when the service issues
 * one, and plain GETs when it does not (IMDSv1, or a proxy that drops PUT).
 */
export function createRamRoleCheck(options: RamRoleCheckOptions = {}): ProbeCheck {
  const base = (options.endpoint ?? 'http://100.100.100.200').replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 3000;
  const ttl = options.tokenTtlSeconds ?? 21_600;
  let token: { value: string; expires: number } | undefined;

  const fetchToken = async (signal: AbortSignal, now: number): Promise<string | undefined> => {
    if (token && token.expires > now) return token.value;
    token = undefined;
    try {
      const response = await fetch(`${base}${TOKEN_PATH}`, {
        method: 'PUT',
        headers: { 'X-aliyun-ecs-metadata-token-ttl-seconds': String(ttl) },
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      const body = (await response.text()).trim();
      if (!response.ok || body === '') return undefined;
      // Renew a minute before the service would expire it.
      token = { value: body, expires: now + Math.max(ttl - 60, 1) * 1000 };
      return body;
    } catch {
      return undefined; // fall back to IMDSv1; the GET decides about reachability
    }
  };

  const getRoles = async (signal: AbortSignal, tokenValue: string | undefined): Promise<Response> =>
    fetch(`${base}${ROLE_PATH}`, {
      headers: tokenValue ? { 'X-aliyun-ecs-metadata-token': tokenValue } : {},
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });

  const check = async (signal: AbortSignal, now: number): Promise<ProbeCondition> => {
    const url = `${base}${ROLE_PATH}`;
    let response: Response;
    try {
      const tokenValue = await fetchToken(signal, now);
      response = await getRoles(signal, tokenValue);
      if ((response.status === 401 || response.status === 403) && tokenValue) {
        // A stale or rejected token: forget it and ask without one.
        await response.body?.cancel();
        token = undefined;
        response = await getRoles(signal, undefined);
      }
    } catch (error) {
      const why =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs}ms`
          : errorText((error as { cause?: unknown }).cause ?? error);
      return { type: 'RAMRoleError', status: 'Unknown', message: `metadata service unreachable (GET ${url}: ${why})` };
    }
    const body = (await response.text()).trim();
    if (response.status === 404 || (response.ok && body === '')) {
      return {
        type: 'RAMRoleError',
        status: 'True',
        reason: 'NodeHasNoRAMRole',
        message: `no RAM role attached to this instance (GET ${url} returned ${response.status}${body === '' ? ', empty' : ''})`,
      };
    }
    if (!response.ok) {
      return { type: 'RAMRoleError', status: 'Unknown', message: `metadata service answered GET ${url} with HTTP ${response.status}` };
    }
    return { type: 'RAMRoleError', status: 'False' };
  };

  return {
    name: 'ram_role_check',
    source: 'ram-role-monitor',
    conditions: ramRoleConditions,
    interval: options.interval ?? 300_000,
    timeout: timeoutMs * 3 + 1000,
    async probe({ signal, now }) {
      return { conditions: [await check(signal, now)] };
    },
  };
}
