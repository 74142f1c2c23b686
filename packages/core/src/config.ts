import { z } from 'zod';
import { goDurationError, parseDuration } from './duration.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';

/** zod type for a Go duration string ("30s", "5m", ".5s"), parsed to milliseconds; negative ones are refused. */
export const durationMs = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 0) {
    ctx.addIssue({ code: 'custom', message: durationProblem(text) });
    return z.NEVER;
  }
  return ms;
});

/** Why a flag or config value is not a usable (non-negative) duration, naming Go's reason. */
export function durationProblem(text: string): string {
  const why = goDurationError(text.trim());
  const example = 'use a number with a unit, e.g. "30s", "5m", "1h30m", "500ms"';
  return why ? `"${text}" is not a duration (${why}); ${example}` : `"${text}" is negative; ${example}`;
}

/** zod type for a string that must compile as a JavaScript regular expression. */
export const regexString = z.string().transform((text, ctx) => {
  try {
    return new RegExp(text);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `invalid regular expression ${JSON.stringify(text)}: ${(error as Error).message}`,
    });
    return z.NEVER;
  }
});

const GO_TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/** Go's strconv.ParseBool: the spellings NPD and kube-eventer users write in flags and URIs. */
export function parseGoBool(text: string): boolean | undefined {
  if (GO_TRUE.has(text)) return true;
  if (GO_FALSE.has(text)) return false;
  return undefined;
}

/** zod type for an optional Go-style boolean option (`internal=true`), named in its error. */
export const goBoolOption = (name: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const parsed = parseGoBool(value);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: `${name} must be true or false` });
        return z.NEVER;
      }
      return parsed;
    });

/** Turns zod issues into paths like `rules[2].timeout`. */
export function zodIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: formatPath(issue.path),
    message: issue.message,
  }));
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Validates raw input against a schema and returns a deeply frozen typed value,
 * or throws one ConfigError that names the source and every bad field.
 */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown, source: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(source, zodIssues(result.error));
  return deepFreeze(result.data);
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof RegExp)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
