import { chmod, chown, cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { freePort } from '../ports.ts';
import { fetchPeer, httpUp, run } from './run.ts';
import type { ServerDefinition } from './server.ts';

export type SearchFlavour = 'elasticsearch' | 'opensearch';

/**
 * Elasticsearch / OpenSearch from the integration-test zips on Maven Central, single node on
 * 127.0.0.1, security off, small heap. They refuse to run as root: as root the node runs as
 * `nobody` (setpriv), with its config and data dirs handed to that user.
 */
export function searchServer(flavour: SearchFlavour, version: string): ServerDefinition {
  let home = '';
  const env = flavour === 'opensearch' ? 'OPENSEARCH' : 'ES';
  return {
    kind: `${flavour}-${version}`,
    version,
    startTimeoutMs: 240_000,
    async prepare(workDir, port) {
      const cached = await fetchPeer(flavour, version);
      // The unprivileged user cannot traverse root's home: link the distribution into the work dir.
      home = join(workDir, 'home');
      await run('cp', ['-al', cached, home]).catch(() => run('cp', ['-a', cached, home]));
      await chmod(home, 0o755);
      const config = join(workDir, 'config');
      await cp(join(cached, 'config'), config, { recursive: true });
      // GC logs and heap dumps go to paths relative to the distribution: off in tests.
      const jvmOptions = join(config, 'jvm.options');
      const kept = (await readFile(jvmOptions, 'utf8')).split('\n').filter((line) => !/Xlog|HeapDump|ErrorFile/.test(line));
      await writeFile(jvmOptions, kept.join('\n'));
      for (const dir of ['data', 'logs', 'tmp']) await mkdir(join(workDir, dir), { recursive: true });
      const lines = [
        'cluster.name: ack-npd-test',
        'node.name: node-1',
        'network.host: 127.0.0.1',
        `http.port: ${port}`,
        `transport.port: ${await freePort()}`,
        'discovery.type: single-node',
        `path.data: ${join(workDir, 'data')}`,
        `path.logs: ${join(workDir, 'logs')}`,
        'action.destructive_requires_name: false',
        'cluster.routing.allocation.disk.threshold_enabled: false',
      ];
      // The integ-test zips carry x-pack-security (on by default in 8.x) and little else.
      if (flavour === 'elasticsearch') lines.push('xpack.security.enabled: false');
      await writeFile(join(config, `${flavour}.yml`), `${lines.join('\n')}\n`);
      if (process.getuid?.() === 0) for (const dir of ['config', 'data', 'logs', 'tmp']) await chownTree(join(workDir, dir), 65534, 65534);
      await chown(workDir, 65534, 65534).catch(() => undefined);
      await chmod(dirname(workDir), 0o755); // a temp parent may be 0700
    },
    command(workDir) {
      const vars = [
        `${env}_PATH_CONF=${join(workDir, 'config')}`,
        `${env}_JAVA_OPTS=-Xms256m -Xmx384m -XX:TieredStopAtLevel=1`,
        `${env}_TMPDIR=${join(workDir, 'tmp')}`,
        `${env}_JAVA_HOME=${process.env.JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64'}`,
      ];
      const bin = join(home, 'bin', flavour);
      const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
      const [command, ...args] = [...asUser, 'env', ...vars, bin];
      return { command: command as string, args };
    },
    ready: async (port) => {
      if (!(await httpUp(`http://127.0.0.1:${port}/`))) return false;
      const health = await fetch(`http://127.0.0.1:${port}/_cluster/health?wait_for_status=yellow&timeout=1s`).catch(() => undefined);
      return health?.status === 200;
    },
    url: (port) => `http://127.0.0.1:${port}`,
  };
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, uid, gid);
    else await chown(path, uid, gid);
  }
}
