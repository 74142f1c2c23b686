import { ConfigError } from '@ack-npd/core';

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * `$VAR` / `${VAR}` from env, `$$` for a literal `$`, `${VAR:-default}` when VAR may be unset or empty
 * (e.g. an optional Secret key). An unset variable without a default is an error (not silently "").
 * `encode` transforms each value (not the text around it), e.g. to percent-encode it into a URI.
 */
export function expandEnv(text: string, env: NodeJS.ProcessEnv, where: string, encode: (value: string) => string = (v) => v): string {
  return text.replace(VARIABLE, (whole, braced, fallback, bare) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare) as string;
    const value = fallback !== undefined && !env[name] ? (fallback as string) : env[name];
    if (value === undefined) throw new ConfigError(where, [{ path: where, message: `environment variable $${name} is not set` }]);
    return encode(value);
  });
}

/** The variable name when `text` is exactly one `$VAR` / `${VAR}`. */
export function wholeVariable(text: string): string | undefined {
  const match = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(text);
  return match ? (match[1] ?? match[2]) : undefined;
}
