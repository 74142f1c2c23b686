import {
  type Clock,
  ConfigError,
  healthRoute,
  type Logger,
  metricsRoute,
  parseApiserverUri,
  type RouteHandler,
  type RunningHttpServer,
  sendJson,
  startHttpServer,
  systemClock,
} from '@ack-npd/core';
import { KubeClient, loadKubeTarget } from '@ack-npd/core/kube-lite';
import { createRegistry } from '@ack-npd/core/prom-lite';
import { createChecks } from './checks/index.ts';
import { createProbeMonitor, type ProbeCheck, type ProbeHooks } from './checks/probe.ts';
import { createRestartCounterCheck } from './checks/restart-counter.ts';
import { type CliOptions, nodeName as resolveNodeName } from './cli.ts';
import { loadCustomPluginConfig } from './custom-plugin/config.ts';
import { createCustomPluginMonitor } from './custom-plugin/monitor.ts';
import { ProblemDetector } from './engine.ts';
import { createK8sExporter, type K8sExporter } from './exporters/k8s.ts';
import { createNodeApi } from './exporters/node-api.ts';
import { createStdoutExporter } from './exporters/stdout.ts';
import { bootTime, createHostFs, type HostFs } from './hostfs.ts';
import { builtinSystemLogMonitors } from './logmonitor/builtin.ts';
import { loadSystemLogMonitorConfig, parseSystemLogMonitorConfig, type SystemLogMonitorConfig } from './logmonitor/config.ts';
import { createFileLogWatcher } from './logmonitor/filelog.ts';
import { createJournaldWatcher } from './logmonitor/journald.ts';
import { createKmsgWatcher } from './logmonitor/kmsg.ts';
import { createSystemLogMonitor } from './logmonitor/monitor.ts';
import type { LogWatcher } from './logmonitor/watcher.ts';
import { createNpdMetrics } from './metrics.ts';
import type { Check, Exporter } from './types.ts';

export interface AgentEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly hostname: string;
  readonly logger: Logger;
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly clock?: Clock;
  /**
   * Probe checks of the embedded default (no --config.* and no --alibaba-cloud-plugins flag), replacing
   * the restart counters + ACK's default check set (tests).
   */
  readonly builtinChecks?: readonly ProbeCheck[];
}

