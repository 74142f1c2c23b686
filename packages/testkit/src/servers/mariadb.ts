import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ensureDebianPackages, run } from './run.ts';
import type { ServerDefinition } from './server.ts';

/** The account and database tests connect with (created by the server's init file on every start). */
export const MARIADB_USER = { user: 'eventer', password: 'eventer-pw', database: 'kube_eventer' } as const;

/** Debian's MariaDB server in a temp data dir on 127.0.0.1. */
export function mariadbServer(): ServerDefinition {
  return {
    kind: 'mariadb',
    version: 'debian',
    startTimeoutMs: 120_000,
    async prepare(workDir) {
      await ensureDebianPackages(['mariadb-server']);
      await run('mariadb-install-db', [
        '--no-defaults',
        `--datadir=${join(workDir, 'data')}`,
        '--user=root',
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ]);
      const { user, password, database } = MARIADB_USER;
      await writeFile(
        join(workDir, 'init.sql'),
        `CREATE DATABASE IF NOT EXISTS ${database};\n` +
          `CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY '${password}';\n` +
          `GRANT ALL ON ${database}.* TO '${user}'@'%';\n`,
      );
    },
    command(workDir, port) {
      return {
        command: 'mariadbd',
        args: [
          '--no-defaults',
          `--datadir=${join(workDir, 'data')}`,
          `--socket=${join(workDir, 'mysqld.sock')}`,
          `--pid-file=${join(workDir, 'mysqld.pid')}`,
          `--init-file=${join(workDir, 'init.sql')}`,
          '--bind-address=127.0.0.1',
          `--port=${port}`,
          '--user=root',
          '--skip-name-resolve',
          '--innodb-buffer-pool-size=32M',
          '--performance-schema=OFF',
        ],
      };
    },
    ready: (port) => greets(port),
    url: (port) => `tcp(127.0.0.1:${port})`,
  };
}

/** True when a TCP connection gets the server's first (handshake) bytes. */
export function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(3000, () => done(false));
    socket.once('data', () => done(true));
    socket.once('error', () => done(false));
  });
}
