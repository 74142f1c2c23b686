import { ConfigError } from '@ack-npd/core';
import type { SinkSpec } from '../types.ts';
import { expandEnv } from './env.ts';

/** Splits `KEY:URI` into a SinkSpec (query parameters keep every repeated value). */
export function parseSinkSpec(
  text: string,
  options: { env: NodeJS.ProcessEnv; name?: string; extraOptions?: Readonly<Record<string, string | readonly string[]>> },
): SinkSpec {
  const colon = text.indexOf(':');
  const key = (colon < 0 ? text : text.slice(0, colon)).trim();
  const where = `--sink=${options.name ?? key}`;
  if (!/^[a-z][a-z0-9_-]*$/.test(key))
    throw new ConfigError(where, [
      { path: where, message: `expected KEY:URI, e.g. webhook:https://host/path, got "${text.slice(0, 40)}"` },
    ]);
  const uri = expandEnv(colon < 0 ? '' : text.slice(colon + 1), options.env, where);
  let endpoint: URL | undefined;
  let query: URLSearchParams;
  const q = uri.indexOf('?');
  const base = q < 0 ? uri : uri.slice(0, q);
  query = new URLSearchParams(q < 0 ? '' : uri.slice(q + 1));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(base)) {
    try {
      endpoint = new URL(base);
    } catch {
      throw new ConfigError(where, [{ path: where, message: `"${base.replace(/\/\/[^@/]*@/, '//***@')}" is not a valid URL` }]);
    }
  }
  if (options.extraOptions) {
    query = new URLSearchParams(query);
    for (const [k, v] of Object.entries(options.extraOptions)) {
      query.delete(k);
      for (const item of typeof v === 'string' ? [v] : v) query.append(k, expandEnv(item, options.env, where));
    }
  }
  return { key, name: options.name ?? key, uri, endpoint, query };
}
