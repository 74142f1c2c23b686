import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { parseGoBool } from './config.ts';
import { ConfigError } from './errors.ts';

/**
 * Where to find the apiserver, in the URI form NPD's --apiserver-override and
 * kube-eventer's --source=kubernetes:... share (heapster's format):
 * `https://host:port?inClusterConfig=false&auth=/path/kubeconfig&insecure=true`.
 */
export interface ApiserverLocation {
  /** Server URL from the URI, when it names a host. */
  readonly server?: string;
  readonly inClusterConfig: boolean;
  /** Kubeconfig file (`auth=`). */
  readonly kubeconfigPath?: string;
  readonly insecure: boolean;
}

export function parseApiserverUri(uri: string, flag = '--apiserver-override'): ApiserverLocation {
  const text = uri.trim();
  if (text === '') return { inClusterConfig: true, insecure: false };
  let url: URL;
  try {
    url = new URL(text.startsWith('?') ? `https://placeholder${text}` : text);
  } catch {
    throw new ConfigError(flag, [
      {
        path: flag,
        message: `"${uri}" is not a URI; expected e.g. https://kubernetes.default?inClusterConfig=false&auth=/etc/kubeconfig`,
      },
    ]);
  }
  const query = url.searchParams;
  const bool = (name: string, fallback: boolean): boolean => {
    const value = query.get(name);
    if (value === null || value === '') return fallback;
    const parsed = parseGoBool(value);
    if (parsed !== undefined) return parsed;
    throw new ConfigError(flag, [
      {
        path: `${flag}?${name}`,
        message: `must be true or false, got "${value}"`,
      },
    ]);
  };
  const hasHost = url.hostname !== '' && url.hostname !== 'placeholder';
  const auth = query.get('auth') ?? '';
  return {
    ...(hasHost ? { server: `${url.protocol}//${url.host}` } : {}),
    inClusterConfig: bool('inClusterConfig', true),
    ...(auth ? { kubeconfigPath: auth } : {}),
    insecure: bool('insecure', false),
  };
}

export interface KubeConfigOptions {
  /** Explicit kubeconfig path (a --kubeconfig flag); wins over everything. */
  readonly kubeconfig?: string;
  readonly location?: ApiserverLocation;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Builds a client config: an explicit kubeconfig, then the location's `auth=` file,
 * then in-cluster (service account) when running in a pod, then $KUBECONFIG / ~/.kube/config.
 */
export function loadKubeConfig(options: KubeConfigOptions = {}): KubeConfig {
  const env = options.env ?? process.env;
  const location = options.location;
  const config = new KubeConfig();
  const file = options.kubeconfig ?? location?.kubeconfigPath;
  if (file) {
    if (!existsSync(file)) {
      throw new ConfigError('kubeconfig', [{ path: 'kubeconfig', message: `file ${file} does not exist` }]);
    }
    config.loadFromFile(file);
  } else if ((location?.inClusterConfig ?? true) && env.KUBERNETES_SERVICE_HOST) {
    config.loadFromCluster();
  } else if (env.KUBECONFIG || existsSync(`${env.HOME ?? ''}/.kube/config`)) {
    config.loadFromDefault();
  } else if (!location?.server) {
    throw new ConfigError('kubeconfig', [
      {
        path: 'kubeconfig',
        message:
          'no cluster to talk to: not running in a pod, no $KUBECONFIG, no ~/.kube/config; pass --kubeconfig or --apiserver-override',
      },
    ]);
  }
  if (location?.server) overrideServer(config, location.server, location.insecure);
  else if (location?.insecure) overrideServer(config, config.getCurrentCluster()?.server ?? '', true);
  return config;
}

function overrideServer(config: KubeConfig, server: string, insecure: boolean): void {
  const current = config.getCurrentCluster();
  const cluster = {
    name: current?.name ?? 'override',
    server,
    skipTLSVerify: insecure || (current?.skipTLSVerify ?? false),
    ...(current?.caData ? { caData: current.caData } : {}),
    ...(current?.caFile ? { caFile: current.caFile } : {}),
  };
  const user = config.getCurrentUser() ?? { name: 'anonymous' };
  const context = { name: 'override', cluster: cluster.name, user: user.name };
  config.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [context],
    currentContext: context.name,
  });
}
