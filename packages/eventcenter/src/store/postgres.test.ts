import { type PostgresServer, startPostgres } from '@ack-npd/testkit';
import { storeSuite } from '../testing/store-suite.ts';
import { openStore } from './open.ts';

let server: PostgresServer | undefined;
storeSuite(
  'postgres',
  async () => {
    server = await startPostgres();
    return openStore({ backend: 'postgres', dsn: server.dsn });
  },
  async () => server?.stop(),
);
