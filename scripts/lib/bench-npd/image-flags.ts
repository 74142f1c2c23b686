import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const repo = join(import.meta.dirname, '..', '..', '..');

/** NODE_OPTIONS the chart gives the agent (npd.nodeOptions). */
export function chartNodeOptions(): string {
  const values = parse(readFileSync(join(repo, 'charts', 'ack-node-problem-detector', 'values.yaml'), 'utf8')) as {
    npd: { nodeOptions: string };
  };
  return values.npd.nodeOptions;
}

/** The node flags the npd image's ENTRYPOINT passes before /app/npd.mjs (benchmarks and tests run the agent the same way). */
export function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(join(repo, 'docker', 'npd.Dockerfile'), 'utf8');
  const line = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  if (!line) throw new Error('docker/npd.Dockerfile has no ENTRYPOINT [...] line');
  const argv = JSON.parse(line) as string[];
  const node = argv.findIndex((arg) => arg.endsWith('/node'));
  const app = argv.indexOf('/app/npd.mjs');
  if (node < 0 || app < node) throw new Error(`unexpected npd ENTRYPOINT ${line}`);
  return argv.slice(node + 1, app);
}
