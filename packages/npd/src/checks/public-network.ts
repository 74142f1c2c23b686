import { monotonicMs } from '@ack-npd/core';
import type { ConditionDefault } from '../types.ts';
import { errorText, tryConnect } from './common.ts';
import type { ProbeCheck } from './probe.ts';

export const publicNetworkConditions: readonly ConditionDefault[] = [
  { type: 'PublicNetworkProblem', reason: 'PublicNetworkIsUp', message: 'public network is reachable' },
];

export interface PublicNetworkCheckOptions {
  /**
   * "host:port" (TCP connect) or an http(s) URL (any HTTP response counts as reachable).
   * Default "223.5.5.5:53": AliDNS, anycast, reachable from every region, no DNS lookup needed.
   */
  readonly endpoint?: string;
  readonly timeoutMs?: number;
  readonly interval?: number;
}

export type Endpoint = { kind: 'tcp'; host: string; port: number } | { kind: 'http'; url: URL };

/** Parses "host:port", "[v6]:port" or an http(s) URL; undefined when it is neither. */
export function parseEndpoint(text: string): Endpoint | undefined {
  if (/^https?:\/\//i.test(text)) {
    try {
      return { kind: 'http', url: new URL(text) };
    } catch {
      return undefined;
    }
  }
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  const host = match?.[1] ?? match?.[2];
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { kind: 'tcp', host, port };
}

/** public_network_check: a public endpoint answers within the timeout. */
export function createPublicNetworkCheck(options: PublicNetworkCheckOptions = {}): ProbeCheck {
  const text = options.endpoint ?? '223.5.5.5:53';
  const endpoint = parseEndpoint(text);
  if (!endpoint) throw new Error(`public_network_check: endpoint ${JSON.stringify(text)} is neither host:port nor an http(s) URL`);
  const timeoutMs = options.timeoutMs ?? 5000;
  return {
    name: 'public_network_check',
    source: 'public-network-monitor',
    conditions: publicNetworkConditions,
    interval: options.interval ?? 60_000,
    timeout: timeoutMs + 1000,
    async probe({ signal }) {
      const started = monotonicMs();
      try {
        if (endpoint.kind === 'tcp') {
          await tryConnect({ host: endpoint.host, port: endpoint.port }, timeoutMs, signal);
        } else {
          const response = await fetch(endpoint.url, {
            method: 'HEAD',
            redirect: 'manual',
            signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          });
          await response.body?.cancel();
        }
        return { conditions: [{ type: 'PublicNetworkProblem', status: 'False' }] };
      } catch (error) {
        const elapsed = Math.round(monotonicMs() - started);
        const cause = (error as { cause?: unknown }).cause;
        const why = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs}ms` : errorText(cause ?? error);
        return {
          conditions: [
            {
              type: 'PublicNetworkProblem',
              status: 'True',
              reason: 'PublicNetworkUnreachable',
              message: `cannot reach ${text} (${why}, after ${elapsed}ms; timeout ${timeoutMs}ms)`,
            },
          ],
        };
      }
    },
  };
}
