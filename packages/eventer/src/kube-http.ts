import { HttpMethod, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { fetch, type Response } from 'undici';
import { KubeApiError } from './errors.ts';

/**
 * One request to the apiserver with the kubeconfig's TLS and credentials, through undici.
 * Used for list/watch (streamed), Leases and the checkpoint ConfigMap; the generated client's
 * watch helper hides 410 ERROR events and bookmarks behind callbacks and a 30 s timer.
 */
export async function kubeFetch(
  kubeConfig: KubeConfig,
  path: string,
  options: { method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; body?: unknown; signal?: AbortSignal; contentType?: string } = {},
): Promise<Response> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = `${cluster.server.replace(/\/$/, '')}${path}`;
  const method = options.method ?? 'GET';
  const context = new RequestContext(url, HttpMethod[method]);
  await kubeConfig.applySecurityAuthentication(context);
  const headers = context.getHeaders() as Record<string, string>;
  headers.accept = 'application/json';
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  return fetch(url, {
    method,
    headers,
    // biome-ignore lint/suspicious/noExplicitAny: the client's dispatcher is undici's, typed from its own copy
    dispatcher: context.getDispatcher() as any,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

export async function kubeJson<T>(kubeConfig: KubeConfig, path: string, options: Parameters<typeof kubeFetch>[2] = {}): Promise<T> {
  const response = await kubeFetch(kubeConfig, path, options);
  const text = await response.text();
  if (!response.ok) {
    let reason = '';
    let message = text.slice(0, 500);
    try {
      const status = JSON.parse(text) as { reason?: string; message?: string };
      reason = status.reason ?? '';
      message = status.message ?? message;
    } catch {
      // not a Status object: keep the raw text
    }
    throw new KubeApiError(response.status, reason, `${options.method ?? 'GET'} ${path}: ${response.status} ${message}`);
  }
  return JSON.parse(text) as T;
}
