/**
 * Our eventer and (optionally) kube-eventer side by side on the same real control plane, each
 * posting to its own loopback webhook receiver (answers in one write):
 *   node --conditions=development scripts/bench-eventer.ts [--kube-eventer=/path/to/binary-or-dir]
 *     [--bursts=2000,10000,50000] [--rate=200] [--sustain=60s] [--live=100000] [--write]
 *     [--node-flags="--max-semi-space-size=1"]
 * kube-eventer is never built here: pass its binary, or a directory holding the binary
 * `kube-eventer` you built from its repository (`GOFLAGS=-mod=vendor go build`, from its vendor/).
 * Ours runs as the image does (packages/eventer/dist/main.js, built first with tsc).
 * Prints, per scenario and shipper, delivered / lost / duplicated, lag p50/p99 (creation →
 * receipt), CPU seconds and peak RSS; --write puts the report in docs/benchmarks.md between the
 * "bench-eventer" markers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../packages/core/src/index.ts';
import { KubeClient, loadKubeTarget } from '../packages/core/src/kube-lite/index.ts';
import { EventerProcess } from '../packages/eventer/src/testing/eventer-process.ts';
import { percentile, postEvents, procStats, RssSampler } from '../packages/eventer/src/testing/load.ts';
import { WebhookReceiver } from '../packages/eventer/src/testing/receiver.ts';
import { startCluster } from '../packages/testkit/src/index.ts';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const at = a.indexOf('=');
    return (at < 0 ? [a.replace(/^--/, ''), ''] : [a.slice(2, at), a.slice(at + 1)]) as [string, string];
  }),
);
const repo = join(import.meta.dirname, '..');
const bursts = (args.get('bursts') ?? '2000,10000,50000').split(',').filter(Boolean).map(Number);
const rate = Number(args.get('rate') ?? 200);
const sustainMs = parseDuration(args.get('sustain') ?? '60s') ?? Number.NaN;
const live = Number(args.get('live') ?? 100_000);
const nodeFlags = (args.get('node-flags') ?? '').split(' ').filter(Boolean);
if (bursts.some((n) => !(n > 0)) || !(rate > 0) || !(sustainMs > 0) || !(live >= 0)) {
  process.stderr.write(
    'usage: bench-eventer.ts [--kube-eventer=PATH] [--bursts=2000,10000] [--rate=200] [--sustain=60s] [--live=100000] [--write]\n',
  );
  process.exit(2);
}

function kubeEventerBinary(): { path: string; commit: string } | undefined {
  const given = args.get('kube-eventer');
  if (!given) return undefined;
  const path = existsSync(given) && statSync(given).isDirectory() ? join(given, 'kube-eventer') : given;
  if (!existsSync(path)) {
    process.stderr.write(
      `bench-eventer: ${path} does not exist; build kube-eventer in its checkout: GOFLAGS=-mod=vendor go build -o kube-eventer .\n`,
    );
    process.exit(2);
  }
  let commit = args.get('kube-eventer-commit') ?? '';
  if (!commit) {
    try {
      commit = execFileSync('git', ['-C', statSync(given).isDirectory() ? given : join(given, '..'), 'rev-parse', '--short', 'HEAD'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      commit = 'unknown (pass --kube-eventer-commit=)';
    }
  }
  return { path, commit };
}

const theirs = kubeEventerBinary();
const say = (text: string) => process.stderr.write(`bench-eventer: ${text}\n`);

say('building packages/core and packages/eventer (tsc)');
const tsc = join(repo, 'node_modules/typescript/bin/tsc');
for (const pkg of ['core', 'eventer'])
  execFileSync(process.execPath, [tsc, '-p', join(repo, 'packages', pkg, 'tsconfig.build.json')], { stdio: 'inherit' });

const dir = await mkdtemp(join(tmpdir(), 'bench-eventer-'));
say('starting the control plane');
const cluster = await startCluster({ nodes: 0 });
const kube = new KubeClient(await loadKubeTarget({ kubeconfig: cluster.kubeconfigPath, env: {} }));
const namespace = await cluster.createNamespace('bench');
await kube.request({
  method: 'POST',
  path: `/api/v1/namespaces/${namespace}/configmaps`,
  body: { metadata: { name: 'bench-body' }, data: { content: '{"key":"{{ .Name }}/{{ .Count }}"}' } },
});

interface Shipper {
  readonly name: string;
  readonly receiver: WebhookReceiver;
  readonly process: EventerProcess;
  readonly sampler: RssSampler;
}

async function shipper(name: string, command: readonly string[], extra: (url: string) => string[]): Promise<Shipper> {
  const receiver = new WebhookReceiver();
  const url = await receiver.start();
  const sink = `webhook:${url}?level=Normal&method=POST&custom_body_configmap=bench-body&custom_body_configmap_namespace=${namespace}`;
  const process_ = new EventerProcess(
    [`--source=kubernetes:?inClusterConfig=false&auth=${cluster.kubeconfigPath}`, `--sink=${sink}`, ...extra(url)],
    join(dir, `${name}.log`),
    {},
    command,
  );
  process_.start();
  return { name, receiver, process: process_, sampler: new RssSampler(() => process_.pid) };
}

const shippers: Shipper[] = [
  await shipper('ours', [process.execPath, ...nodeFlags, join(repo, 'packages/eventer/dist/main.js')], () => [
    `--spool-dir=${join(dir, 'spool')}`,
    '--healthz-port=0',
    '--log-level=warn',
  ]),
];
if (theirs) shippers.push(await shipper('kube-eventer', [theirs.path], () => ['--healthz-port=0', '--v=0']));

async function cpuOf(s: Shipper): Promise<number> {
  return (s.process.pid ? await procStats(s.process.pid) : undefined)?.cpu ?? Number.NaN;
}

interface Row {
  readonly scenario: string;
  readonly shipper: string;
  readonly created: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpu: number;
  readonly peakMiB: number;
  readonly averageMiB: number;
}
const rows: Row[] = [];
const idle: Record<string, { before: number; after?: number }> = {};

/** Creates events (burst or paced), waits until every shipper is done or stalled, records a row per shipper. */
async function scenario(label: string, prefix: string, count: number, perSecond?: number): Promise<void> {
  say(`${label}: creating ${count} events${perSecond ? ` at ${perSecond}/s` : ''}`);
  const cpu0 = await Promise.all(shippers.map(cpuOf));
  for (const s of shippers) s.sampler.mark();
  const posted = await postEvents(kube, namespace, { prefix, count, concurrency: perSecond ? 8 : 24, ...(perSecond ? { perSecond } : {}) });
  const keys = posted.map((p) => `${p.name}/1`);
  const got = (s: Shipper) => keys.filter((key) => s.receiver.deliveries.has(key)).length;
  // A shipper is done when it has everything, or delivered nothing new for 60 s (it lost the rest),
  const progress = new Map(shippers.map((s) => [s.name, { n: -1, since: Date.now() }]));
  const deadline = Date.now() + 30 * 60_000;
  // A shipper still trickling 2 minutes after another has everything is cut off (its rest counts as lost).
  let firstDone: number | undefined;
  while (Date.now() < deadline) {
    const done = shippers.map((s) => {
      const n = got(s);
      const seen = progress.get(s.name) as { n: number; since: number };
      if (n !== seen.n) progress.set(s.name, { n, since: Date.now() });
      return (
        n === count || (n === seen.n && Date.now() - seen.since >= 60_000) || (firstDone !== undefined && Date.now() - firstDone > 120_000)
      );
    });
    if (firstDone === undefined && shippers.some((s) => got(s) === count)) firstDone = Date.now();
    if (done.every(Boolean)) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const cpu1 = await Promise.all(shippers.map(cpuOf));
  for (const [i, s] of shippers.entries()) {
    const lags = posted.flatMap((p) => {
      const at = s.receiver.firstAt.get(`${p.name}/1`);
      return at === undefined ? [] : [Math.max(0, at - p.createdAt) / 1000];
    });
    const delivered = lags.length;
    const duplicated = keys.reduce((sum, key) => sum + Math.max(0, (s.receiver.deliveries.get(key) ?? 0) - 1), 0);
    const rss = s.sampler.mark();
    rows.push({
      scenario: label,
      shipper: s.name,
      created: count,
      delivered,
      lost: count - delivered,
      duplicated,
      p50: percentile(lags, 50),
      p99: percentile(lags, 99),
      cpu: (cpu1[i] as number) - (cpu0[i] as number),
      peakMiB: rss.peakMiB,
      averageMiB: rss.averageMiB,
    });
    say(`${label} ${s.name}: ${delivered}/${count} delivered, ${duplicated} duplicated, peak ${rss.peakMiB.toFixed(0)} MiB`);
  }
}

async function idleRss(seconds: number): Promise<Record<string, number>> {
  for (const s of shippers) s.sampler.mark();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return Object.fromEntries(shippers.map((s) => [s.name, s.sampler.mark().averageMiB]));
}

try {
  // Both are watching when a probe event reaches both receivers.
  const probe = await postEvents(kube, namespace, { prefix: 'probe', count: 1 });
  const probeKey = `${probe[0]?.name}/1`;
  const started = Date.now();
  while (!shippers.every((s) => s.receiver.deliveries.has(probeKey))) {
    if (Date.now() - started > 120_000) throw new Error(`shippers not delivering; see logs in ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  say('idle (30 s)');
  for (const [name, mib] of Object.entries(await idleRss(30))) idle[name] = { before: mib };
  for (const [i, n] of bursts.entries()) await scenario(`${n.toLocaleString('en')}-event burst`, `b${i}`, n);
  await scenario(`${rate}/s for ${sustainMs / 1000} s`, 'sustain', Math.round((rate * sustainMs) / 1000), rate);
  // Top the cluster up to `live` events (all namespaces), then idle again.
  const existing = bursts.reduce((a, b) => a + b, 0) + Math.round((rate * sustainMs) / 1000) + 1;
  if (live > existing) await scenario(`top-up to ${live.toLocaleString('en')} live events`, 'live', live - existing);
  say('idle with the events live (30 s)');
  for (const [name, mib] of Object.entries(await idleRss(30))) (idle[name] as { after?: number }).after = mib;
} finally {
  for (const s of shippers) {
    s.sampler.stop();
    await s.process.stop('SIGTERM');
    await s.receiver.close();
  }
  kube.close();
  await cluster.stop();
}

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const head = [
  `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on this machine (${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, shared with other work), Node ${process.version}${nodeFlags.length ? ` ${nodeFlags.join(' ')}` : ''}, the real control plane of the test kit${theirs ? `, kube-eventer ${theirs.commit}` : ''}.`,
  'Each shipper watches the whole cluster and posts to its own loopback webhook receiver (answers in one write); the body is',
  '`{"key":"{{ .Name }}/{{ .Count }}"}` from a ConfigMap (`custom_body_configmap`, both shippers). Lag = first receipt − the time the create was sent.',
  'CPU = user+system seconds of the shipper during the scenario (creation + delivery); peak/avg RSS sampled every 250 ms from /proc.',
  '',
  `Idle RSS (30 s average): ${Object.entries(idle)
    .map(
      ([name, v]) =>
        `${name} ${f(v.before, 0)} MiB at start, ${f(v.after ?? Number.NaN, 0)} MiB with ${live.toLocaleString('en')} live events after the runs`,
    )
    .join('; ')}.`,
  '',
  '| scenario | shipper | created | delivered | lost | duplicated | lag p50 s | lag p99 s | CPU s | peak RSS MiB | avg RSS MiB |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.scenario} | ${r.shipper} | ${r.created} | ${r.delivered} | ${r.lost} | ${r.duplicated} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.cpu, 1)} | ${f(r.peakMiB, 0)} | ${f(r.averageMiB, 0)} |`,
  ),
];
const report = `${head.join('\n')}\n`;
process.stdout.write(report);
if (args.has('write')) {
  const file = join(repo, 'docs', 'benchmarks.md');
  const doc = await readFile(file, 'utf8');
  const block = `<!-- bench-eventer:start -->\n## The eventer side by side with kube-eventer (\`scripts/bench-eventer.ts\`)\n\n${report}<!-- bench-eventer:end -->`;
  const pattern = /<!-- bench-eventer:start -->[\s\S]*<!-- bench-eventer:end -->/;
  await writeFile(file, pattern.test(doc) ? doc.replace(pattern, block) : `${doc.trimEnd()}\n\n${block}\n`);
  say(`wrote ${file}`);
}
await rm(dir, { recursive: true, force: true });
