import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { ApiserverLocation } from '../apiserver-uri.ts';
import { ConfigError } from '../errors.ts';

/** The service account files every pod gets (client-go's in-cluster config). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** An exec credential plugin as a kubeconfig user names it (client.authentication.k8s.io). */
export interface ExecPlugin {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly apiVersion: string;
  /** Directory relative commands resolve against (the kubeconfig's). */
  readonly dir: string;
}

export type KubeAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  /** Re-read on rotation (projected service account tokens are replaced about hourly). */
  | { readonly kind: 'token-file'; readonly path: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'exec'; readonly plugin: ExecPlugin };

/** Where the apiserver is and how to authenticate: everything a request needs, resolved once. */
export interface KubeTarget {
  readonly server: string;
  readonly ca?: Buffer;
  readonly insecure: boolean;
  readonly tlsServerName?: string;
  readonly clientCert?: Buffer;
  readonly clientKey?: Buffer;
  readonly auth: KubeAuth;
  /** The namespace of the context (or the pod's service account). */
  readonly namespace?: string;
}

export interface KubeTargetOptions {
  /** Explicit kubeconfig path (a --kubeconfig flag); wins over everything. */
  readonly kubeconfig?: string;
  readonly location?: ApiserverLocation;
  readonly env?: NodeJS.ProcessEnv;
  /** Service account directory for in-cluster config (tests). */
  readonly serviceAccountDir?: string;
}

/**
 * Resolves the apiserver the same way as core's loadKubeConfig (and client-go): an explicit
 * kubeconfig, then the location's `auth=` file, then in-cluster (service account) when running in
 * a pod, then $KUBECONFIG / ~/.kube/config; the location's server and `insecure` override last.
 */
export async function loadKubeTarget(options: KubeTargetOptions = {}): Promise<KubeTarget> {
  const env = options.env ?? process.env;
  const location = options.location;
  const explicit = options.kubeconfig ?? location?.kubeconfigPath;
  let target: KubeTarget | undefined;
  if (explicit) {
    if (!existsSync(explicit)) {
      throw new ConfigError('kubeconfig', [{ path: 'kubeconfig', message: `file ${explicit} does not exist` }]);
    }
    target = await fromKubeconfig(explicit);
  } else if ((location?.inClusterConfig ?? true) && env.KUBERNETES_SERVICE_HOST) {
    target = inCluster(env, options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  } else {
    const file = defaultKubeconfig(env);
    if (file) target = await fromKubeconfig(file);
    else if (!location?.server) {
      throw new ConfigError('kubeconfig', [
        {
          path: 'kubeconfig',
          message:
            'no cluster to talk to: not running in a pod, no $KUBECONFIG, no ~/.kube/config; pass --kubeconfig or --apiserver-override',
        },
      ]);
    }
  }
  const base: KubeTarget = target ?? { server: '', insecure: false, auth: { kind: 'none' } };
  return {
    ...base,
    ...(location?.server ? { server: location.server } : {}),
    insecure: base.insecure || (location?.insecure ?? false),
  };
}

function defaultKubeconfig(env: NodeJS.ProcessEnv): string | undefined {
  // $KUBECONFIG may list several files; like kubectl, the first that exists holds the context.
  for (const file of (env.KUBECONFIG ?? '').split(':')) if (file && existsSync(file)) return file;
  const home = `${env.HOME ?? ''}/.kube/config`;
  return existsSync(home) ? home : undefined;
}

function inCluster(env: NodeJS.ProcessEnv, dir: string): KubeTarget {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  const token = join(dir, 'token');
  if (!existsSync(token)) {
    throw new ConfigError('in-cluster config', [
      { path: token, message: 'service account token missing; is automountServiceAccountToken off? pass --kubeconfig instead' },
    ]);
  }
  const ca = join(dir, 'ca.crt');
  const namespace = join(dir, 'namespace');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    insecure: false,
    auth: { kind: 'token-file', path: token },
    ...(existsSync(ca) ? { ca: readFileSync(ca) } : {}),
    ...(existsSync(namespace) ? { namespace: readFileSync(namespace, 'utf8').trim() } : {}),
  };
}

type Fields = Record<string, unknown>;

