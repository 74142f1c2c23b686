import type { EventStore } from './types.ts';

export type StoreSpec = { readonly backend: 'sqlite'; readonly path: string } | { readonly backend: 'postgres'; readonly dsn: string };

/** Opens and migrates a store; the PostgreSQL driver is loaded only when asked for. */
export async function openStore(spec: StoreSpec): Promise<EventStore> {
  let store: EventStore;
  if (spec.backend === 'sqlite') {
    const { SqliteStore } = await import('./sqlite.ts');
    store = new SqliteStore({ path: spec.path });
  } else {
    const { PostgresStore } = await import('./postgres.ts');
    store = new PostgresStore({ dsn: spec.dsn });
  }
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
