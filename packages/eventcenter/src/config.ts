import { join } from 'node:path';
import { ConfigError, type ConfigIssue, parseDuration } from '@ack-npd/core';
import { parseBytes } from '@ack-npd/eventer/config';
import type { StoreSpec } from './store/open.ts';
import type { ClusterRetention, RetentionPolicy } from './store/types.ts';

export interface ServeFlags {
  listen?: string;
  store?: string;
  'data-dir'?: string;
  retention?: string;
  'retention-max-bytes'?: string;
  auth?: string;
  editors?: string;
  ingesters?: string;
  kubeconfig?: string;
  'in-cluster'?: boolean;
  'ui-dir'?: string;
  cluster?: string;
  'member-cluster'?: string[];
  'cluster-retention'?: string[];
  notify?: string[];
  'alert-interval'?: string;
  'log-level'?: string;
}

export interface ServeConfig {
  readonly address: string;
  readonly port: number;
  readonly store: StoreSpec;
  readonly retention: RetentionPolicy;
  readonly auth: 'none' | 'token' | 'tokenreview';
  readonly tokens: { readonly viewer: string[]; readonly editor: string[]; readonly ingest: string[] };
  readonly editors: string[];
  readonly ingesters: string[];
  readonly kubeconfig: string | undefined;
  readonly inCluster: boolean;
  readonly uiDir: string | undefined;
  readonly cluster: string;
  /** Token → the one cluster it may write events of ($EVENTCENTER_CLUSTER_TOKENS). */
  readonly clusterTokens: Map<string, string>;
  /** Member clusters whose eventer ServiceAccount tokens are checked by TokenReview against their own apiserver. */
  readonly memberClusters: { cluster: string; kubeconfig: string; ingesters: string[] }[];
  readonly notify: string[];
  readonly alertIntervalMs: number;
}

const LOOPBACK = /^(127(?:\.\d{1,3}){3}|::1|localhost)$/;

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Flags and environment → config. Secrets (tokens, the PostgreSQL DSN) come only from the
 * environment (a Secret): EVENTCENTER_{VIEWER,EDITOR,INGEST}_TOKENS, EVENTCENTER_POSTGRES_DSN.
 */
