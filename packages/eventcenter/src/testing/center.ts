import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@ack-npd/core/logger';
import { createAlertService } from '../alerts/service.ts';
import { startEventCenter } from '../app.ts';
import { type Authenticator, noAuth } from '../auth.ts';
import { openStore } from '../store/open.ts';
import type { EventStore } from '../store/types.ts';

export interface TestCenter {
  readonly url: string;
  readonly store: EventStore;
  readonly alerts: Awaited<ReturnType<typeof createAlertService>>;
  close(): Promise<void>;
}

/** An in-process event center on SQLite in a temp dir, a free loopback port. */
export async function startTestCenter(options: { auth?: Authenticator; notify?: string[] } = {}): Promise<TestCenter> {
  const dir = mkdtempSync(join(tmpdir(), 'eventcenter-test-'));
  const store = await openStore({ backend: 'sqlite', path: join(dir, 'events.db') });
  const logger = createLogger({ name: 'eventcenter-test', level: 'silent' });
  const alerts = await createAlertService({ store, logger, notify: options.notify ?? [], env: {}, kube: undefined });
  const stop = new AbortController();
  alerts.start(3600_000, stop.signal);
  const center = await startEventCenter({
    store,
    auth: options.auth ?? noAuth(),
    logger,
    address: '127.0.0.1',
    port: 0,
    extraRoutes: alerts.routes,
  });
  return {
    url: center.server.url,
    store,
    alerts,
    async close() {
      stop.abort();
      await center.close();
      await alerts.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
