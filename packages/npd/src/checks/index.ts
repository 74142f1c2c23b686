import { ConfigError, type ConfigIssue, deepFreeze, durationMs, parseGoBool, zodIssues } from '@ack-npd/core';
import * as z from 'zod/mini';
import { defaultNodePaths } from './common.ts';
import { createConntrackCheck } from './conntrack.ts';
import { createCsiHangCheck } from './csi-hang.ts';
import { createDiskPressureCheck } from './disk-pressure.ts';
import { createFdCheck } from './fd.ts';
import { createInodesCheck } from './inodes.ts';
import { createIrqbalanceCheck } from './irqbalance.ts';
import { createMemoryPressureCheck } from './memory-pressure.ts';
import { createNtpCheck } from './ntp.ts';
import { createNvidiaGpuCheck, defaultFatalXids } from './nvidia-gpu.ts';
import { createPidPressureCheck } from './pid-pressure.ts';
import type { ProbeCheck } from './probe.ts';
import { createPsHangCheck } from './ps-hang.ts';
import { createPublicNetworkCheck, parseEndpoint } from './public-network.ts';
import { createRamRoleCheck } from './ram-role.ts';
import { createZombieCheck } from './zombie.ts';

/** Canonical check names: ACK's plug-in names, then the pressure checks other clouds ship. */
export const checkNames = [
  'fd_check',
  'inodes_usage_check',
  'ntp_check',
  'network_problem_check',
  'ps_hang_check',
  'csi_hang_check',
  'ram_role_check',
  'nvidia_gpu_check',
  'public_network_check',
  'irqbalance_check',
  'memory_pressure_check',
  'pid_pressure_check',
  'disk_pressure_check',
  'zombie_check',
] as const;
export type CheckName = (typeof checkNames)[number];

/** Other spellings users have in their values files → canonical name. */
export const checkAliases: Readonly<Record<string, CheckName>> = { inode_usage_check: 'inodes_usage_check' };

/** ACK chart's `alibaba_cloud_plugins` default. */
export const defaultCheckNames: readonly string[] = ['fd_check', 'ntp_check', 'network_problem_check', 'inode_usage_check'];

const percentValue = z.coerce.number().check(z.gt(0), z.lte(100));
const percent = (fallback: number) => z._default(percentValue, fallback);
const count = (fallback: number) => z._default(z.pipe(z.coerce.number(), z.int().check(z.positive())), fallback);
/** A duration: Go-style string ("30s") or a number of seconds. */
const duration = z.union([
  z.pipe(
    z.number().check(z.positive()),
    z.transform((s: number) => s * 1000),
  ),
  durationMs,
]);
/** A comma-separated string or an array (helm values give either). */
const splitComma = (value: unknown): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    : value;
const list = (element: z.ZodMiniType<string, string>) => z.pipe(z.transform(splitComma), z.array(element));
const intList = z.pipe(z.transform(splitComma), z.array(z.pipe(z.coerce.number(), z.int().check(z.nonnegative()))));
/** A boolean, or a string in any spelling Go's strconv.ParseBool takes (`true`, `1`, `f`, ...). */
const bool = (name: string) =>
  z.pipe(
    z.union([z.boolean(), z.string()]),
    z.transform((value: boolean | string, ctx) => {
      const parsed = typeof value === 'boolean' ? value : parseGoBool(value);
      if (parsed !== undefined) return parsed;
      ctx.issues.push({ code: 'custom', message: `${name} must be true or false, got ${JSON.stringify(value)}`, input: value });
      return z.NEVER;
    }),
  );
