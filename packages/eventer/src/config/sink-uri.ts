import { ConfigError } from '@ack-npd/core';
import type { SinkSpec } from '../types.ts';
import { expandEnv, wholeVariable } from './env.ts';

/**
 * A value expanded into the URL before the query: percent-encoded where it could end or re-shape it
 * (`%`, `?`, `#`, `@`, spaces, ...), `/` kept so a variable can hold path segments.
 */
const encodeInUrl = (value: string): string => encodeURI(value).replace(/[?#@]/g, (c) => encodeURIComponent(c));

/**
 * Splits `KEY:URI` into a SinkSpec (query parameters keep every repeated value). `$VAR`s expand from
 * env where they stand, as data, so a secret holding `+ & % #` neither corrupts the URI nor adds
 * options: query values are split before expansion (the value lands verbatim in its option), and in
 * the URL it is percent-encoded. A URI that is just `$VAR` (optionally followed by `?options`) takes
 * the variable as a whole URL, its own query included (e.g. a webhook URL kept in a Secret).
 */
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
  const raw = colon < 0 ? '' : text.slice(colon + 1);
  const q = raw.indexOf('?');
  const rawBase = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams();
  let base: string;
  if (wholeVariable(rawBase)) {
    const url = expandEnv(rawBase, options.env, where);
    const at = url.indexOf('?');
    base = at < 0 ? url : url.slice(0, at);
    if (at >= 0) for (const [k, v] of new URLSearchParams(url.slice(at + 1))) query.append(k, v);
  } else {
    base = expandEnv(rawBase, options.env, where, encodeInUrl);
  }
  for (const [k, v] of new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))) {
    query.append(expandEnv(k, options.env, where), expandEnv(v, options.env, where));
  }
  let endpoint: URL | undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(base)) {
    try {
      endpoint = new URL(base);
    } catch {
      throw new ConfigError(where, [{ path: where, message: `"${base.replace(/\/\/[^@/]*@/, '//***@')}" is not a valid URL` }]);
    }
  }
  if (options.extraOptions) {
    for (const [k, v] of Object.entries(options.extraOptions)) {
      query.delete(k);
      for (const item of typeof v === 'string' ? [v] : v) query.append(k, expandEnv(item, options.env, where));
    }
  }
  const uri = query.size > 0 ? `${base}?${query}` : base;
  // Sinks whose URI is no URL (mysql's Go DSN, mongo's connection string) read it as written.
  const opaque = expandEnv(raw, options.env, where);
  return { key, name: options.name ?? key, uri, endpoint, query, opaque };
}
