/**
 * Our eventer and (optionally) kube-eventer side by side on the same real control plane, each
 * posting to its own loopback webhook receiver (answers in one write). The defaults are the
 * sizes of the comparison in docs/benchmarks.md (about 45 minutes on 2 quiet cores):
 *   node --conditions=development scripts/bench-eventer.ts [--kube-eventer=/path/to/binary-or-dir]
 *     [--bursts=2000,10000,50000] [--rate=200] [--sustain=10m] [--live=100000] [--faults=900]
 *     [--write] [--node-flags="--max-semi-space-size=1 --optimize-for-size"]
 * kube-eventer is never built here: pass its binary, or a directory holding the binary
 * `kube-eventer` you built from its repository (`GOFLAGS=-mod=vendor go build`, from its vendor/);
 * it runs with its defaults. Ours runs as the image does: the esbuild bundle (scripts/bundle.ts)
 * with the node flags of docker/eventer.Dockerfile's ENTRYPOINT and the environment of its ENV lines.
 * Scenarios: the receiver down 30 s and a kill -9 + restart while `faults` events are created
 * at 30/s (0 skips both); bursts; a sustained rate (RSS first minute vs last minute); a top-up to
 * `live` events in the cluster, then idle.
 * Prints, per scenario and shipper, delivered / lost / duplicated, lag p50/p99 (creation →
 * receipt), CPU seconds and peak/average RSS, then the memory targets of issue 12 with
 * pass/fail; --write puts the report in docs/benchmarks.md between the "bench-eventer" markers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../packages/core/src/index.ts';
import { KubeClient, loadKubeTarget } from '../packages/core/src/kube-lite/index.ts';
import { EventerProcess } from '../packages/eventer/src/testing/eventer-process.ts';
import { percentile, postEvents, procStats, RssSampler, type RssWindow } from '../packages/eventer/src/testing/load.ts';
import { WebhookReceiver } from '../packages/eventer/src/testing/receiver.ts';
import { startCluster } from '../packages/testkit/src/index.ts';
import { bundle } from './bundle.ts';
import { imageRuntime } from './lib/image-runtime.ts';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const at = a.indexOf('=');
    return (at < 0 ? [a.replace(/^--/, ''), ''] : [a.slice(2, at), a.slice(at + 1)]) as [string, string];
  }),
);
const repo = join(import.meta.dirname, '..');
const bursts = (args.get('bursts') ?? '2000,10000,50000').split(',').filter(Boolean).map(Number);
const rate = Number(args.get('rate') ?? 200);
const sustainMs = parseDuration(args.get('sustain') ?? '10m') ?? Number.NaN;
const live = Number(args.get('live') ?? 100_000);
const faults = Number(args.get('faults') ?? 900);

const image = imageRuntime('eventer');
const nodeFlags = args.has('node-flags') ? (args.get('node-flags') ?? '').split(' ').filter(Boolean) : image.nodeFlags;
if (bursts.some((n) => !(n > 0)) || !(rate > 0) || !(sustainMs > 0) || !(live >= 0) || !(faults >= 0)) {
  process.stderr.write(
    'usage: bench-eventer.ts [--kube-eventer=PATH] [--bursts=2000,10000,50000] [--rate=200] [--sustain=10m] [--live=100000] [--faults=900] [--write]\n',
  );
  process.exit(2);
}

function kubeEventerBinary(): { path: string; commit: string } | undefined {
  const given = args.get('kube-eventer')?.replace(/^~(?=\/)/, process.env.HOME ?? '~');
  if (!given) return undefined;
  const path = existsSync(given) && statSync(given).isDirectory() ? join(given, 'kube-eventer') : given;
  if (!existsSync(path)) {
    process.stderr.write(
      `bench-eventer: ${path} does not exist; build kube-eventer in its checkout: GOFLAGS=-mod=vendor go build -o kube-eventer .\n`,
    );
    process.exit(2);
  }
  let commit = args.get('kube-eventer-commit') ?? '';
  const checkouts = statSync(given).isDirectory() ? [given, join(given, 'src')] : [join(given, '..')];
  for (const checkout of commit ? [] : checkouts) {
    try {
      commit = execFileSync('git', ['-C', checkout, 'rev-parse', '--short', 'HEAD'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      break;
    } catch {
      // not a git checkout
    }
  }
  // A directory named after the commit, as ~/.cache/kube-eventer-<commit>.
  commit ||=
    /kube-eventer-([0-9a-f]{7,40})$/.exec(statSync(given).isDirectory() ? given.replace(/\/+$/, '') : join(given, '..'))?.[1] ?? '';
  return { path, commit: commit || 'unknown (pass --kube-eventer-commit=)' };
}

const theirs = kubeEventerBinary();
const say = (text: string) => process.stderr.write(`bench-eventer: ${new Date().toISOString().slice(11, 19)} ${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = await mkdtemp(join(tmpdir(), 'bench-eventer-'));
say('bundling the eventer as the image does (scripts/bundle.ts)');
const [launcher] = await bundle(['eventer'], join(dir, 'app'));
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
  /** CPU seconds of processes killed so far (kill -9 row). */
  cpuBefore: number;
}

