import { ConfigError, type ConfigIssue, type FlagValues as CoreFlagValues, type FlagSpecs, type LogLevel } from '@ack-npd/core';
import type { Route } from '../route.ts';
import type { SinkSpec } from '../types.ts';
import { checkpointSchema, loadFileConfig, parseBytes } from './schema.ts';
import { parseSinkSpec } from './sink-uri.ts';

export interface SinkPlan {
  readonly spec: SinkSpec;
  readonly route?: Route;
  readonly perMinute?: number;
  readonly repeatWindowMs?: number;
  readonly bumpWindowMs?: number;
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

/** kube-eventer's flags (plus ours), for core's Go-syntax parseFlags. */
export const EVENTER_FLAGS = {
  source: { type: 'string' },
  sink: { type: 'string', multiple: true },
  frequency: { type: 'duration' },
  'healthz-port': { type: 'string' },
  'healthz-ip': { type: 'string' },
  config: { type: 'string' },
  namespaces: { type: 'string' },
  'spool-dir': { type: 'string' },
  'spool-max-bytes': { type: 'string' },
  checkpoint: { type: 'string' },
  'event-ttl': { type: 'duration' },
  'leader-elect': { type: 'bool' },
  'leader-elect-lease-name': { type: 'string' },
  'leader-elect-namespace': { type: 'string' },
  'leader-elect-lease-duration': { type: 'duration' },
  'leader-elect-renew-deadline': { type: 'duration' },
  'leader-elect-retry-period': { type: 'duration' },
  identity: { type: 'string' },
  'log-level': { type: 'string' },
  // glog flags kube-eventer deployments pass; accepted and ignored.
  v: { type: 'string' },
  logtostderr: { type: 'bool' },
  help: { type: 'bool', short: 'h' },
} as const satisfies FlagSpecs;

export type FlagValues = CoreFlagValues<typeof EVENTER_FLAGS>;

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Merges flags (kube-eventer's, verbatim) and the optional YAML file; flags win for scalars, sinks add up. */
export function buildConfig(flags: FlagValues, env: NodeJS.ProcessEnv, hostname: string): EventerConfig {
  const issues: ConfigIssue[] = [];
  const file = flags.config ? loadFileConfig(flags.config) : undefined;
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
        ...(sink.bumpWindow !== undefined ? { bumpWindowMs: sink.bumpWindow } : {}),
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
    frequencyMs: flags.frequency ?? file?.frequency ?? 30_000,
    healthzIp: flags['healthz-ip'] ?? '0.0.0.0',
    healthzPort: integer('healthz-port', flags['healthz-port'], 8084),
    sinks: plans,
    ...(file?.route ? { route: file.route } : {}),
    ...(spoolDir ? { spoolDir } : {}),
    spoolMaxBytes,
    checkpoint,
    eventTtlMs: flags['event-ttl'] ?? file?.eventTTL ?? 3_600_000,
    maxShipped: file?.maxShipped ?? 8000,
    queueSize: file?.delivery?.queueSize ?? 10_000,
    maxBatch: file?.delivery?.maxBatch ?? 100,
    maxRetries: file?.delivery?.maxRetries ?? 5,
    sendTimeoutMs: file?.delivery?.sendTimeout ?? 30_000,
    leaderElect,
    leaseName,
    leaseNamespace,
    leaseDurationMs: flags['leader-elect-lease-duration'] ?? 15_000,
    renewDeadlineMs: flags['leader-elect-renew-deadline'] ?? 10_000,
    retryPeriodMs: flags['leader-elect-retry-period'] ?? 2_000,
    identity: flags.identity ?? env.POD_NAME ?? `${hostname}_${process.pid}`,
    logLevel: flags['log-level'] ?? 'info',
  };
  if (!(LOG_LEVELS as readonly string[]).includes(config.logLevel))
    issues.push({ path: '--log-level', message: `"${config.logLevel}" is not one of ${LOG_LEVELS.join(', ')}` });
  if (config.renewDeadlineMs >= config.leaseDurationMs)
    issues.push({ path: '--leader-elect-renew-deadline', message: 'must be shorter than --leader-elect-lease-duration' });
  if (issues.length > 0) throw new ConfigError('flags', issues);
  return config;
}
