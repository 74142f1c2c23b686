import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { ApiserverLocation } from './apiserver-uri.ts';
import { ConfigError } from './errors.ts';

export { type ApiserverLocation, parseApiserverUri } from './apiserver-uri.ts';

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
