/**
 * What each dependency costs in RSS, measured the way the agent runs: a tiny program that uses the
 * library the way we do, bundled by esbuild like the agent, run with the chart's NODE_OPTIONS;
 * VmRSS after 2 s minus that of a bare program.
 *   node --conditions=development scripts/lib/bench-npd/deps.ts   (prints a Markdown table)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../../bundle.ts';
import { chartNodeOptions, imageNodeFlags } from './image-flags.ts';

const repo = join(import.meta.dirname, '..', '..', '..');
const core = join(repo, 'packages', 'core', 'src');
const work = mkdtempSync(join(tmpdir(), 'bench-deps-'));
const KEEP_ALIVE = 'setInterval(() => {}, 1000);';

/** [what, program]: each uses the library the way the agent (or the eventer) does. */
export const PROGRAMS: readonly [string, string][] = [
  ['node itself (bare program)', ''],
  [
    'zod (classic build)',
    "import { z } from 'zod'; z.object({ a: z.string().min(1), b: z.number().int().optional(), c: z.array(z.enum(['x', 'y'])).default([]) }).safeParse({ a: 'x' });",
  ],
  [
    'zod/mini (what core and npd use)',
    "import * as z from 'zod/mini'; import { en } from 'zod/locales'; z.config(en()); z.safeParse(z.object({ a: z.string().check(z.minLength(1)), b: z.optional(z.int()), c: z._default(z.array(z.enum(['x', 'y'])), []) }), { a: 'x' });",
  ],
  [
    'pino (eventer; core/logger)',
    "import { pino } from 'pino'; pino({ redact: ['token', '*.token'] }, pino.destination({ fd: 2, sync: false })).info({ a: 1 }, 'x');",
  ],
  [
    'core/log-lite (what npd uses)',
    `import { createLiteLogger } from '${core}/log-lite.ts'; createLiteLogger({ name: 'x' }).info({ a: 1 }, 'x');`,
  ],
  [
    'prom-client with default metrics (eventer; core/metrics)',
    "import { Registry, Counter, collectDefaultMetrics } from 'prom-client'; const r = new Registry(); collectDefaultMetrics({ register: r }); new Counter({ name: 'c', help: 'c', registers: [r] }).inc(); r.metrics();",
  ],
  [
    'prom-client without default metrics',
    "import { Registry, Counter } from 'prom-client'; const r = new Registry(); new Counter({ name: 'c', help: 'c', registers: [r] }).inc(); r.metrics();",
  ],
  [
    'core/prom-lite (what npd uses)',
    `import { createRegistry, Counter } from '${core}/prom-lite.ts'; const r = createRegistry(); new Counter({ name: 'c', help: 'c', registers: [r] }).inc(); r.metrics();`,
  ],
  [
    "import 'node:http' (ESM: reads lazy exports, loads undici, TLS, http2)",
    "import { createServer } from 'node:http'; createServer().listen(0, '127.0.0.1');",
  ],
  [
    "process.getBuiltinModule('node:http') (what core/http does)",
    "process.getBuiltinModule('node:http').createServer().listen(0, '127.0.0.1');",
  ],
  ["node:https Agent (TLS; the k8s exporter's connection)", "new (process.getBuiltinModule('node:https').Agent)({ keepAlive: true });"],
  ['node:child_process (plug-ins, journalctl)', "import { execFile } from 'node:child_process'; execFile('true');"],
  [
    'core/kube-lite client (what npd uses)',
    `import { KubeClient } from '${core}/kube-lite/index.ts'; new KubeClient({ server: 'https://127.0.0.1:1', insecure: true, auth: { kind: 'none' } }).request({ method: 'GET', path: '/' }).catch(() => {});`,
  ],
  [
    '@kubernetes/client-node (eventer; npd before)',
    "import { KubeConfig, CoreV1Api } from '@kubernetes/client-node'; const kc = new KubeConfig(); kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: false }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' }); kc.makeApiClient(CoreV1Api).readNode({ name: 'n' }).catch(() => {});",
  ],
];

async function rssOf(source: string, index: number): Promise<number> {
  const entry = join(work, `p${index}.ts`);
  const outfile = join(work, `p${index}.mjs`);
  writeFileSync(entry, `${source}\n${KEEP_ALIVE}\n`);
  await build({
    entryPoints: [entry],
    outfile,
    ...BUNDLE_OPTIONS,
    logLevel: 'error',
    nodePaths: [
      join(repo, 'packages', 'eventer', 'node_modules'),
      join(repo, 'packages', 'core', 'node_modules'),
      join(repo, 'node_modules'),
    ],
  });
  const child = spawn(process.execPath, [...imageNodeFlags(), outfile], {
    // A container's environment, not this shell's (NODE_EXTRA_CA_CERTS would load certificates into the TLS rows).
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production', NODE_OPTIONS: chartNodeOptions() },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  if (child.exitCode !== null) throw new Error(`program ${index} exited (${child.exitCode}): ${source}`);
  const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
  child.kill();
  return kib / 1024;
}

export async function measureDependencies(rounds = 3): Promise<string> {
  const results: number[][] = PROGRAMS.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, [, source]] of PROGRAMS.entries()) results[i]?.push(await rssOf(source, i));
  }
  const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const bare = median(results[0] ?? []);
  const rows = PROGRAMS.map(([what], i) => {
    const rss = median(results[i] ?? []);
    return `| ${what} | ${rss.toFixed(1)} MiB | ${i === 0 ? '' : `${rss - bare >= 0 ? '+' : ''}${(rss - bare).toFixed(1)} MiB`} |`;
  });
  return ['| dependency (bundled, used as we use it) | RSS | over bare node |', '|---|---|---|', ...rows].join('\n');
}

if (import.meta.main) process.stdout.write(`${await measureDependencies()}\n`);