async function fromKubeconfig(file: string): Promise<KubeTarget> {
  const issue = (path: string, message: string): ConfigError => new ConfigError(file, [{ path, message }]);
  let doc: unknown;
  try {
    // YAML is only needed off-cluster; in a pod the parser is never loaded.
    const { parse } = await import('yaml');
    doc = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw issue('(root)', `not a kubeconfig: ${(error as Error).message}`);
  }
  const root = (doc ?? {}) as Fields;
  const named = (list: string, name: unknown, key: string): Fields => {
    const entries = Array.isArray(root[list]) ? (root[list] as Fields[]) : [];
    const entry = entries.find((e) => e?.name === name);
    if (!entry) throw issue(list, `no entry named "${String(name)}"`);
    return (entry[key] ?? {}) as Fields;
  };
  const current = root['current-context'];
  if (typeof current !== 'string' || current === '') throw issue('current-context', 'not set; run kubectl config use-context');
  const context = named('contexts', current, 'context');
  const cluster = named('clusters', context.cluster, 'cluster');
  const user = context.user === undefined ? {} : named('users', context.user, 'user');
  const dir = dirname(file);
  const text = (from: Fields, key: string): string | undefined =>
    typeof from[key] === 'string' && from[key] !== '' ? from[key] : undefined;
  const bytes = (from: Fields, dataKey: string, fileKey: string): Buffer | undefined => {
    const data = text(from, dataKey);
    if (data) return Buffer.from(data, 'base64');
    const path = text(from, fileKey);
    if (!path) return undefined;
    const resolved = isAbsolute(path) ? path : join(dir, path);
    try {
      return readFileSync(resolved);
    } catch (error) {
      throw issue(fileKey, `cannot read ${resolved}: ${(error as Error).message}`);
    }
  };
  const server = text(cluster, 'server');
  if (!server) throw issue(`clusters[${String(context.cluster)}].server`, 'missing');
  if (user['auth-provider']) {
    throw issue(
      `users[${String(context.user)}].auth-provider`,
      'auth providers are not supported; use a token, a client certificate or an exec plugin',
    );
  }
  const ca = bytes(cluster, 'certificate-authority-data', 'certificate-authority');
  const clientCert = bytes(user, 'client-certificate-data', 'client-certificate');
  const clientKey = bytes(user, 'client-key-data', 'client-key');
  const tlsServerName = text(cluster, 'tls-server-name');
  const namespace = text(context, 'namespace');
  return {
    server,
    insecure: cluster['insecure-skip-tls-verify'] === true,
    auth: userAuth(user, dir, issue),
    ...(ca ? { ca } : {}),
    ...(clientCert ? { clientCert } : {}),
    ...(clientKey ? { clientKey } : {}),
    ...(tlsServerName ? { tlsServerName } : {}),
    ...(namespace ? { namespace } : {}),
  };
}

function userAuth(user: Fields, dir: string, issue: (path: string, message: string) => ConfigError): KubeAuth {
  if (typeof user.token === 'string' && user.token !== '') return { kind: 'token', token: user.token };
  if (typeof user.tokenFile === 'string' && user.tokenFile !== '') {
    return { kind: 'token-file', path: isAbsolute(user.tokenFile) ? user.tokenFile : join(dir, user.tokenFile) };
  }
  if (typeof user.username === 'string' && typeof user.password === 'string') {
    return { kind: 'basic', username: user.username, password: user.password };
  }
  const exec = user.exec as Fields | undefined;
  if (exec) {
    if (typeof exec.command !== 'string' || exec.command === '') throw issue('user.exec.command', 'missing');
    const env: Record<string, string> = {};
    for (const entry of Array.isArray(exec.env) ? (exec.env as Fields[]) : []) {
      if (typeof entry?.name === 'string') env[entry.name] = String(entry.value ?? '');
    }
    return {
      kind: 'exec',
      plugin: {
        command: exec.command,
        args: Array.isArray(exec.args) ? exec.args.map(String) : [],
        env,
        apiVersion: typeof exec.apiVersion === 'string' ? exec.apiVersion : 'client.authentication.k8s.io/v1',
        dir,
      },
    };
  }
  return { kind: 'none' };
}
