import { posix } from 'node:path';
import {
  ConfigError,
  type ConfigIssue,
  type FlagSpec,
  type FlagSpecs,
  formatDuration,
  type LogLevel,
  parseDuration,
  parseGoBool,
  readFlags,
} from '@ack-npd/core';
import { type CheckConfig, checkAliases, checkNames, parseCheckSettings } from './checks/index.ts';

/** Everything the command line says, typed. Only main.ts reads argv/env; this only parses. */
export interface CliOptions {
  readonly customPluginMonitors: readonly string[];
  readonly systemLogMonitors: readonly string[];
  readonly enableK8sExporter: boolean;
  readonly apiserverOverride: string;
  readonly hostnameOverride: string;
  readonly heartbeatMs: number;
  readonly address: string;
  readonly port: number;
  readonly prometheusAddress: string;
  readonly prometheusPort: number;
  readonly kubeconfig: string;
  readonly hostRoot: string;
  /** Standalone: also post conditions and events to this event center URL (token from $EVENTCENTER_TOKEN). */
  readonly eventcenter: string;
  readonly logLevel: LogLevel;
  readonly help: boolean;
  /** --alibaba-cloud-plugins as given (undefined when the flag is absent: the embedded default runs). */
  readonly alibabaCloudPlugins: readonly string[] | undefined;
  /** --plugin-settings, ACK's plugin_settings keys verbatim. */
  readonly pluginSettings: Readonly<Record<string, string>>;
  /** Host path of the agent's state (default of nvidia_xid_state_file: <state-dir>/nvidia-xid.json). */
  readonly stateDir: string;
  /** The validated built-in checks: --alibaba-cloud-plugins (or ACK's default set) with --plugin-settings. */
  readonly checks: CheckConfig;
}

type Kind = 'list' | 'string' | 'bool' | 'duration' | 'port' | 'level' | 'settings';

