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
