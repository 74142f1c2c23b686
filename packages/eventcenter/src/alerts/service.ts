import type { Logger } from '@ack-npd/core';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ApiContext } from '../api.ts';
import type { Route } from '../http.ts';
import type { EventStore } from '../store/types.ts';

export interface AlertServiceOptions {
  readonly store: EventStore;
  readonly logger: Logger;
  readonly notify: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly kubeConfig: KubeConfig | undefined;
}

export interface AlertService {
  readonly routes: readonly Route<ApiContext>[];
  start(intervalMs: number, signal: AbortSignal): void;
  close(): Promise<void>;
}

export async function createAlertService(_options: AlertServiceOptions): Promise<AlertService> {
  return { routes: [], start() {}, async close() {} };
}
