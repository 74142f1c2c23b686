import type { IncomingMessage } from 'node:http';
import { KubeApiError as CoreKubeApiError } from '@ack-npd/core';
import type { KubeClient } from '@ack-npd/core/kube-lite';
import { KubeApiError } from './errors.ts';

export type KubeMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeCallOptions {
  readonly method?: KubeMethod;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  readonly contentType?: string;
}

function translate(error: unknown, method: string, path: string): unknown {
  if (!(error instanceof CoreKubeApiError)) return error;
  return new KubeApiError(error.status ?? 0, '', `${method} ${path}: ${error.message}`, { cause: error });
}

/**
 * One JSON request to the apiserver through core's small client (kube-lite: node:https, the
 * kubeconfig's TLS and credentials, token rotation); used for lists, Leases, the checkpoint
 * ConfigMap. An error answer is a KubeApiError with its HTTP status (0: no answer).
 */
export async function kubeJson<T>(client: KubeClient, path: string, options: KubeCallOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  try {
    return await client.request<T>({
      method,
      path,
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.contentType ? { contentType: options.contentType } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw translate(error, method, path);
  }
}

/** A streaming GET (a watch): the response once it answered 2xx, read by the caller. */
export async function kubeStream(client: KubeClient, path: string, signal: AbortSignal): Promise<IncomingMessage> {
  try {
    return await client.stream({ method: 'GET', path, signal });
  } catch (error) {
    throw translate(error, 'GET', path);
  }
}
