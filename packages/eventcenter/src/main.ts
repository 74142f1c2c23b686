#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type FlagSpecs, type LogLevel, parseFlags } from '@ack-npd/core';
import { KubeClient, loadKubeTarget } from '@ack-npd/core/kube-lite';
import { createLogger } from '@ack-npd/core/logger';
import { startEventCenter } from './app.ts';
import { type Authenticator, clusterIngestAuth, noAuth, tokenAuth, tokenReviewAuth } from './auth.ts';
import { buildServeConfig, type ServeConfig, type ServeFlags } from './config.ts';
import { clusterOwnerLookup } from './owners.ts';
import { openStore } from './store/open.ts';

const HELP = `eventcenter: keeps Kubernetes events, query API, alerts, web UI

Usage: eventcenter [serve] [flags]
       eventcenter provision-sls [flags]      (see eventcenter provision-sls --help)

  --listen=127.0.0.1:8080          HOST:PORT; anything but loopback needs --auth
  --store=sqlite                   sqlite | sqlite:PATH | postgres (DSN from $EVENTCENTER_POSTGRES_DSN)
  --data-dir=DIR                   SQLite file and state (default ./eventcenter-data)
  --retention=168h                 delete events older than this (0 = keep)
  --retention-max-bytes=2Gi        delete the oldest events beyond this size (0 = no limit)
  --cluster-retention=ID=AGE[:N]   repeatable; one cluster's own limits on top: events older than AGE,
                                   beyond its newest N (e.g. c-hz=72h:1000000, c-bj=:500000)
  --auth=none|token|tokenreview    token: $EVENTCENTER_{EDITOR,VIEWER,INGEST}_TOKENS (comma-separated);
                                   tokenreview: the apiserver authenticates bearer tokens
  --editors=GROUP,USER             tokenreview: who may change rules and silences (others read)
  --ingesters=USER                 tokenreview: who may post events (the eventer's ServiceAccount)
  --kubeconfig=FILE | --in-cluster read owner references for the pod lifecycle, TokenReview
  --ui-dir=DIR                     built web UI (default: the package's ui/dist, or ui/ beside the bundle)
  --cluster=ID                     cluster id stored with events that carry none
  --member-cluster=ID=KUBECONFIG:USER  repeatable; ingest by that cluster's ServiceAccount token (USER, e.g.
                                   system:serviceaccount:kube-system:ack-npd-eventer), verified by TokenReview
                                   against that cluster's apiserver; it writes only cluster ID's events.
                                   Static per-cluster tokens: $EVENTCENTER_CLUSTER_TOKENS=ID=TOKEN,ID=TOKEN
  --notify=NAME=KEY:URI            repeatable; a notification sink for alert rules, eventer sink syntax
                                   (e.g. ops=dingtalk:https://oapi.dingtalk.com/robot/send?access_token=$TOKEN)
  --alert-interval=30s             how often rules are evaluated
  --log-level=info
  -h, --help
`;

const OPTIONS = {
  listen: { type: 'string' },
  store: { type: 'string' },
  'data-dir': { type: 'string' },
  retention: { type: 'string' },
  'retention-max-bytes': { type: 'string' },
  auth: { type: 'string' },
  editors: { type: 'string' },
  ingesters: { type: 'string' },
  kubeconfig: { type: 'string' },
  'in-cluster': { type: 'bool' },
  'ui-dir': { type: 'string' },
  cluster: { type: 'string' },
  'member-cluster': { type: 'string', multiple: true },
  'cluster-retention': { type: 'string', multiple: true },
  notify: { type: 'string', multiple: true },
  'alert-interval': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'bool', short: 'h' },
} as const satisfies FlagSpecs;

/** The package's ui/dist (sources and dist/ layouts), or ui/ beside the bundle (the image). */
function defaultUiDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  return [join(here, '..', 'ui', 'dist'), join(here, 'ui')].find((dir) => existsSync(join(dir, 'index.html')));
}

function baseAuthenticator(config: ServeConfig, kube: KubeClient | undefined): Authenticator {
  if (config.auth === 'token') return tokenAuth(config.tokens);
  if (config.auth === 'tokenreview' && kube) {
    return tokenReviewAuth({ kube, editors: config.editors, ingesters: config.ingesters, tokens: config.tokens });
  }
  return noAuth();
}

/** The base authenticator, with per-cluster ingest credentials in front when any are configured. */
async function authenticator(config: ServeConfig, kube: KubeClient | undefined): Promise<Authenticator> {
  const base = baseAuthenticator(config, kube);
  if (config.clusterTokens.size === 0 && config.memberClusters.length === 0) return base;
  const reviewers = [];
  for (const m of config.memberClusters) {
    reviewers.push({
      cluster: m.cluster,
      ingesters: m.ingesters,
      kube: new KubeClient(await loadKubeTarget({ kubeconfig: m.kubeconfig, env: {} })),
    });
  }
  return clusterIngestAuth(base, { tokens: config.clusterTokens, reviewers });
}

async function serve(argv: readonly string[]): Promise<number> {
  let values: ServeFlags & { help?: boolean };
  try {
    values = parseFlags(argv, OPTIONS);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`eventcenter: ${error.message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const logger = createLogger({ name: 'eventcenter', level: (values['log-level'] ?? 'info') as LogLevel });
  let config: ServeConfig;
  let kube: KubeClient | undefined;
  let auth: Authenticator;
  try {
    config = buildServeConfig(values, process.env, join(process.cwd(), 'eventcenter-data'));
    if (config.kubeconfig || config.inCluster) {
      kube = new KubeClient(await loadKubeTarget({ ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}), env: process.env }));
    }
    auth = await authenticator(config, kube);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`eventcenter: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(config.store);
  } catch (error) {
    process.stderr.write(`eventcenter: cannot open the ${config.store.backend} store: ${(error as Error).message}\n`);
    return 1;
  }
  const uiDir = config.uiDir ?? defaultUiDir();
  const alerts = await import('./alerts/service.ts').then((m) =>
    m.createAlertService({ store, logger: logger.child({ component: 'alerts' }), notify: config.notify, env: process.env, kube }),
  );
  const center = await startEventCenter({
    store,
    auth,
    logger,
    address: config.address,
    port: config.port,
    retention: config.retention,
    defaultCluster: config.cluster,
    extraRoutes: alerts.routes,
    ...(uiDir ? { uiDir } : {}),
    ...(kube ? { lookupOwners: clusterOwnerLookup(kube) } : {}),
  });
  const stop = new AbortController();
  alerts.start(config.alertIntervalMs, stop.signal);
  logger.info({ url: center.server.url, store: config.store.backend, auth: config.auth, ui: uiDir !== undefined }, 'eventcenter started');
  process.stdout.write(`eventcenter listening on ${center.server.url}\n`);
  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  stop.abort();
  await center.close();
  await alerts.close();
  await store.close();
  logger.info('eventcenter stopped');
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'provision-sls') {
    const { provisionSlsMain } = await import('./sls/main.ts');
    return provisionSlsMain(rest);
  }
  return serve(command === 'serve' ? rest : argv);
}

process.exitCode = await main(process.argv.slice(2));