async function shipper(name: string, command: readonly string[], extra: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Shipper> {
  const receiver = new WebhookReceiver();
  const url = await receiver.start();
  const sink = `webhook:${url}?level=Normal&method=POST&custom_body_configmap=bench-body&custom_body_configmap_namespace=${namespace}`;
  const process_ = new EventerProcess(
    [`--source=kubernetes:?inClusterConfig=false&auth=${cluster.kubeconfigPath}`, `--sink=${sink}`, ...extra],
    join(dir, `${name}.log`),
    env,
    command,
  );
  process_.start();
  return { name, receiver, process: process_, sampler: new RssSampler(() => process_.pid), cpuBefore: 0 };
}

const shippers: Shipper[] = [
  await shipper(
    'ours',
    [process.execPath, ...nodeFlags, launcher as string],
    [`--spool-dir=${join(dir, 'spool')}`, '--healthz-port=0', '--log-level=warn'],
    // A fresh container starts with an empty compile cache.
    { ...image.env, NODE_COMPILE_CACHE: join(dir, 'compile-cache') },
  ),
];
if (theirs) shippers.push(await shipper('kube-eventer', [theirs.path], ['--healthz-port=0', '--v=0']));

async function cpuOf(s: Shipper): Promise<number> {
  return s.cpuBefore + ((s.process.pid ? await procStats(s.process.pid) : undefined)?.cpu ?? Number.NaN);
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
  readonly rss: RssWindow;
}
const rows: Row[] = [];

/**
 * Creates events (burst or paced) while `meanwhile` runs, waits until every shipper is done or
 * stalled, records a row per shipper.
 */
async function scenario(
  label: string,
  prefix: string,
  count: number,
  perSecond?: number,
  meanwhile: () => Promise<void> = async () => undefined,
): Promise<void> {
  say(`${label}: creating ${count} events${perSecond ? ` at ${perSecond}/s` : ''}`);
  const cpu0 = await Promise.all(shippers.map(cpuOf));
  for (const s of shippers) s.sampler.mark();
  const [posted] = await Promise.all([
    postEvents(kube, namespace, { prefix, count, concurrency: perSecond ? 8 : 24, ...(perSecond ? { perSecond } : {}) }),
    meanwhile(),
  ]);
  const keys = posted.map((p) => `${p.name}/1`);
  const got = (s: Shipper) => keys.filter((key) => s.receiver.deliveries.has(key)).length;
  // A shipper is done when it has everything, or delivered nothing new for 60 s (it lost the rest),
  // or is still trickling 3 minutes after another has everything (its rest counts as lost).
  const progress = new Map(shippers.map((s) => [s.name, { n: -1, since: Date.now() }]));
  const deadline = Date.now() + 30 * 60_000;
  let firstDone: number | undefined;
  while (Date.now() < deadline) {
    const done = shippers.map((s) => {
      const n = got(s);
      const seen = progress.get(s.name) as { n: number; since: number };
      if (n !== seen.n) progress.set(s.name, { n, since: Date.now() });
      return (
        n === count || (n === seen.n && Date.now() - seen.since >= 60_000) || (firstDone !== undefined && Date.now() - firstDone > 180_000)
      );
    });
    if (firstDone === undefined && shippers.some((s) => got(s) === count)) firstDone = Date.now();
    if (done.every(Boolean)) break;
    await sleep(1000);
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
      rss,
    });
    say(`${label} ${s.name}: ${delivered}/${count} delivered, ${duplicated} duplicated, peak ${rss.peakMiB.toFixed(0)} MiB`);
  }
}