export interface RunningAgent {
  readonly mode: 'kubernetes' | 'standalone';
  readonly nodeName: string;
  readonly servers: readonly RunningHttpServer[];
  readonly detector: ProblemDetector;
  /** Resolves when everything stopped (after stop()). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/** Reads every config (all errors at once, naming file and field) and builds the monitors. */
export function buildChecks(options: CliOptions, hostfs: HostFs, environment: AgentEnvironment, hooks?: ProbeHooks): Check[] {
  const { logger } = environment;
  const clock = environment.clock ?? systemClock;
  const errors: ConfigError[] = [];
  const checks: Check[] = [];
  const attempt = (run: () => void): void => {
    try {
      run();
    } catch (error) {
      if (error instanceof ConfigError) errors.push(error);
      else throw error;
    }
  };
  const builtinProbes: ProbeCheck[] = [];
  for (const file of new Set(options.customPluginMonitors)) {
    if (file === RESTART_COUNTER_MONITOR) {
      builtinProbes.push(createRestartCounterCheck());
      continue;
    }
    attempt(() => {
      if (file.startsWith('builtin:')) {
        throw new ConfigError('--config.custom-plugin-monitor', [
          {
            path: file,
            message: `no built-in config "${file.slice('builtin:'.length)}"; known: ${RESTART_COUNTER_MONITOR.slice('builtin:'.length)}`,
          },
        ]);
      }
      checks.push(createCustomPluginMonitor({ config: loadCustomPluginConfig(file), file, logger, clock }));
    });
  }
  const defaults =
    options.customPluginMonitors.length === 0 && options.systemLogMonitors.length === 0 && options.alibabaCloudPlugins === undefined;
  const logMonitors = defaults ? [...DEFAULT_LOG_MONITORS] : dedupeLogMonitors(options.systemLogMonitors, logger);
  for (const file of logMonitors) {
    attempt(() => {
      const config = loadLogConfig(file);
      checks.push(createSystemLogMonitor({ config, file, watcher: createWatcher(config, hostfs, clock), logger, clock }));
    });
  }
  if (options.checks.ignoredSettings.length > 0) {
    logger.warn({ ignored: options.checks.ignoredSettings }, '--plugin-settings: unknown keys ignored');
  }
  const probes: readonly ProbeCheck[] = defaults
    ? (environment.builtinChecks ?? [createRestartCounterCheck(), ...createChecks(options.checks)])
    : options.alibabaCloudPlugins === undefined
      ? builtinProbes // --config.* without --alibaba-cloud-plugins: exactly the configs named
      : [...builtinProbes, ...createChecks(options.checks)];
  for (const check of probes) {
    checks.push(createProbeMonitor(check, { hostfs, logger, clock, ...(hooks ? { hooks } : {}) }));
  }
  if (errors.length === 1 && errors[0]) throw errors[0];
  if (errors.length > 1) {
    throw new ConfigError(
      errors.map((e) => e.source).join(', '),
      errors.flatMap((e) => e.issues.map((issue) => ({ path: `${e.source}: ${issue.path}`, message: issue.message }))),
    );
  }
  return checks;
}

/**
 * The kubelet/containerd/docker restart counters as a custom plug-in monitor name, after upstream's
 * config/systemd-monitor-counter.json (which runs log-counter): what the embedded default runs, for
 * command lines that name their monitors (the chart).
 */
export const RESTART_COUNTER_MONITOR = 'builtin:systemd-monitor-counter';

/** The embedded default's system log monitors. */
export const DEFAULT_LOG_MONITORS = ['builtin:kernel-monitor', 'builtin:ack-kernel-monitor'] as const;

/**
 * Drops repeats, and builtin:readonly-monitor when builtin:kernel-monitor runs: kernel-monitor carries
 * the same ReadonlyFilesystem rule, and two sources must not own one condition type (they would
 * overwrite each other's status on the Node).
 */
export function dedupeLogMonitors(files: readonly string[], logger: Logger): string[] {
  const out: string[] = [];
  for (const file of files) {
    if (out.includes(file)) {
      logger.info({ monitor: file }, 'system log monitor named twice; running it once');
      continue;
    }
    if (file === 'builtin:readonly-monitor' && files.includes('builtin:kernel-monitor')) {
      logger.info(
        { monitor: file },
        'builtin:readonly-monitor skipped: builtin:kernel-monitor already owns ReadonlyFilesystem with the same rule',
      );
      continue;
    }
    out.push(file);
  }
  return out;
}

function loadLogConfig(file: string): SystemLogMonitorConfig {
  if (!file.startsWith('builtin:')) return loadSystemLogMonitorConfig(file);
  const name = file.slice('builtin:'.length);
  const config = (builtinSystemLogMonitors as Record<string, unknown>)[name];
  if (!config) {
    throw new ConfigError('--config.system-log-monitor', [
      { path: file, message: `no built-in config "${name}"; known: ${Object.keys(builtinSystemLogMonitors).join(', ')}` },
    ]);
  }
  return parseSystemLogMonitorConfig(config, file);
}

export function createWatcher(config: SystemLogMonitorConfig, hostfs: HostFs, clock: Clock): LogWatcher {
  const boot = (): Promise<number> => bootTime(hostfs, clock.now());
  const common = { hostfs, lookbackMs: config.lookback, delayMs: config.delay, clock };
  switch (config.plugin) {
    case 'kmsg':
      return createKmsgWatcher({ ...common, ...(config.logPath ? { path: config.logPath } : {}) });
    case 'journald':
      return createJournaldWatcher({
        ...common,
        boot,
        ...(config.logPath ? { logPath: config.logPath } : {}),
        ...(config.pluginConfig.source ? { identifier: config.pluginConfig.source } : {}),
      });
    case 'filelog':
      return createFileLogWatcher({ ...common, boot, path: config.logPath ?? '', pluginConfig: config.pluginConfig });
  }
}

/** Starts the agent: monitors, exporters (Kubernetes or stdout), HTTP endpoints. */
export async function startAgent(options: CliOptions, environment: AgentEnvironment): Promise<RunningAgent> {
  const logger = environment.logger;
  const clock = environment.clock ?? systemClock;
  const registry = createRegistry();
  const metrics = createNpdMetrics(registry);
  const hostfs = createHostFs(options.hostRoot);
  const nodeName = resolveNodeName(options, environment.env, environment.hostname);
  const checks = buildChecks(options, hostfs, environment, {
    observe: (check, seconds, failed) => {
      metrics.checkDuration.observe({ check }, seconds);
      if (failed) metrics.checkErrors.inc({ check });
    },
  });

  let k8s: K8sExporter | undefined;
  if (options.enableK8sExporter) {
    const explicit = options.kubeconfig !== '' || options.apiserverOverride !== '';
    try {
      const target = await loadKubeTarget({
        ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
        location: parseApiserverUri(options.apiserverOverride),
        env: environment.env,
      });
      const api = createNodeApi(new KubeClient(target));
      k8s = createK8sExporter({ nodeName, api, logger, metrics, clock, heartbeatMs: options.heartbeatMs });
    } catch (error) {
      if (explicit || !(error instanceof ConfigError)) throw error;
      logger.warn({ reason: error.issues[0]?.message }, 'no cluster found: running standalone (conditions and events on stdout)');
    }
  }
  const exporters: Exporter[] = k8s
    ? [k8s]
    : [createStdoutExporter({ write: (text) => environment.stdout.write(text), tty: environment.stdout.isTTY === true })];
  if (!k8s && options.eventcenter) {
    const { createEventCenterExporter } = await import('./exporters/eventcenter.ts');
    exporters.push(
      createEventCenterExporter({
        url: options.eventcenter,
        token: environment.env.EVENTCENTER_TOKEN ?? '',
        nodeName,
        logger: logger.child({ component: 'eventcenter' }),
      }),
    );
  }
  const detector = new ProblemDetector({ checks, exporters, logger, metrics, clock });

  const servers: RunningHttpServer[] = [];
  const routes: Record<string, RouteHandler> = {
    '/healthz': healthRoute(),
    '/conditions': (_request, response) => sendJson(response, 200, detector.conditions()),
  };
  const metricsRoutes: Record<string, RouteHandler> = { '/metrics': metricsRoute(registry) };
  const sameServer = options.port !== 0 && options.port === options.prometheusPort && options.address === options.prometheusAddress;
  try {
    if (options.port !== 0) {
      servers.push(
        await startHttpServer({
          address: options.address,
          port: options.port,
          logger,
          routes: sameServer ? { ...routes, ...metricsRoutes } : routes,
        }),
      );
    }
    if (options.prometheusPort !== 0 && !sameServer) {
      servers.push(
        await startHttpServer({ address: options.prometheusAddress, port: options.prometheusPort, logger, routes: metricsRoutes }),
      );
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const flag = servers.length === 0 && options.port !== 0 ? '--port' : '--prometheus-port';
      throw new ConfigError('command line', [{ path: flag, message: `cannot listen: ${(error as Error).message}` }], { cause: error });
    }
    throw error;
  }

  const controller = new AbortController();
  const mode = k8s ? 'kubernetes' : 'standalone';
  logger.info(
    { mode, node: nodeName, hostRoot: hostfs.root, checks: checks.map((c) => c.name), urls: servers.map((s) => s.url) },
    'npd started',
  );
  const done = Promise.all([detector.run(controller.signal), k8s?.start(controller.signal)]).then(() => undefined);
  return {
    mode,
    nodeName,
    servers,
    detector,
    done,
    async stop() {
      controller.abort();
      await done;
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
