import { ConfigError } from '@ack-npd/core';

/** `$VAR` / `${VAR}` from env, `$$` for a literal `$`. An unset variable is an error (not silently ""). */
export function expandEnv(text: string, env: NodeJS.ProcessEnv, where: string): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, bare) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare) as string;
    const value = env[name];
    if (value === undefined) throw new ConfigError(where, [{ path: where, message: `environment variable $${name} is not set` }]);
    return value;
  });
}
