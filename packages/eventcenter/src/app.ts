import type { Logger } from '@ack-npd/core';
import { createRegistry } from '@ack-npd/core/metrics';
import { type ApiContext, apiRoutes, requireRole } from './api.ts';
import type { Authenticator } from './auth.ts';
import { clusterRegistry, ingestRefusedCounter } from './clusters.ts';
import { type Route, route, sendJson } from './http.ts';
import type { OwnerLookup } from './lifecycle.ts';
import { openapi } from './openapi.ts';
import { type RunningServer, startServer } from './server.ts';
import type { EventStore, RetentionPolicy } from './store/types.ts';

export interface EventCenterOptions {
  readonly store: EventStore;
  readonly auth: Authenticator;
  readonly logger: Logger;
  readonly address: string;
  readonly port: number;
  readonly uiDir?: string;
  readonly defaultCluster?: string;
  readonly retention?: RetentionPolicy;
  readonly retentionIntervalMs?: number;
  readonly lookupOwners?: OwnerLookup;
  /** More routes (the alerting layer's). */
  readonly extraRoutes?: readonly Route<ApiContext>[];
  readonly onIngest?: (inserted: number) => void;
}

export interface EventCenter {
  readonly server: RunningServer;
  close(): Promise<void>;
}

/** Wires store, API, UI and retention into one running server. */
export async function startEventCenter(options: EventCenterOptions): Promise<EventCenter> {
  const { store, logger } = options;
  const metrics = createRegistry({ prefix: 'eventcenter_' });
  const refused = ingestRefusedCounter(metrics);
  const clusters = clusterRegistry(store);
  const routes = [
    ...apiRoutes({
      store,
      defaultCluster: options.defaultCluster ?? '',
      clusters,
      onRefused: (cluster, reason) => {
        refused.inc({ cluster, reason });
        logger.warn({ cluster, reason }, 'ingest refused');
      },
      ...(options.lookupOwners ? { lookupOwners: options.lookupOwners } : {}),
      ...(options.onIngest ? { onIngest: options.onIngest } : {}),
    }),
    route<ApiContext>('GET', '/api/v1/whoami', (ctx) =>
      sendJson(ctx.response, 200, { roles: [...ctx.roles].sort(), auth: options.auth.mode }),
    ),
    route<ApiContext>('GET', '/api/v1/clusters', async (ctx) => {
      requireRole(ctx, 'viewer');
      sendJson(ctx.response, 200, { clusters: await clusters.list() });
    }),
    ...(options.extraRoutes ?? []),
  ];
  const server = await startServer({
    address: options.address,
    port: options.port,
    routes,
    auth: options.auth,
    logger,
    openapi,
    metrics,
    ...(options.uiDir ? { uiDir: options.uiDir } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  const retention = options.retention;
  if (retention && (retention.maxAgeMs > 0 || retention.maxBytes > 0 || (retention.perCluster?.length ?? 0) > 0)) {
    const run = () => {
      store
        .applyRetention(retention, Date.now())
        .then((r) => {
          if (r.deleted > 0) logger.info({ deleted: r.deleted, bytes: r.bytes }, 'retention deleted old events');
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'retention failed'));
    };
    run();
    timer = setInterval(run, options.retentionIntervalMs ?? 10 * 60_000);
    timer.unref();
  }
  return {
    server,
    async close() {
      if (timer) clearInterval(timer);
      await server.close();
    },
  };
}
