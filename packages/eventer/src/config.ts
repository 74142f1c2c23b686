import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigIssue, durationMs, parseConfig, parseDuration, parseGoBool, regexString } from '@ack-npd/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { FilterSpec } from './filter.ts';
import type { Route } from './route.ts';
import type { SinkSpec } from './types.ts';

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

const checkpointSchema = z.string().regex(/^(none|file:.+|configmap:[a-z0-9-]+\/[a-z0-9.-]+)$/, {
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

export interface SinkPlan {
  readonly spec: SinkSpec;
  readonly route?: Route;
  readonly perMinute?: number;
  readonly repeatWindowMs?: number;
}

export interface EventerConfig {
  readonly source: string;
  readonly namespaces: readonly string[];
  readonly frequencyMs: number;
  readonly healthzIp: string;
  readonly healthzPort: number;
  readonly sinks: readonly SinkPlan[];
  readonly route?: Route;
  readonly spoolDir?: string;
  readonly spoolMaxBytes: number;
  readonly checkpoint: string;
  readonly eventTtlMs: number;
  readonly maxShipped: number;
  readonly queueSize: number;
  readonly maxBatch: number;
  readonly maxRetries: number;
  readonly sendTimeoutMs: number;
  readonly leaderElect: boolean;
  readonly leaseName: string;
  readonly leaseNamespace: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly identity: string;
  readonly logLevel: string;
}

export interface FlagValues {
  readonly source?: string;
  readonly sink?: readonly string[];
  readonly frequency?: string;
  readonly 'healthz-port'?: string;
  readonly 'healthz-ip'?: string;
  readonly config?: string;
  readonly namespaces?: string;
  readonly 'spool-dir'?: string;
  readonly 'spool-max-bytes'?: string;
  readonly checkpoint?: string;
  readonly 'event-ttl'?: string;
  readonly 'leader-elect'?: boolean;
  readonly 'leader-elect-lease-name'?: string;
  readonly 'leader-elect-namespace'?: string;
  readonly 'leader-elect-lease-duration'?: string;
  readonly 'leader-elect-renew-deadline'?: string;
  readonly 'leader-elect-retry-period'?: string;
  readonly identity?: string;
  readonly 'log-level'?: string;
}

/** Merges flags (kube-eventer's, verbatim) and the optional YAML file; flags win for scalars, sinks add up. */
export function buildConfig(flags: FlagValues, env: NodeJS.ProcessEnv, hostname: string): EventerConfig {
  const issues: ConfigIssue[] = [];
  const file = flags.config ? loadFileConfig(flags.config) : undefined;
  const duration = (flag: string, value: string | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    const ms = parseDuration(value);
    if (ms === undefined || ms < 0) {
      issues.push({ path: `--${flag}`, message: `"${value}" is not a duration (e.g. 30s, 5m)` });
      return fallback;
    }
    return ms;
  };
  const integer = (flag: string, value: string | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      issues.push({ path: `--${flag}`, message: `"${value}" is not a port number` });
      return fallback;
    }
    return n;
  };
  const plans: SinkPlan[] = [];
  const names = new Map<string, number>();
  const uniqueName = (key: string, given: string | undefined): string => {
    if (given) return given;
    const n = (names.get(key) ?? 0) + 1;
    names.set(key, n);
    return n === 1 ? key : `${key}-${n}`;
  };
  for (const text of flags.sink ?? []) {
    const key = text.split(':', 1)[0] ?? '';
    try {
      plans.push({ spec: parseSinkSpec(text, { env, name: uniqueName(key, undefined) }) });
    } catch (error) {
      if (error instanceof ConfigError) issues.push(...error.issues);
      else throw error;
    }
  }
  for (const [index, sink] of (file?.sinks ?? []).entries()) {
    const key = sink.uri.split(':', 1)[0] ?? '';
    try {
      const spec = parseSinkSpec(sink.uri, {
        env,
        name: uniqueName(key, sink.name),
        ...(sink.options ? { extraOptions: sink.options } : {}),
      });
      plans.push({
        spec,
        ...(sink.route ? { route: sink.route } : {}),
        ...(sink.perMinute ? { perMinute: sink.perMinute } : {}),
        ...(sink.repeatWindow ? { repeatWindowMs: sink.repeatWindow } : {}),
      });
    } catch (error) {
      if (error instanceof ConfigError) issues.push(...error.issues.map((issue) => ({ ...issue, path: `sinks[${index}]: ${issue.path}` })));
      else throw error;
    }
  }
  const seen = new Set<string>();
  for (const plan of plans) {
    if (seen.has(plan.spec.name)) issues.push({ path: `sinks.${plan.spec.name}`, message: 'duplicate sink name' });
    seen.add(plan.spec.name);
  }
  if (plans.length === 0) issues.push({ path: '--sink', message: 'at least one --sink=KEY:URI (or sinks: in --config) is required' });
  const source = flags.source ?? file?.source ?? 'kubernetes:https://kubernetes.default';
  if (!source.startsWith('kubernetes:'))
    issues.push({ path: '--source', message: `only kubernetes:<apiserver URI> is supported, got "${source.split(':')[0]}"` });
  let spoolMaxBytes = file?.spoolMaxBytes ?? 256 * 1024 ** 2;
  if (flags['spool-max-bytes'] !== undefined) {
    const n = parseBytes(flags['spool-max-bytes']);
    if (n === undefined || n <= 0)
      issues.push({ path: '--spool-max-bytes', message: `"${flags['spool-max-bytes']}" is not a size (e.g. 256Mi)` });
    else spoolMaxBytes = n;
  }
  const leaderElect = flags['leader-elect'] ?? false;
  const leaseNamespace = flags['leader-elect-namespace'] ?? env.POD_NAMESPACE ?? 'kube-system';
  const leaseName = flags['leader-elect-lease-name'] ?? 'ack-npd-eventer';
  const spoolDir = flags['spool-dir'] ?? file?.spoolDir;
  let checkpoint = flags.checkpoint ?? file?.checkpoint;
  if (checkpoint !== undefined && !checkpointSchema.safeParse(checkpoint).success) {
    issues.push({ path: '--checkpoint', message: `expected none, file:/path or configmap:<namespace>/<name>, got "${checkpoint}"` });
  }
  checkpoint ??= leaderElect
    ? `configmap:${leaseNamespace}/${leaseName}-checkpoint`
    : spoolDir
      ? `file:${spoolDir}/checkpoint.json`
      : 'none';
  if (leaderElect && checkpoint.startsWith('file:'))
    issues.push({ path: '--checkpoint', message: 'with --leader-elect the checkpoint must be shared: use configmap:<namespace>/<name>' });
  const config: EventerConfig = {
    source,
    namespaces:
      flags.namespaces !== undefined
        ? flags.namespaces
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : (file?.namespaces ?? []),
    frequencyMs: duration('frequency', flags.frequency, file?.frequency ?? 30_000),
    healthzIp: flags['healthz-ip'] ?? '0.0.0.0',
    healthzPort: integer('healthz-port', flags['healthz-port'], 8084),
    sinks: plans,
    ...(file?.route ? { route: file.route } : {}),
    ...(spoolDir ? { spoolDir } : {}),
    spoolMaxBytes,
    checkpoint,
    eventTtlMs: duration('event-ttl', flags['event-ttl'], file?.eventTTL ?? 3_600_000),
    maxShipped: file?.maxShipped ?? 8000,
    queueSize: file?.delivery?.queueSize ?? 10_000,
    maxBatch: file?.delivery?.maxBatch ?? 100,
    maxRetries: file?.delivery?.maxRetries ?? 5,
    sendTimeoutMs: file?.delivery?.sendTimeout ?? 30_000,
    leaderElect,
    leaseName,
    leaseNamespace,
    leaseDurationMs: duration('leader-elect-lease-duration', flags['leader-elect-lease-duration'], 15_000),
    renewDeadlineMs: duration('leader-elect-renew-deadline', flags['leader-elect-renew-deadline'], 10_000),
    retryPeriodMs: duration('leader-elect-retry-period', flags['leader-elect-retry-period'], 2_000),
    identity: flags.identity ?? env.POD_NAME ?? `${hostname}_${process.pid}`,
    logLevel: flags['log-level'] ?? 'info',
  };
  if (config.renewDeadlineMs >= config.leaseDurationMs)
    issues.push({ path: '--leader-elect-renew-deadline', message: 'must be shorter than --leader-elect-lease-duration' });
  if (issues.length > 0) throw new ConfigError('flags', issues);
  return config;
}

const BOOLEAN_FLAGS = new Set(['leader-elect', 'logtostderr', 'help']);

/** Go's flag package (and so every kube-eventer manifest) writes booleans as `--flag=true|false`. */
export function goBooleans(argv: readonly string[]): string[] {
  return argv.map((arg) => {
    const match = /^--?([^=]+)=(.*)$/.exec(arg);
    const value = parseGoBool(match?.[2] ?? '');
    if (!match?.[1] || !BOOLEAN_FLAGS.has(match[1]) || value === undefined) return arg;
    return value ? `--${match[1]}` : `--no-${match[1]}`;
  });
}