async function idleRss(seconds: number): Promise<Record<string, number>> {
  for (const s of shippers) s.sampler.mark();
  await sleep(seconds * 1000);
  return Object.fromEntries(shippers.map((s) => [s.name, s.sampler.mark().averageMiB]));
}

/**
 * Waits until every shipper delivers. kube-eventer skips every event that exists when it starts
 * ("Do not write old events") and ships on a 30 s tick, so a probe is created every 5 s until
 * each receiver has got one of them.
 */
async function warmUp(): Promise<void> {
  const probes: string[] = [];
  const started = Date.now();
  let round = 0;
  while (!shippers.every((s) => probes.some((key) => s.receiver.deliveries.has(key)))) {
    if (Date.now() - started > 180_000) throw new Error(`shippers not delivering within 3 minutes; see the logs in ${dir}`);
    if ((Date.now() - started) / 5000 >= round) {
      const [probe] = await postEvents(kube, namespace, { prefix: `probe${round++}`, count: 1 });
      probes.push(`${probe?.name}/1`);
    }
    await sleep(250);
  }
  say(`all shippers delivering after ${((Date.now() - started) / 1000).toFixed(0)} s (${probes.length} probes)`);
}

/** Events in the whole cluster (a list with limit=1 tells the rest). */
async function liveEvents(): Promise<number> {
  const page = (await kube.request({ method: 'GET', path: '/api/v1/events?limit=1' })) as {
    items?: unknown[];
    metadata?: { remainingItemCount?: number };
  };
  return (page.items?.length ?? 0) + (page.metadata?.remainingItemCount ?? 0);
}

const idle: Record<string, { start: number; live?: number; restarted?: number; liveStart?: number }> = {};
const soak: Record<string, { firstMinute: number; lastMinute: number; min: number; max: number }> = {};
let liveCount = 0;
const FAULT_RATE = 30;
try {
  await warmUp();
  say('idle (30 s)');
  for (const [name, mib] of Object.entries(await idleRss(30))) idle[name] = { start: mib };
  // The fault rows first: later, kube-eventer still works through the backlog of the bursts for minutes.
  if (faults > 0) {
    const seconds = faults / FAULT_RATE;
    await scenario(`receiver down 30 s (${FAULT_RATE}/s)`, 'down', faults, FAULT_RATE, async () => {
      // Down over a whole 30 s tick of kube-eventer while it holds events created before.
      await sleep(Math.min(10, seconds / 2) * 1000);
      for (const s of shippers) s.receiver.mode = 'fail';
      await sleep(30_000);
      for (const s of shippers) s.receiver.mode = 'ok';
    });
    await scenario(`kill -9 during load, restart (${FAULT_RATE}/s)`, 'kill', faults, FAULT_RATE, async () => {
      await sleep((seconds / 3) * 1000);
      for (const s of shippers) {
        s.cpuBefore = (await cpuOf(s)) || s.cpuBefore;
        await s.process.stop('SIGKILL');
      }
      await sleep(2000);
      for (const s of shippers) s.process.start();
    });
    say('idle after the restart (30 s)');
    for (const [name, mib] of Object.entries(await idleRss(30))) (idle[name] as { restarted?: number }).restarted = mib;
  }
  for (const [i, n] of bursts.entries()) await scenario(`${n.toLocaleString('en')}-event burst`, `b${i}`, n);
  const soakLabel = `${rate}/s for ${sustainMs / 60_000 >= 1 ? `${sustainMs / 60_000} min` : `${sustainMs / 1000} s`} (soak)`;
  await scenario(soakLabel, 'soak', Math.round((rate * sustainMs) / 1000), rate);
  for (const row of rows.filter((r) => r.scenario === soakLabel)) {
    const samples = row.rss.samples;
    const t0 = samples[0]?.[0] ?? 0;
    const t1 = t0 + sustainMs;
    const average = (from: number, to: number) => {
      const window = samples.filter(([at]) => at >= from && at < to);
      return window.reduce((sum, [, kib]) => sum + kib, 0) / window.length / 1024;
    };
    const minute = Math.min(60_000, sustainMs / 2);
    soak[row.shipper] = {
      firstMinute: average(t0, t0 + minute),
      lastMinute: average(t1 - minute, t1),
      min: row.rss.minMiB,
      max: row.rss.peakMiB,
    };
  }
  liveCount = await liveEvents();
  if (live > liveCount) await scenario(`top-up to ${live.toLocaleString('en')} live events`, 'live', live - liveCount);
  liveCount = await liveEvents();
  say(`idle with ${liveCount} events live (30 s)`);
  for (const [name, mib] of Object.entries(await idleRss(30))) (idle[name] as { live?: number }).live = mib;
  // A fresh start among the live events (what a rollout or a rescheduled pod does), compared with the
  // fresh start in the empty cluster: the memory that follows the number of live events, not the runs before.
  say(`restarting every shipper among ${liveCount} live events`);
  for (const s of shippers) {
    s.cpuBefore = (await cpuOf(s)) || s.cpuBefore;
    await s.process.stop('SIGTERM');
    s.process.start();
  }
  await warmUp();
  say('idle after the restart among the live events (30 s)');
  for (const [name, mib] of Object.entries(await idleRss(30))) (idle[name] as { liveStart?: number }).liveStart = mib;
} finally {
  for (const s of shippers) {
    s.sampler.stop();
    await s.process.stop('SIGTERM');
    await s.receiver.close();
  }
  kube.close();
  await cluster.stop();
}

