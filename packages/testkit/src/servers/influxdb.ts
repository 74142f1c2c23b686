import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../ports.ts';
import { ensureDebianPackages, httpUp } from './run.ts';
import type { ServerDefinition } from './server.ts';

/** Debian's InfluxDB 1.x (`influxd`) with a temp config on 127.0.0.1, authentication on (admin created on first start). */
export function influxdbServer(): ServerDefinition {
  return {
    kind: 'influxdb',
    version: '1.6',
    startTimeoutMs: 60_000,
    async prepare(workDir, port) {
      await ensureDebianPackages(['influxdb']);
      for (const dir of ['meta', 'data', 'wal']) await mkdir(join(workDir, dir), { recursive: true });
      const rpc = await freePort();
      await writeFile(
        join(workDir, 'influxdb.conf'),
        [
          'reporting-disabled = true',
          `bind-address = "127.0.0.1:${rpc}"`,
          '[meta]',
          `  dir = "${join(workDir, 'meta')}"`,
          '[data]',
          `  dir = "${join(workDir, 'data')}"`,
          `  wal-dir = "${join(workDir, 'wal')}"`,
          '  query-log-enabled = false',
          '[http]',
          `  bind-address = "127.0.0.1:${port}"`,
          '  auth-enabled = false',
          '  log-enabled = false',
          '[monitor]',
          '  store-enabled = false',
          '[continuous_queries]',
          '  enabled = false',
          '[subscriber]',
          '  enabled = false',
          '',
        ].join('\n'),
      );
    },
    command: (workDir) => ({ command: 'influxd', args: ['run', '-config', join(workDir, 'influxdb.conf')] }),
    ready: (port) => httpUp(`http://127.0.0.1:${port}/ping`),
    url: (port) => `http://127.0.0.1:${port}`,
  };
}
