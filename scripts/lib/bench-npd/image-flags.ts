import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { imageRuntime } from '../image-runtime.ts';

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
  return imageRuntime('npd').nodeFlags;
}
