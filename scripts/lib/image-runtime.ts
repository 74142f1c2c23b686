import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How an image runs its program: the node flags of the Dockerfile's ENTRYPOINT and the
 * environment of its ENV lines, so benchmarks and tests run the bundle exactly as the image does.
 */
export function imageRuntime(dockerfile: 'eventer' | 'eventcenter' | 'npd'): { nodeFlags: string[]; env: Record<string, string> } {
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'docker', `${dockerfile}.Dockerfile`), 'utf8');
  const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(text)?.[1];
  if (!entrypoint) throw new Error(`docker/${dockerfile}.Dockerfile has no ENTRYPOINT [...] line`);
  const argv = JSON.parse(entrypoint) as string[];
  const node = argv.findIndex((a) => a.endsWith('/node'));
  const app = argv.findIndex((a, i) => i > node && a.startsWith('/app/'));
  if (node < 0 || app < 0) throw new Error(`unexpected ${dockerfile} ENTRYPOINT ${entrypoint}`);
  const nodeFlags = argv.slice(node + 1, app);
  const pairs = [...text.matchAll(/^ENV\s+(.+)$/gm)].flatMap((m) => (m[1] as string).trim().split(/\s+/)).filter((p) => p.includes('='));
  const env = Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  return { nodeFlags, env };
}