const absolutePath = z.string().check(z.regex(/^\//, 'must be an absolute host path'));

const intervalKeys = Object.fromEntries(
  [...checkNames, ...Object.keys(checkAliases)].map((n) => [`${n}_interval`, z.optional(duration)]),
) as Record<`${CheckName | 'inode_usage_check'}_interval`, z.ZodMiniOptional<typeof duration>>;

/** ACK's `plugin_settings`, keys verbatim (including ACK's `inode_warning_percenage`), plus ours. */
const settingsSchema = z.object({
  /** Interval of every check without its own `<check>_interval`. */
  check_interval: z.optional(duration),
  ...intervalKeys,
  check_fd_warning_percentage: percent(80),
  inode_warning_percenage: z.optional(percentValue),
  inode_warning_percentage: z.optional(percentValue),
  inode_check_paths: z._default(list(absolutePath), [...defaultNodePaths]),
  disk_warning_percentage: percent(90),
  disk_check_paths: z._default(list(absolutePath), [...defaultNodePaths]),
  memory_warning_percentage: percent(80),
  pid_warning_percentage: percent(90),
  conntrack_warning_percentage: percent(90),
  ps_hang_threshold: count(10),
  ps_hang_consecutive_checks: count(3),
  zombie_threshold: count(100),
  zombie_consecutive_checks: count(3),
  ntp_check_sync: z._default(bool('ntp_check_sync'), true),
  csi_plugin_dir: z._default(absolutePath, '/var/lib/kubelet/plugins'),
  csi_mounts_file: z.optional(absolutePath),
  csi_hang_timeout: z.prefault(duration, '5s'),
  csi_slow_io_threshold: z.prefault(duration, '1s'),
  ram_role_metadata_endpoint: z._default(z.url({ protocol: /^https?$/ }), 'http://100.100.100.200'),
  ram_role_timeout: z.prefault(duration, '3s'),
  nvidia_xid_log_path: z._default(absolutePath, '/dev/kmsg'),
  nvidia_xid_state_file: z._default(absolutePath, '/var/lib/ack-npd/nvidia-xid.json'),
  nvidia_fatal_xids: z._default(intList, [...defaultFatalXids]),
  public_network_endpoint: z._default(
    z.string().check(z.refine((s: string) => parseEndpoint(s) !== undefined, 'must be host:port or an http(s) URL')),
    '223.5.5.5:53',
  ),
  public_network_timeout: z.prefault(duration, '5s'),
});

export type CheckSettings = z.output<typeof settingsSchema>;

export type CheckFactory = (settings: CheckSettings) => ProbeCheck;

const settingKeys = new Set(Object.keys(settingsSchema.shape));

function interval(settings: CheckSettings, name: CheckName): number | undefined {
  return (
    settings[`${name}_interval`] ??
    (name === 'inodes_usage_check' ? settings.inode_usage_check_interval : undefined) ??
    settings.check_interval
  );
}

/** `{ interval }` when configured, nothing otherwise (each check keeps its own default). */
function every(settings: CheckSettings, name: CheckName): { interval?: number } {
  const ms = interval(settings, name);
  return ms === undefined ? {} : { interval: ms };
}

/** Every check name users may write (canonical and aliases) → factory. */
export const builtinChecks = {
  fd_check: (s) => createFdCheck({ warningPercentage: s.check_fd_warning_percentage, ...every(s, 'fd_check') }),
  inodes_usage_check: (s) => createInodes(s),
  inode_usage_check: (s) => createInodes(s),
  ntp_check: (s) => createNtpCheck({ checkSync: s.ntp_check_sync, ...every(s, 'ntp_check') }),
  network_problem_check: (s) =>
    createConntrackCheck({ warningPercentage: s.conntrack_warning_percentage, ...every(s, 'network_problem_check') }),
  ps_hang_check: (s) =>
    createPsHangCheck({ threshold: s.ps_hang_threshold, consecutiveChecks: s.ps_hang_consecutive_checks, ...every(s, 'ps_hang_check') }),
  csi_hang_check: (s) =>
    createCsiHangCheck({
      pluginDir: s.csi_plugin_dir,
      ...(s.csi_mounts_file ? { mountsFile: s.csi_mounts_file } : {}),
      timeoutMs: s.csi_hang_timeout,
      slowMs: s.csi_slow_io_threshold,
      ...every(s, 'csi_hang_check'),
    }),
  ram_role_check: (s) =>
    createRamRoleCheck({ endpoint: s.ram_role_metadata_endpoint, timeoutMs: s.ram_role_timeout, ...every(s, 'ram_role_check') }),
  nvidia_gpu_check: (s) =>
    createNvidiaGpuCheck({
      logPath: s.nvidia_xid_log_path,
      stateFile: s.nvidia_xid_state_file,
      fatalXids: s.nvidia_fatal_xids,
      ...every(s, 'nvidia_gpu_check'),
    }),
  public_network_check: (s) =>
    createPublicNetworkCheck({
      endpoint: s.public_network_endpoint,
      timeoutMs: s.public_network_timeout,
      ...every(s, 'public_network_check'),
    }),
  irqbalance_check: (s) => createIrqbalanceCheck(every(s, 'irqbalance_check')),
  memory_pressure_check: (s) =>
    createMemoryPressureCheck({ warningPercentage: s.memory_warning_percentage, ...every(s, 'memory_pressure_check') }),
  pid_pressure_check: (s) => createPidPressureCheck({ warningPercentage: s.pid_warning_percentage, ...every(s, 'pid_pressure_check') }),
  disk_pressure_check: (s) =>
    createDiskPressureCheck({
      warningPercentage: s.disk_warning_percentage,
      paths: s.disk_check_paths,
      ...every(s, 'disk_pressure_check'),
    }),
  zombie_check: (s) =>
    createZombieCheck({ threshold: s.zombie_threshold, consecutiveChecks: s.zombie_consecutive_checks, ...every(s, 'zombie_check') }),
} satisfies Record<CheckName | keyof typeof checkAliases, CheckFactory>;

function createInodes(s: CheckSettings): ProbeCheck {
  return createInodesCheck({
    warningPercentage: s.inode_warning_percentage ?? s.inode_warning_percenage ?? 80,
    paths: s.inode_check_paths,
    ...every(s, 'inodes_usage_check'),
  });
}

export interface CheckConfig {
  /** Canonical names, deduplicated, in the order given. */
  readonly plugins: readonly CheckName[];
  readonly settings: CheckSettings;
  /** `plugin_settings` keys this version does not know (ignored; main logs them at warn). */
  readonly ignoredSettings: readonly string[];
}

const rawSchema = z.object({
  alibaba_cloud_plugins: z.optional(
    z.union([
      z.array(z.string()),
      z.pipe(
        z.string(),
        z.transform((s: string) =>
          s
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean),
        ),
      ),
    ]),
  ),
  plugin_settings: z._default(z.record(z.string(), z.unknown()), {}),
});

/**
 * Parses the chart's `{ alibaba_cloud_plugins, plugin_settings }` (either may be missing:
 * the default set and default settings). Unknown plug-in names and bad values fail with one
 * ConfigError listing every issue; unknown settings keys are returned in `ignoredSettings`.
 */
export function parseCheckSettings(raw: unknown, source = 'plugin settings'): CheckConfig {
  const outer = z.safeParse(rawSchema, raw ?? {});
  if (!outer.success) throw new ConfigError(source, zodIssues(outer.error));
  const issues: ConfigIssue[] = [];
  const names = outer.data.alibaba_cloud_plugins ?? defaultCheckNames;
  const valid = [...checkNames, ...Object.keys(checkAliases)];
  const plugins: CheckName[] = [];
  names.forEach((name, i) => {
    const canonical = (checkNames as readonly string[]).includes(name) ? (name as CheckName) : checkAliases[name];
    if (!canonical)
      issues.push({ path: `alibaba_cloud_plugins[${i}]`, message: `unknown plug-in "${name}"; valid names: ${valid.join(', ')}` });
    else if (!plugins.includes(canonical)) plugins.push(canonical);
  });
  const settings = z.safeParse(settingsSchema, outer.data.plugin_settings);
  if (!settings.success) issues.push(...zodIssues(settings.error).map((i) => ({ path: `plugin_settings.${i.path}`, message: i.message })));
  if (issues.length > 0 || !settings.success) throw new ConfigError(source, issues);
  const ignoredSettings = Object.keys(outer.data.plugin_settings).filter((k) => !settingKeys.has(k));
  return deepFreeze({ plugins, settings: settings.data, ignoredSettings });
}

/** Builds the configured checks (hand them to createProbeMonitor). */
export function createChecks(config: CheckConfig): ProbeCheck[] {
  return config.plugins.map((name) => builtinChecks[name](config.settings));
}
