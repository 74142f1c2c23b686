import { en } from 'zod/locales';
import * as z from 'zod/mini';
import type * as zc from 'zod/v4/core';
import { goDurationError, parseDuration } from './duration.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';

// zod's mini build: the schemas here are plain functions, tree-shaken in a bundle (the classic
// build costs ~11 MiB more RSS). English messages, as the classic build gives by default.
z.config(en());

/** A zod string transform that reports `message(text)` as the issue when `parse` returns undefined. */
const parsedString = <T>(parse: (text: string) => T | undefined, message: (text: string, error?: unknown) => string) =>
  z.pipe(
    z.string(),
    z.transform((text: string, ctx) => {
      let value: T | undefined;
      let failure: unknown;
      try {
        value = parse(text);
      } catch (error) {
        failure = error;
      }
      if (value === undefined) {
        ctx.issues.push({ code: 'custom', message: message(text, failure), input: text });
        return z.NEVER;
      }
      return value;
    }),
  );

/** zod type for a Go-style duration string ("30s", "5m"), parsed to milliseconds. */
/** zod type for a Go duration string ("30s", "5m", ".5s"), parsed to milliseconds; negative ones are refused. */
export const durationMs = parsedString(
  (text) => {
    const ms = parseDuration(text);
    return ms === undefined || ms < 0 ? undefined : ms;
  },
  (text) => durationProblem(text),
);

/** Why a flag or config value is not a usable (non-negative) duration, naming Go's reason. */
export function durationProblem(text: string): string {
  const why = goDurationError(text.trim());
  const example = 'use a number with a unit, e.g. "30s", "5m", "1h30m", "500ms"';
  return why ? `"${text}" is not a duration (${why}); ${example}` : `"${text}" is negative; ${example}`;
}

/** zod type for a string that must compile as a JavaScript regular expression. */
export const regexString = parsedString(
  (text) => new RegExp(text),
  (text, error) => `invalid regular expression ${JSON.stringify(text)}: ${(error as Error).message}`,
);

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
  z.pipe(
    z.optional(z.string()),
    z.transform((value: string | undefined, ctx) => {
      if (value === undefined) return undefined;
      const parsed = parseGoBool(value);
      if (parsed === undefined) {
        ctx.issues.push({ code: 'custom', message: `${name} must be true or false`, input: value });
        return z.NEVER;
      }
      return parsed;
    }),
  );

/** Turns zod issues into paths like `rules[2].timeout`. */
export function zodIssues(error: zc.$ZodError): ConfigIssue[] {
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
export function parseConfig<S extends zc.$ZodType>(schema: S, raw: unknown, source: string): zc.output<S> {
  const result = z.safeParse(schema, raw);
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
