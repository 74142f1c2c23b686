#!/usr/bin/env node
import { hostname } from 'node:os';
import {
  ConfigError,
  healthRoute,
  type LogLevel,
  metricsRoute,
  parseApiserverUri,
  parseFlags,
  startHttpServer,
  systemClock,
} from '@ack-npd/core';
import { KubeClient, loadKubeTarget } from '@ack-npd/core/kube-lite';
import { createLogger } from '@ack-npd/core/logger';
import { createRegistry } from '@ack-npd/core/metrics';
import { Eventer } from './app.ts';
import { buildConfig, EVENTER_FLAGS, type FlagValues } from './config.ts';
import { createEventerMetrics } from './metrics.ts';
import { sinkFactory } from './sinks/index.ts';
import type { Sink } from './types.ts';

const HELP = `eventer: ships Kubernetes events to sinks (kube-eventer compatible flags)

Usage: eventer --sink=KEY:URI [--sink=...] [flags]

  --source=kubernetes:URI          apiserver, e.g. kubernetes:https://kubernetes.default?inClusterConfig=false&auth=/path/kubeconfig
  --sink=KEY:URI                   repeatable; $VAR / \${VAR} expanded from the environment
                                   keys: log, stdout, webhook, dingtalk, sls, eventbridge, eventcenter
  --frequency=30s                  batch flush interval (a full batch is sent at once)
  --healthz-port=8084              /healthz, /readyz, /metrics; 0 disables
  --healthz-ip=0.0.0.0
  --config=FILE.yaml               routes, sink names and options, spool, checkpoint (see README)
  --namespaces=a,b                 watch only these namespaces (default all)
  --spool-dir=DIR                  on-disk spool for sinks that are down (default: none)
  --spool-max-bytes=256Mi          spool size cap (shared by the sinks)
  --checkpoint=SPEC                none | file:/path | configmap:<ns>/<name>
                                   (default: configmap:<lease ns>/<lease name>-checkpoint with --leader-elect,
                                    file:<spool-dir>/checkpoint.json with a spool dir, else none)
  --event-ttl=1h                   how long the apiserver keeps events (its --event-ttl)
  --leader-elect                   run as one of several replicas, leader via a Lease
  --leader-elect-lease-name=ack-npd-eventer
  --leader-elect-namespace=$POD_NAMESPACE|kube-system
  --leader-elect-lease-duration=15s  --leader-elect-renew-deadline=10s  --leader-elect-retry-period=2s
  --identity=NAME                  lease holder identity (default $POD_NAME or host_pid)
  --log-level=info
  -h, --help
`;

async function main(argv: readonly string[]): Promise<number> {
  let values: FlagValues;
  try {
    values = parseFlags(argv, EVENTER_FLAGS);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`eventer: ${error.message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let config: ReturnType<typeof buildConfig>;
  try {
    config = buildConfig(values, process.env, hostname());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`eventer: ${error.message}\n`);
    return 2;
  }
  const logger = createLogger({ name: 'eventer', level: config.logLevel as LogLevel });
  const sinks: Sink[] = [];
  let eventer: Eventer;
  const registry = createRegistry();
  const metrics = createEventerMetrics(registry);
  try {
    const location = parseApiserverUri(config.source.slice('kubernetes:'.length), '--source');
    const kube = new KubeClient(await loadKubeTarget({ location, env: process.env }));
    for (const plan of config.sinks) {
      const factory = sinkFactory(plan.spec);
      sinks.push(
        await factory(plan.spec, {
          logger: logger.child({ component: 'sink', sink: plan.spec.name }),
          clock: systemClock,
          env: process.env,
          kube,
        }),
      );
    }
    eventer = new Eventer({ config, kube, sinks, clock: systemClock, logger, metrics });
  } catch (error) {
    await Promise.all(sinks.map((sink) => sink.close().catch(() => undefined)));
    if (error instanceof ConfigError) {
      process.stderr.write(`eventer: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const server =
    config.healthzPort === 0
      ? undefined
      : await startHttpServer({
          address: config.healthzIp,
          port: config.healthzPort,
          logger,
          routes: {
            '/healthz': healthRoute(),
            '/readyz': healthRoute(() => eventer.readiness()),
            '/metrics': metricsRoute(registry),
          },
        });
  logger.info({ url: server?.url, sinks: config.sinks.map((plan) => plan.spec.name), identity: config.identity }, 'eventer started');
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await eventer.run(stop.signal);
  await eventer.close();
  await server?.close();
  logger.info('eventer stopped');
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
