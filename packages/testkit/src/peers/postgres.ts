import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../ports.ts';
import { Component, ProcessGroups } from '../processes.ts';
import { waitFor } from '../wait.ts';

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/DB */
  readonly dsn: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Installs Debian's postgresql when missing (flock-guarded: several test processes may ask at once). */
function ensurePostgresInstalled(): string {
  const bins = () =>
    existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`))
          .sort((a, b) => Number(b) - Number(a))
      : [];
  if (bins().length === 0) {
    execFileSync(
      'flock',
      [
        '/var/lib/dpkg/ack-npd-apt.lock',
        'bash',
        '-c',
        'dpkg -s postgresql >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }',
      ],
      { stdio: 'ignore' },
    );
  }
  const version = bins()[0];
  if (!version) throw new Error('PostgreSQL is not installed and apt-get could not install it');
  return `/usr/lib/postgresql/${version}/bin`;
}

/** Runs a command as the postgres user when we are root (initdb and postgres refuse root). */
function asPostgres(command: string, args: readonly string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, [...args]];
}

/**
 * A throwaway PostgreSQL cluster on 127.0.0.1 and a free port, in a temp dir, durability off
 * (tests only). A watchdog kills it and removes the dir if the owning process dies.
 */
export async function startPostgres(options: { database?: string } = {}): Promise<PostgresServer> {
  const bin = ensurePostgresInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'ack-npd-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  mkdirSync(data, { mode: 0o700 });
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
    chownSync(data, uid, gid);
  }
  const [initCmd, initArgs] = asPostgres(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '-N',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });
  const port = await freePort();
  const groups = new ProcessGroups(dir);
  groups.startWatchdog(process.pid, dir);
  const [cmd, args] = asPostgres(join(bin, 'postgres'), [
    '-D',
    data,
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=50',
  ]);
  const server = new Component({ name: 'postgres', command: cmd, args, logDir: dir, groups });
  const stop = async () => {
    await server.stop();
    groups.stopWatchdog();
    rmSync(dir, { recursive: true, force: true });
  };
  const database = options.database ?? 'eventcenter';
  try {
    const psql = join(bin, 'psql');
    await waitFor(
      'postgres to accept connections',
      () => {
        if (!server.running) throw new Error('postgres exited');
        execFileSync(psql, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', 'select 1'], {
          stdio: 'ignore',
        });
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 200, describe: () => server.tail() },
    );
    execFileSync(psql, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', `CREATE DATABASE ${database}`], {
      stdio: 'ignore',
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { dsn: `postgres://postgres@127.0.0.1:${port}/${database}`, port, stop };
}