interface Flag {
  readonly name: string;
  readonly key: keyof CliOptions;
  readonly kind: Kind;
  readonly value: string;
  readonly help: string;
  /** A list flag whose absence differs from an empty value (the key is undefined when absent). */
  readonly optional?: boolean;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** NPD's flag names (plus --kubeconfig, --host-root, --log-level), with defaults. */
export const FLAGS: readonly Flag[] = [
  {
    name: 'config.custom-plugin-monitor',
    key: 'customPluginMonitors',
    kind: 'list',
    value: '',
    help: 'comma-separated custom plugin monitor config files (NPD JSON, plugin "custom"), or builtin:systemd-monitor-counter (the kubelet/containerd/docker restart counters of the embedded default); repeatable',
  },
  {
    name: 'config.system-log-monitor',
    key: 'systemLogMonitors',
    kind: 'list',
    value: '',
    help: 'comma-separated system log monitor config files (NPD JSON: kmsg, journald, filelog), or builtin:kernel-monitor / builtin:readonly-monitor (skipped when kernel-monitor runs: same rule) / builtin:ack-kernel-monitor; repeatable',
  },
  {
    name: 'enable-k8s-exporter',
    key: 'enableK8sExporter',
    kind: 'bool',
    value: 'true',
    help: 'report to the apiserver; false = standalone (stdout)',
  },
  {
    name: 'apiserver-override',
    key: 'apiserverOverride',
    kind: 'string',
    value: '',
    help: 'apiserver URI, e.g. https://host:6443?inClusterConfig=false&auth=/etc/kubeconfig&insecure=true',
  },
  {
    name: 'hostname-override',
    key: 'hostnameOverride',
    kind: 'string',
    value: '',
    help: 'node name (default: $NODE_NAME, then the hostname)',
  },
  {
    name: 'k8s-exporter-heartbeat-period',
    key: 'heartbeatMs',
    kind: 'duration',
    value: '5m0s',
    help: 're-PATCH node conditions at least this often',
  },
  { name: 'address', key: 'address', kind: 'string', value: '127.0.0.1', help: 'address of the /healthz and /conditions server' },
  { name: 'port', key: 'port', kind: 'port', value: '20256', help: 'port of the /healthz and /conditions server, 0 to disable' },
  { name: 'prometheus-address', key: 'prometheusAddress', kind: 'string', value: '127.0.0.1', help: 'address of the /metrics server' },
  { name: 'prometheus-port', key: 'prometheusPort', kind: 'port', value: '20257', help: 'port of the /metrics server, 0 to disable' },
  {
    name: 'kubeconfig',
    key: 'kubeconfig',
    kind: 'string',
    value: '',
    help: 'kubeconfig file (default: in-cluster, then $KUBECONFIG, ~/.kube/config)',
  },
  {
    name: 'alibaba-cloud-plugins',
    key: 'alibabaCloudPlugins',
    kind: 'list',
    value: '',
    optional: true,
    help: `comma-separated built-in checks (ACK plug-in names): ${[...checkNames, ...Object.keys(checkAliases)].join(', ')}; repeatable (default when no --config.* flag is given either: fd_check,ntp_check,network_problem_check,inode_usage_check)`,
  },
  {
    name: 'plugin-settings',
    key: 'pluginSettings',
    kind: 'settings',
    value: '',
    help: 'comma-separated key=value settings of the checks, ACK plugin_settings keys verbatim (e.g. check_fd_warning_percentage=80,inode_warning_percenage=80; a part without "=" continues the previous value: inode_check_paths=/,/var/lib/kubelet); repeatable',
  },
  {
    name: 'state-dir',
    key: 'stateDir',
    kind: 'string',
    value: '/var/lib/ack-npd',
    help: 'HOST path (under --host-root) where the agent keeps state across restarts; nvidia_xid_state_file defaults to <state-dir>/nvidia-xid.json',
  },
  {
    name: 'eventcenter',
    key: 'eventcenter',
    kind: 'string',
    value: '',
    help: 'standalone: also post conditions and events to this event center (http://127.0.0.1:8080; token from $EVENTCENTER_TOKEN)',
  },
  { name: 'host-root', key: 'hostRoot', kind: 'string', value: '/', help: "where the node's / is mounted (/host in the DaemonSet)" },
  { name: 'log-level', key: 'logLevel', kind: 'level', value: 'info', help: `log level: ${LEVELS.join(', ')}` },
  { name: 'help', key: 'help', kind: 'bool', value: 'false', help: 'show this help' },
];

export const HELP = `npd: node problem detector agent (node-problem-detector compatible)

Usage: npd [flags]

With no --config.* and no --alibaba-cloud-plugins flag (the embedded default), runs the built-in kernel
monitors (/dev/kmsg: NPD's kernel-monitor.json rules, read-only remounts included, and ACK's extra kernel
rules incl. PodOOMKilling), the kubelet/containerd/docker restart counters (journald) and ACK's default
checks fd_check, ntp_check, network_problem_check, inode_usage_check. With any of those flags, exactly
what they name runs.

Flags:
${FLAGS.map((f) => {
  const type =
    f.kind === 'bool'
      ? ''
      : ` ${f.kind === 'list' ? 'strings' : f.kind === 'port' ? 'int' : f.kind === 'level' ? 'string' : f.kind === 'settings' ? 'key=value,...' : f.kind}`;
  const def =
    f.value === '' || f.name === 'help' ? '' : ` (default ${f.kind === 'bool' || f.kind === 'port' ? f.value : JSON.stringify(f.value)})`;
  return `  --${f.name}${type}\n        ${f.help}${def}`;
}).join('\n')}
  -h    same as --help
`;

/** The flag table as the core parser takes it: lists and settings repeat, ports and levels are strings checked here. */
const SPECS: FlagSpecs = Object.fromEntries(
  FLAGS.map((f): [string, FlagSpec] => [
    f.name,
    f.kind === 'bool'
      ? { type: 'bool', ...(f.name === 'help' ? { short: 'h' } : {}) }
      : f.kind === 'duration'
        ? { type: 'duration' }
        : f.kind === 'list' || f.kind === 'settings'
          ? { type: 'string', multiple: true }
          : { type: 'string' },
  ]),
);

/** Parses Go-style flags (`--name=value`, `--name value`, `-name`, booleans as `--flag` or `--flag=false`) with core's parseFlags. */
export function parseCli(argv: readonly string[]): CliOptions {
  const issues: ConfigIssue[] = [];
  const given = readFlags(argv, SPECS, issues) as Record<string, string | string[] | boolean | number | undefined>;
  const out: Record<string, unknown> = {};
  for (const flag of FLAGS) {
    const value = given[flag.name];
    if (flag.optional && value === undefined) {
      out[flag.key] = undefined;
      continue;
    }
    if (flag.kind === 'bool') {
      out[flag.key] = value ?? parseGoBool(flag.value);
      continue;
    }
    if (flag.kind === 'duration') {
      const ms = (value as number | undefined) ?? parseDuration(flag.value);
      if (ms === 0)
        issues.push({ path: `--${flag.name}`, message: `"${formatDuration(ms)}" is not a positive duration, e.g. "5m", "30s"` });
      else out[flag.key] = ms;
      continue;
    }
    const values = value === undefined ? [flag.value] : Array.isArray(value) ? value : [String(value)];
    const last = values[values.length - 1] ?? flag.value;
    const path = `--${flag.name}`;
    switch (flag.kind) {
      case 'list':
        out[flag.key] = values
          .flatMap((v) => v.split(','))
          .map((v) => v.trim())
          .filter(Boolean);
        break;
      case 'settings': {
        const settings: Record<string, string> = {};
        let previous: string | undefined;
        for (const part of values.flatMap((v) => v.split(','))) {
          const eq = part.indexOf('=');
          if (eq > 0) {
            previous = part.slice(0, eq).trim();
            settings[previous] = part.slice(eq + 1).trim();
          } else if (previous !== undefined && part.trim() !== '') {
            settings[previous] = `${settings[previous]},${part.trim()}`;
          } else if (part.trim() !== '') {
            issues.push({ path, message: `"${part}" is not key=value` });
          }
        }
        out[flag.key] = settings;
        break;
      }
      case 'string':
        out[flag.key] = last;
        break;
      case 'port': {
        const port = Number(last);
        if (!/^\d+$/.test(last) || port > 65535) issues.push({ path, message: `"${last}" is not a port (0-65535)` });
        else out[flag.key] = port;
        break;
      }
      case 'level':
        if (!LEVELS.includes(last)) issues.push({ path, message: `"${last}" is not one of ${LEVELS.join(', ')}` });
        else out[flag.key] = last;
        break;
    }
  }
  const stateDir = String(out.stateDir ?? '');
  if (!stateDir.startsWith('/')) issues.push({ path: '--state-dir', message: `"${stateDir}" is not an absolute host path` });
  if (issues.length > 0) throw new ConfigError('command line', issues);
  out.checks = parseChecks(out.alibabaCloudPlugins as string[] | undefined, out.pluginSettings as Record<string, string>, stateDir);
  return out as unknown as CliOptions;
}

/** Validates --alibaba-cloud-plugins and --plugin-settings (issues name the flag; unknown names list the valid ones). */
function parseChecks(plugins: readonly string[] | undefined, settings: Record<string, string>, stateDir: string): CheckConfig {
  const pluginSettings = { nvidia_xid_state_file: posix.join(stateDir, 'nvidia-xid.json'), ...settings };
  try {
    return parseCheckSettings(
      { ...(plugins ? { alibaba_cloud_plugins: [...plugins] } : {}), plugin_settings: pluginSettings },
      'command line',
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      'command line',
      error.issues.map((issue) => {
        const plugin = /^alibaba_cloud_plugins\[\d+\]/.test(issue.path);
        const setting = /^plugin_settings\.(.*)$/.exec(issue.path);
        if (plugin) return { path: '--alibaba-cloud-plugins', message: issue.message };
        if (setting) return { path: '--plugin-settings', message: `${setting[1]}: ${issue.message}` };
        return { path: '--plugin-settings', message: `${issue.path}: ${issue.message}` };
      }),
      { cause: error },
    );
  }
}

/** --hostname-override, then $NODE_NAME, then the hostname (NPD's order). */
export function nodeName(options: CliOptions, env: NodeJS.ProcessEnv, hostname: string): string {
  return options.hostnameOverride || env.NODE_NAME || hostname;
}
