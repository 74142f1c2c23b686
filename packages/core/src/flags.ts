import { type ParseArgsConfig, parseArgs } from 'node:util';
import { durationProblem, parseGoBool } from './config.ts';
import { parseDuration } from './duration.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';

/**
 * One command-line flag, as Go's flag package has them: a string (repeatable when `multiple`), a
 * boolean (`--flag`, `--flag=false` in any strconv.ParseBool spelling; never `--flag false`), or a
 * duration (time.ParseDuration, to milliseconds; negative ones refused).
 */
export type FlagSpec =
  | { readonly type: 'string'; readonly multiple?: false; readonly short?: string }
  | { readonly type: 'string'; readonly multiple: true; readonly short?: string }
  | { readonly type: 'bool'; readonly short?: string }
  | { readonly type: 'duration'; readonly short?: string };

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type ValueOf<S extends FlagSpec> = S extends { type: 'bool' }
  ? boolean
  : S extends { type: 'duration' }
    ? number
    : S extends { multiple: true }
      ? string[]
      : string;

/** The flags given (absent ones are undefined: the caller applies defaults). */
export type FlagValues<S extends FlagSpecs> = { -readonly [K in keyof S]?: ValueOf<S[K]> };

/**
 * Parses Go-style flags with node:util parseArgs: `--name=value`, `--name value`, `-name` (one dash,
 * as Go allows), booleans as `--flag` / `--flag=false`, the last of a repeated scalar wins. Every
 * problem (unknown flag, missing value, bad boolean or duration) is collected into one ConfigError
 * whose issues name the flag.
 */
export function parseFlags<const S extends FlagSpecs>(argv: readonly string[], specs: S, source = 'command line'): FlagValues<S> {
  const issues: ConfigIssue[] = [];
  const values = readFlags(argv, specs, issues);
  if (issues.length > 0) throw new ConfigError(source, issues);
  return values;
}

/** parseFlags that appends its issues to the caller's list (which goes on validating) instead of throwing. */
export function readFlags<const S extends FlagSpecs>(argv: readonly string[], specs: S, issues: ConfigIssue[]): FlagValues<S> {
  const shorts = new Map(Object.entries(specs).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])));
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    const match = /^--?([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!match?.[1]) {
      issues.push({ path: arg, message: 'unexpected argument (flags look like --name=value)' });
      continue;
    }
    const name = shorts.get(match[1]) ?? match[1];
    const spec = specs[name];
    if (!spec) {
      issues.push({ path: `--${match[1]}`, message: 'unknown flag (see --help)' });
      continue;
    }
    const value = match[2];
    if (spec.type === 'bool') {
      if (value === undefined) args.push(`--${name}`);
      else {
        const parsed = parseGoBool(value);
        if (parsed === undefined) issues.push({ path: `--${name}`, message: `"${value}" is not a boolean (true or false)` });
        else args.push(parsed ? `--${name}` : `--no-${name}`);
      }
    } else if (value !== undefined) args.push(`--${name}=${value}`);
    else if (i + 1 < argv.length) args.push(`--${name}=${argv[++i] ?? ''}`);
    else issues.push({ path: `--${name}`, message: 'needs a value' });
  }
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] =
      spec.type === 'bool' ? { type: 'boolean' } : { type: 'string', multiple: spec.type === 'string' && spec.multiple === true };
  }
  let parsed: Record<string, unknown> = {};
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false, allowNegative: true }).values;
  } catch (error) {
    issues.push({ path: 'command line', message: (error as Error).message });
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const value = parsed[name];
    if (value === undefined) continue;
    if (spec.type === 'duration') {
      const ms = parseDuration(String(value));
      if (ms === undefined || ms < 0) issues.push({ path: `--${name}`, message: durationProblem(String(value)) });
      else out[name] = ms;
    } else out[name] = value;
  }
  return out as FlagValues<S>;
}