export function buildServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv, defaultDataDir: string): ServeConfig {
  const issues: ConfigIssue[] = [];
  const listen = flags.listen ?? env.EVENTCENTER_LISTEN ?? '127.0.0.1:8080';
  const at = listen.lastIndexOf(':');
  const address = at > 0 ? listen.slice(0, at).replace(/^\[(.*)\]$/, '$1') : '';
  const port = Number(listen.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    issues.push({ path: '--listen', message: `"${listen}" is not HOST:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080` });
  }
  const dataDir = flags['data-dir'] ?? env.EVENTCENTER_DATA_DIR ?? defaultDataDir;
  const storeText = flags.store ?? env.EVENTCENTER_STORE ?? 'sqlite';
  let store: StoreSpec = { backend: 'sqlite', path: join(dataDir, 'events.db') };
  if (storeText === 'postgres' || storeText === 'postgresql') {
    const dsn = env.EVENTCENTER_POSTGRES_DSN;
    if (!dsn)
      issues.push({ path: '--store', message: 'postgres needs the DSN in $EVENTCENTER_POSTGRES_DSN (postgres://user:pass@host:5432/db)' });
    else store = { backend: 'postgres', dsn };
  } else if (storeText.startsWith('sqlite:')) {
    store = { backend: 'sqlite', path: storeText.slice('sqlite:'.length) || join(dataDir, 'events.db') };
  } else if (storeText !== 'sqlite') {
    issues.push({ path: '--store', message: `"${storeText}" is not sqlite, sqlite:PATH or postgres` });
  }
  const retentionText = flags.retention ?? env.EVENTCENTER_RETENTION ?? '168h';
  const maxAgeMs = parseDuration(retentionText);
  if (maxAgeMs === undefined || maxAgeMs < 0)
    issues.push({ path: '--retention', message: `"${retentionText}" is not a duration like 168h (0 = keep)` });
  const bytesText = flags['retention-max-bytes'] ?? env.EVENTCENTER_RETENTION_MAX_BYTES ?? '2Gi';
  const maxBytes = bytesText === '0' ? 0 : parseBytes(bytesText);
  if (maxBytes === undefined)
    issues.push({ path: '--retention-max-bytes', message: `"${bytesText}" is not a size like 2Gi (0 = no limit)` });
  const perCluster: ClusterRetention[] = [];
  for (const entry of flags['cluster-retention'] ?? []) {
    const m = /^([^=]+)=([^:]*)(?::(\d+))?$/.exec(entry);
    const age = m?.[2] ? parseDuration(m[2]) : 0;
    if (!m || age === undefined || age < 0) {
      issues.push({
        path: '--cluster-retention',
        message: `"${entry}" is not CLUSTER_ID=AGE[:MAX_EVENTS], e.g. c-hz=72h:1000000 or c-hz=:500000`,
      });
      continue;
    }
    perCluster.push({ cluster: m[1] as string, maxAgeMs: age, maxEvents: Number(m[3] ?? 0) });
  }
  const tokens = {
    viewer: list(env.EVENTCENTER_VIEWER_TOKENS),
    editor: list(env.EVENTCENTER_EDITOR_TOKENS),
    ingest: list(env.EVENTCENTER_INGEST_TOKENS),
  };
  const clusterTokens = new Map<string, string>();
  for (const entry of list(env.EVENTCENTER_CLUSTER_TOKENS)) {
    const eq = entry.indexOf('=');
    if (eq <= 0 || eq === entry.length - 1) {
      issues.push({
        path: '$EVENTCENTER_CLUSTER_TOKENS',
        message: 'expected CLUSTER_ID=TOKEN,CLUSTER_ID=TOKEN (one ingest token per cluster)',
      });
      continue;
    }
    clusterTokens.set(entry.slice(eq + 1), entry.slice(0, eq));
  }
  const memberClusters: ServeConfig['memberClusters'] = [];
  for (const entry of flags['member-cluster'] ?? []) {
    const m = /^([^=]+)=([^:]+):(.+)$/.exec(entry);
    if (!m) {
      issues.push({
        path: '--member-cluster',
        message: `"${entry}" is not CLUSTER_ID=KUBECONFIG:USER[,USER] (e.g. prod=/etc/members/prod:system:serviceaccount:kube-system:ack-npd-eventer)`,
      });
      continue;
    }
    memberClusters.push({ cluster: m[1] as string, kubeconfig: m[2] as string, ingesters: list(m[3]) });
  }
  const anyToken = tokens.viewer.length + tokens.editor.length + tokens.ingest.length + clusterTokens.size > 0;
  const auth = (flags.auth ?? env.EVENTCENTER_AUTH ?? (anyToken ? 'token' : 'none')) as ServeConfig['auth'];
  if (!['none', 'token', 'tokenreview'].includes(auth))
    issues.push({ path: '--auth', message: `"${auth}" is not none, token or tokenreview` });
  if (auth === 'token' && !anyToken) {
    issues.push({ path: '--auth', message: 'token auth needs tokens in $EVENTCENTER_EDITOR_TOKENS / _VIEWER_TOKENS / _INGEST_TOKENS' });
  }
  if (auth === 'none' && address !== '' && !LOOPBACK.test(address)) {
    issues.push({
      path: '--listen',
      message: `listening on ${address} without authentication; use --auth=token (tokens from a Secret) or --auth=tokenreview`,
    });
  }
  if (auth === 'tokenreview' && !flags.kubeconfig && !flags['in-cluster'] && !env.KUBERNETES_SERVICE_HOST) {
    issues.push({ path: '--auth', message: 'tokenreview needs --kubeconfig or --in-cluster' });
  }
  const intervalText = flags['alert-interval'] ?? '30s';
  const alertIntervalMs = parseDuration(intervalText);
  if (alertIntervalMs === undefined || alertIntervalMs < 1000)
    issues.push({ path: '--alert-interval', message: `"${intervalText}" is not a duration ≥ 1s` });
  if (issues.length > 0) throw new ConfigError('eventcenter flags', issues);
  return {
    address,
    port,
    store,
    retention: { maxAgeMs: maxAgeMs ?? 0, maxBytes: maxBytes ?? 0, perCluster },
    auth,
    tokens,
    editors: list(flags.editors),
    ingesters: list(flags.ingesters),
    kubeconfig: flags.kubeconfig,
    inCluster: flags['in-cluster'] === true,
    uiDir: flags['ui-dir'] ?? env.EVENTCENTER_UI_DIR,
    cluster: flags.cluster ?? env.EVENTCENTER_CLUSTER ?? '',
    clusterTokens,
    memberClusters,
    notify: flags.notify ?? [],
    alertIntervalMs: alertIntervalMs ?? 30_000,
  };
}
