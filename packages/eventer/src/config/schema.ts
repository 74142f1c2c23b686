import { readFileSync } from 'node:fs';
import { ConfigError, durationMs, parseConfig, regexString } from '@ack-npd/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { FilterSpec } from '../filter.ts';
import type { Route } from '../route.ts';

const BYTES = /^(\d+(?:\.\d+)?)\s*(|k|Ki|M|Mi|G|Gi|KB|MB|GB)$/;
const BYTE_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  KB: 1e3,
  Ki: 1024,
  M: 1e6,
  MB: 1e6,
  Mi: 1024 ** 2,
  G: 1e9,
  GB: 1e9,
  Gi: 1024 ** 3,
};

export function parseBytes(text: string): number | undefined {
  const match = BYTES.exec(text.trim());
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * (BYTE_UNITS[match[2] ?? ''] ?? Number.NaN));
}

const bytes = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const n = parseBytes(value);
  if (n === undefined || n <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a size; use e.g. 268435456, "256Mi", "1Gi"` });
    return z.NEVER;
  }
  return n;
});

const ruleSchema = z
  .object({
    level: z.string().optional(),
    namespaces: z.array(z.string()).optional(),
    /** Apply `namespaces` to events of cluster-scoped objects (Node...) too. Default false. */
    clusterScoped: z.boolean().optional(),
    kinds: z.array(z.string()).optional(),
    reasons: z.array(regexString).optional(),
    messages: z.array(regexString).optional(),
    names: z.array(regexString).optional(),
    components: z.array(regexString).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    /** [added] ships new events only (no count-bump updates). */
    changes: z.array(z.enum(['added', 'updated'])).optional(),
  })
  .strict()
  .transform(
    ({ clusterScoped, ...rule }): FilterSpec => ({
      ...rule,
      ...(clusterScoped !== undefined ? { namespacesApplyToClusterScoped: clusterScoped } : {}),
    }),
  );

const routeSchema: z.ZodType<Route> = z.lazy(() =>
  z
    .object({
      drop: z.array(ruleSchema).optional(),
      match: z.array(ruleSchema).optional(),
      routes: z.array(routeSchema).optional(),
    })
    .strict(),
) as unknown as z.ZodType<Route>;

export const checkpointSchema = z.string().regex(/^(none|file:.+|configmap:[a-z0-9-]+\/[a-z0-9.-]+)$/, {
  message: 'expected none, file:/path/checkpoint.json or configmap:<namespace>/<name>',
});

export const fileConfigSchema = z
  .object({
    source: z.string().optional(),
    namespaces: z.array(z.string()).optional(),
    frequency: z.optional(durationMs),
    spoolDir: z.string().optional(),
    spoolMaxBytes: bytes.optional(),
    checkpoint: checkpointSchema.optional(),
    eventTTL: z.optional(durationMs),
    maxShipped: z.number().int().positive().optional(),
    delivery: z
      .object({
        queueSize: z.number().int().positive().optional(),
        maxBatch: z.number().int().positive().optional(),
        maxRetries: z.number().int().nonnegative().optional(),
        sendTimeout: z.optional(durationMs),
      })
      .strict()
      .optional(),
    /** A route applied before every sink's own. */
    route: routeSchema.optional(),
    sinks: z
      .array(
        z
          .object({
            name: z
              .string()
              .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _')
              .optional(),
            uri: z.string(),
            /** Extra sink options, as if in the URI query (e.g. body_template for webhook). */
            options: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
            route: routeSchema.optional(),
            /** Per-sink rate limit override (messages a minute). */
            perMinute: z.number().positive().optional(),
            /** Repeat-fold window: repeats of an object+reason within it ship as one summary. */
            repeatWindow: z.optional(durationMs),
            /** Chat sinks: count bumps within it after a message ship once as "(×N)"; 0 = every bump (default 1m for chat sinks). */
            bumpWindow: z.optional(z.union([z.literal(0), durationMs])),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

export type FileConfig = z.output<typeof fileConfigSchema>;

export function loadFileConfig(path: string): FileConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ path: '--config', message: `cannot read ${path}: ${(error as Error).message}` }]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(path, [{ path: '(yaml)', message: (error as Error).message }]);
  }
  return parseConfig(fileConfigSchema, raw ?? {}, path);
}