const f = (n: number | undefined, digits = 2) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '–');
const change = (from: number, to: number | undefined) => (to === undefined ? Number.NaN : ((to - from) / from) * 100);
const signed = (n: number) => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(1)} %` : '–');
const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? '**pass**' : '**FAIL**');

function targets(name: string): string[] {
  const i = idle[name];
  const mine = rows.filter((r) => r.shipper === name);
  const upTo10k = mine.filter(
    (r) => /^[\d,]+-event burst$/.test(r.scenario) && Number(r.scenario.split('-')[0]?.replaceAll(',', '')) <= 10_000,
  );
  const peak = upTo10k.length ? Math.max(...upTo10k.map((r) => r.rss.peakMiB)) : undefined;
  // Against the idle just before the bursts (after the kill -9 restart when the fault rows ran).
  const before = i?.restarted ?? i?.start;
  const liveChange = before === undefined ? Number.NaN : change(before, i?.live);
  const startChange = i === undefined ? Number.NaN : change(i.start, i.liveStart);
  const s = soak[name];
  const soakChange = s ? change(s.firstMinute, s.lastMinute) : Number.NaN;
  return [
    `| ${name} | idle ≤ 80 MiB | ${f(i?.start, 0)} MiB at start | ${verdict(i ? i.start <= 80 : undefined)} |`,
    `| ${name} | peak ≤ 128 MiB through the 10,000 burst | ${f(peak, 0)} MiB | ${verdict(peak === undefined ? undefined : peak <= 128)} |`,
    `| ${name} | flat (± 10 %) with ${liveCount.toLocaleString('en')} live events: started among them vs started in the empty cluster | idle ${f(i?.start, 0)} → ${f(i?.liveStart, 0)} MiB (${signed(startChange)}) | ${verdict(Number.isFinite(startChange) ? Math.abs(startChange) <= 10 : undefined)} |`,
    `| ${name} | flat (± 10 %) with ${liveCount.toLocaleString('en')} live events: idle after all the runs vs idle before the bursts | idle ${f(before, 0)} → ${f(i?.live, 0)} MiB (${signed(liveChange)}) | ${verdict(Number.isFinite(liveChange) ? Math.abs(liveChange) <= 10 : undefined)} |`,
    `| ${name} | flat (± 10 %) over the soak | first minute ${f(s?.firstMinute, 0)} → last minute ${f(s?.lastMinute, 0)} MiB (${signed(soakChange)}), min ${f(s?.min, 0)}, max ${f(s?.max, 0)} | ${verdict(Number.isFinite(soakChange) ? Math.abs(soakChange) <= 10 : undefined)} |`,
  ];
}

const command = `node --conditions=development scripts/bench-eventer.ts ${process.argv.slice(2).join(' ')}`.trim();
const head = [
  `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on this machine (${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, shared with other work), the real control plane of the test kit${theirs ? `, kube-eventer ${theirs.commit} (its defaults)` : ''}.`,
  `Command: \`${command}\`. Ours: the image's bundle, \`node ${nodeFlags.join(' ')} eventer.mjs\`, Node ${process.version}, the image's environment (${Object.entries(
    image.env,
  )
    .filter(([k]) => k !== 'NODE_COMPILE_CACHE')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}), a spool directory.`,
  'Each shipper watches the whole cluster and posts to its own loopback webhook receiver (answers in one write); the body is',
  '`{"key":"{{ .Name }}/{{ .Count }}"}` from a ConfigMap (`custom_body_configmap`, both shippers). Lag = first receipt − the time the create was sent.',
  'CPU = user+system seconds of the shipper during the scenario (creation + delivery); peak/avg RSS sampled every 250 ms from /proc.',
  'A shipper that delivers nothing new for 60 s, or still trickles 3 minutes after the other has everything, is cut off: the rest counts as lost.',
  'The fault rows run first, while kube-eventer has no backlog. Receiver down: both receivers answer 503 for 30 s from 10 s into the scenario.',
  'Kill -9: both shippers are killed a third of the way in and started again 2 s later with the same arguments (ours with its spool directory',
  'and checkpoint; kube-eventer skips what exists when it starts). "Flat with live events" is measured twice: each shipper restarted (SIGTERM, same',
  'arguments) among the live events after the runs, its idle RSS against its idle at start in the empty cluster (what the live events cost);',
  'and the idle after the top-up against the idle before the bursts (what the runs before left behind).',
  '',
  `Idle RSS (30 s average): ${Object.entries(idle)
    .map(
      ([name, v]) =>
        `${name} ${f(v.start, 0)} MiB at start${v.restarted !== undefined ? `, ${f(v.restarted, 0)} MiB after the kill -9 restart (before the bursts)` : ''}, ${f(v.live, 0)} MiB with ${liveCount.toLocaleString('en')} live events after the runs, ${f(v.liveStart, 0)} MiB restarted among them`,
    )
    .join('; ')}.`,
  '',
  '| scenario | shipper | created | delivered | lost | duplicated | lag p50 s | lag p99 s | CPU s | peak RSS MiB | avg RSS MiB |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.scenario} | ${r.shipper} | ${r.created} | ${r.delivered} | ${r.lost} | ${r.duplicated} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.cpu, 1)} | ${f(r.rss.peakMiB, 0)} | ${f(r.rss.averageMiB, 0)} |`,
  ),
  '',
  'Memory targets (issue 12; kube-eventer for comparison):',
  '',
  '| shipper | target | measured | result |',
  '|---|---|---|---|',
  ...shippers.flatMap((s) => targets(s.name)),
  '',
  'Where our RSS goes (process.memoryUsage and /proc/PID/smaps of the bundle): 45-54 MiB are clean pages of the node binary itself (its text and',
  'read-only data: shared, reclaimable page cache; 35 MiB for an empty `node -e`); the V8 heap is 15-25 MiB (used 14-19) and external memory',
  '8 MiB (the 4 MB bundle source). The dedupe index (at most 8,000 entries, ~2.9 MiB full) is held once: the in-flight overlay does not copy it.',
  'Cold, glibc kept another ~25 MiB: the zone memory of compiling the bundle stayed on the brk heap because malloc raises its mmap threshold',
  'after the first large free; the image fixes it at 32 KiB (`MALLOC_MMAP_THRESHOLD_=32768`, docker/eventer.Dockerfile; tested by',
  'scripts/bundle.test.ts). What remains after load is V8 keeping a larger old space (heap total 16 → 22-25 MiB) and more touched binary pages.',
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
