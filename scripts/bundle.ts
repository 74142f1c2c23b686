/**
 * Bundles each program into one ESM file (esbuild, from the TypeScript sources, dependencies
 * included and tree-shaken), so the image loads one file instead of hundreds of modules:
 *   node scripts/bundle.ts [--out=dist/bundle] [npd|eventer|log-counter ...]
 * Writes <out>/<program>.bundle.mjs (the program and its dependencies, + .LEGAL.txt with their licence
 * comments) and <out>/<program>.mjs, a launcher that turns Node's compile cache on and imports the
 * bundle: `node <out>/npd.mjs`. The cache goes to $NODE_COMPILE_CACHE (an image can ship it
 * pre-filled) or a directory under the OS temp dir; NODE_DISABLE_COMPILE_CACHE=1 turns it off. A
 * module cannot cache its own compilation, hence the two files.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { type BuildOptions, build, type Plugin } from 'esbuild';

const repo = join(import.meta.dirname, '..');

/** Entry point of each program. */
export const PROGRAMS = {
  npd: 'packages/npd/src/main.ts',
  'log-counter': 'packages/npd/src/log-counter.ts',
  eventer: 'packages/eventer/src/main.ts',
  eventcenter: 'packages/eventcenter/src/main.ts',
} as const;
export type Program = keyof typeof PROGRAMS;

// ESM output has no `require`; CommonJS dependencies (pino, prom-client) call it for node built-ins.
const BANNER = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** How every program is bundled (scripts/lib/bench-npd/deps.ts measures libraries the same way). */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  // The workspace packages' "development" export points at their TypeScript sources.
  conditions: ['development'],
  banner: { js: BANNER },
  minify: true,
  // Error classes name themselves after new.target.name.
  keepNames: true,
} as const satisfies BuildOptions;

/**
 * @alicloud/log (eventcenter provision-sls) reads its sls.proto from __dirname when loaded, which
 * an ESM bundle has not: inline the schema text instead.
 */
const inlineSlsProto: Plugin = {
  name: 'inline-alicloud-log-proto',
  setup(b) {
    b.onLoad({ filter: /@alicloud[\\/]log[\\/]lib[\\/]client\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const proto = await readFile(join(args.path, '..', 'sls.proto'), 'utf8');
      const load = "protobuf.loadSync(path.join(__dirname, './sls.proto'))";
      if (!source.includes(load)) throw new Error(`${args.path}: the sls.proto loading changed; update scripts/bundle.ts`);
      return { contents: source.replace(load, `protobuf.parse(${JSON.stringify(proto)}).root`), loader: 'js' };
    });
  },
};

/**
 * Node built-ins reached through process.getBuiltinModule() instead of ESM imports, behind a facade
 * of plain getters. An ESM import of a built-in builds its module namespace, and esbuild's CommonJS
 * interop copies every property descriptor: either way every lazy export is loaded (`node:util`
 * loads worker_threads and the diff code, `node:fs` its promises API and readline, `node:crypto`
 * WebCrypto), each module's JavaScript paged in from node's binary and compiled: several MiB of RSS
 * for code the program never runs. The facade loads the module and forwards a property only when the
 * program reads it.
 */
export const builtinsOnDemand: Plugin = {
  name: 'builtins-on-demand',
  setup(b) {
    const names = new Set(builtinModules);
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!names.has(name) && !args.path.startsWith('node:')) return undefined;
      if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
      return { path: `node:${name}`, namespace: 'node-builtin' };
    });
    // The export names are taken here (the bundle runs on this Node version): the module itself is
    // loaded on the first read of an export, so a built-in imported by code that never runs (journald's
    // readline when no journal is configured) is never loaded.
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents: [
        'let m;',
        `const load = () => (m ??= process.getBuiltinModule(${JSON.stringify(args.path)}));`,
        'const facade = {};',
        `for (const name of ${JSON.stringify(Object.getOwnPropertyNames(process.getBuiltinModule(args.path)))})`,
        '  Object.defineProperty(facade, name, { get: () => load()[name], enumerable: true });',
        'module.exports = facade;',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/** Programs whose every built-in is loaded on demand (the node agent: its RSS is budgeted). */
const ON_DEMAND: readonly Program[] = ['npd', 'log-counter'];

export async function bundle(programs: readonly Program[], out: string): Promise<string[]> {
  await mkdir(out, { recursive: true });
  const files: string[] = [];
  for (const program of programs) {
    const outfile = join(out, `${program}.bundle.mjs`);
    await build({
      entryPoints: [join(repo, PROGRAMS[program])],
      outfile,
      ...BUNDLE_OPTIONS,
      legalComments: 'external',
      logLevel: 'warning',
      // pg loads its optional native binding only when asked to; the image never asks.
      external: ['pg-native'],
      plugins: ON_DEMAND.includes(program) ? [builtinsOnDemand, inlineSlsProto] : [inlineSlsProto],
    });
    const launcher = join(out, `${program}.mjs`);
    await writeFile(launcher, launcherSource(program), { mode: 0o755 });
    files.push(launcher, outfile);
  }
  return files;
}

function launcherSource(program: Program): string {
  return `#!/usr/bin/env node
import { enableCompileCache } from 'node:module';
enableCompileCache();
await import('./${program}.bundle.mjs');
`;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const out = resolve(args.find((a) => a.startsWith('--out='))?.slice('--out='.length) ?? join(repo, 'dist', 'bundle'));
  const named = args.filter((a) => !a.startsWith('--'));
  const unknown = named.filter((a) => !(a in PROGRAMS));
  if (unknown.length > 0) {
    process.stderr.write(`bundle: unknown program ${unknown.join(', ')}; known: ${Object.keys(PROGRAMS).join(', ')}\n`);
    process.exit(2);
  }
  const programs = (named.length > 0 ? named : Object.keys(PROGRAMS)) as Program[];
  for (const file of await bundle(programs, out)) process.stdout.write(`${file}\n`);
}
