/**
 * Our agent (the esbuild bundle, as the image runs it) and upstream node-problem-detector side by
 * side, on this machine at the same time: the same checks (ours built in, NPD's as custom-plugin
 * scripts from ./plugins, plus each one's kernel monitor on the real /dev/kmsg), the same interval.
 *   node --conditions=development scripts/lib/bench-npd/bench.ts --upstream=<dir> [--duration=200s] [--write]
 * (scripts/bench-npd builds the upstream binary and the bundle, then runs this.)
 * CPU is process CPU time (threads' ns run time from schedstat), children that were waited for included (NPD's
 * plug-in scripts, our journalctl/ plug-ins): the machine is shared, so wall-clock share would lie.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../../../packages/core/src/duration.ts';
import { SERVICE_ACCOUNT_DIR } from '../../../packages/core/src/kube-lite/config.ts';
import { NPD_CLUSTER_ROLE } from '../../../packages/npd/src/rbac.ts';
import { sharedCluster } from '../../../packages/testkit/src/shared.ts';
import { imageRuntime } from '../image-runtime.ts';
import { measureDependencies } from './deps.ts';
import { chartNodeOptions, imageNodeFlags } from './image-flags.ts';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string | undefined]));
const upstreamDir = args.get('upstream') ?? '';
const bundleDir = args.get('bundle') ?? '';
const durationMs = parseDuration(args.get('duration') ?? '200s') ?? Number.NaN;
const fastMs = parseDuration(args.get('fast-duration') ?? '60s') ?? Number.NaN;
if (!upstreamDir || !bundleDir || !(durationMs > 0) || !(fastMs > 0)) {
  process.stderr.write('usage: bench.ts --upstream=<dir> --bundle=<dir> [--duration=200s] [--fast-duration=60s] [--write]\n');
  process.exit(2);
}
const repo = join(import.meta.dirname, '..', '..', '..');
const work = mkdtempSync(join(tmpdir(), 'bench-npd-'));
const loadAtStart = loadavg()[0] ?? Number.NaN;
const TICKS = 100; // getconf CLK_TCK on every Linux Node supports
const SAMPLE_MS = 2000;
const WARMUP_S = 20;
/** V8 flags the chart sets (NODE_OPTIONS) for the agent, and those the image's entrypoint passes. */
export const AGENT_NODE_OPTIONS = chartNodeOptions();
const AGENT_NODE_FLAGS = imageNodeFlags();
/** The npd image's ENV lines (NODE_ENV=production, the compile cache directory). */
const IMAGE_ENV = imageRuntime('npd').env;

interface Sample {
  readonly at: number;
  readonly cpu: number;
  readonly rssKiB: number;
  /** CPU seconds by thread name (comm), and `children` for the reaped ones. */
  readonly byThread: ReadonlyMap<string, number>;
}

/**
 * CPU seconds of the process tree by thread name: every thread's run time in ns
 * (/proc/<pid>/task/<tid>/schedstat, exact where utime/stime count 10 ms ticks, too coarse for an idle
 * agent), plus the children it reaped (cutime + cstime: NPD's plug-in scripts, our journalctl) as
 * `children`. Threads of one name (libuv-worker) are summed.
 */
function cpuByThread(pid: number): Map<string, number> {
  const byThread = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      const comm = readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim();
      byThread.set(comm, (byThread.get(comm) ?? 0) + ns / 1e9);
    } catch {
      // the thread exited between the listing and the read
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // cutime, cstime: fields 16-17, i.e. 13-14 after comm.
  byThread.set('children', (Number(f[13]) + Number(f[14])) / TICKS);
  return byThread;
}

function sample(pid: number, at: number): Sample | undefined {
  try {
    const byThread = cpuByThread(pid);
    const cpu = [...byThread.values()].reduce((a, b) => a + b, 0);
    const rssKiB = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
    return { at, cpu, rssKiB, byThread };
  } catch {
    return undefined;
  }
}

interface Agent {
  readonly name: 'ours' | 'upstream';
  readonly child: ChildProcess;
  readonly started: number;
  output: string;
  samples: Sample[];
}

/** How an agent is started: directly, or through a wrapper that execs it in the same process (same pid). */
interface Launch {
  readonly prefix: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}
const DIRECT: Launch = { prefix: [], env: {} };

function start(name: Agent['name'], command: string, argv: readonly string[], env: NodeJS.ProcessEnv, launch: Launch): Agent {
  const started = performance.now();
  const [program, ...rest] = [...launch.prefix, command, ...argv] as [string, ...string[]];
  // A container's environment, not this shell's: a developer's NODE_EXTRA_CA_CERTS alone would cost
  // the exporter ~0.8 MiB of parsed certificates that no pod pays.
  const child = spawn(program, rest, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, ...launch.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const agent: Agent = { name, child, started, output: '', samples: [] };
  const keep = (chunk: Buffer) => {
    agent.output = (agent.output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return agent;
}

async function stop(agent: Agent): Promise<void> {
  if (agent.child.exitCode !== null || agent.child.signalCode !== null) return;
  const exited = new Promise((resolve) => agent.child.once('exit', resolve));
  agent.child.kill('SIGTERM');
  await exited;
}

/** A free loopback port: NPD needs at least one exporter, so both serve Prometheus metrics. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the agents together for `ms`, sampling each every 2 s. */
async function runTogether(agents: readonly Agent[], ms: number): Promise<void> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await sleep(SAMPLE_MS);
    for (const agent of agents) {
      if (agent.child.exitCode !== null)
        throw new Error(`${agent.name} exited early (${agent.child.exitCode}):\n${agent.output.slice(-3000)}`);
      const s = sample(agent.child.pid ?? 0, (performance.now() - agent.started) / 1000);
      if (s) agent.samples.push(s);
    }
  }
  await Promise.all(agents.map(stop));
}

interface Figures {
  readonly rssAvg: number;
  readonly rssPeak: number;
  /** CPU seconds per second after warm-up. */
  readonly cpuRate: number;
  /** Where that CPU went, e.g. "MainThread 31 ms, libuv-worker 4 ms over 180 s". */
  readonly cpuSplit: string;
}

function figures(agent: Agent): Figures {
  const lastAt = agent.samples.at(-1)?.at ?? 0;
  const warm = agent.samples.filter((s) => s.at >= Math.min(WARMUP_S, lastAt / 4));
  const first = warm[0];
  const last = warm.at(-1);
  if (!first || !last || last === first) throw new Error(`${agent.name}: too few samples`);
  const rss = warm.map((s) => s.rssKiB / 1024);
  return {
    rssAvg: rss.reduce((a, b) => a + b, 0) / rss.length,
    rssPeak: Math.max(...agent.samples.map((s) => s.rssKiB / 1024)),
    cpuRate: (last.cpu - first.cpu) / (last.at - first.at),
    cpuSplit: `${[...last.byThread]
      .map(([thread, seconds]) => [thread, (seconds - (first.byThread.get(thread) ?? 0)) * 1000] as const)
      .filter(([, ms]) => ms >= 0.5)
      .sort((a, b) => b[1] - a[1])
      .map(([thread, ms]) => `${thread} ${ms.toFixed(0)} ms`)
      .join(', ')} over ${(last.at - first.at).toFixed(0)} s`,
  };
}

// ---- the two agents' command lines -----------------------------------------------------------
const plugins = join(import.meta.dirname, 'plugins');
const checks = ['fd_check', 'inode_check', 'ntp_check', 'conntrack_check'];
function upstreamPluginConfig(intervalS: number): string {
  const file = join(work, `custom-plugins-${intervalS}s.json`);
  writeFileSync(
    file,
    JSON.stringify({
      plugin: 'custom',
      pluginConfig: { invoke_interval: `${intervalS}s`, timeout: '5s', max_output_length: 80, concurrency: 4 },
      source: 'bench-custom-plugin-monitor',
      metricsReporting: true,
      conditions: checks.map((c) => ({ type: `Bench_${c}`, reason: `${c}_ok`, message: 'ok' })),
      rules: checks.map((c) => ({
        type: 'permanent',
        condition: `Bench_${c}`,
        reason: `${c}_problem`,
        path: join(plugins, `${c}.sh`),
        timeout: '5s',
      })),
    }),
  );
  return file;
}

async function upstream(intervalS: number, extra: readonly string[], launch: Launch = DIRECT): Promise<Agent> {
  const metricsPort = await freePort();
  return start(
    'upstream',
    join(upstreamDir, 'bin', 'node-problem-detector'),
    [
      `--config.system-log-monitor=${join(upstreamDir, 'config', 'kernel-monitor.json')}`,
      `--config.custom-plugin-monitor=${upstreamPluginConfig(intervalS)}`,
      '--port=0',
      '--prometheus-address=127.0.0.1',
      `--prometheus-port=${metricsPort}`,
      '--logtostderr',
      ...extra,
    ],
    { NODE_NAME: 'bench-upstream' },
    launch,
  );
}

/**
 * `cache`: the compile cache directory. A pod's first start finds it empty (the image's
 * NODE_COMPILE_CACHE is under /tmp), a restart in the same pod finds what the last run wrote.
 */
async function ours(intervalS: number, extra: readonly string[], cache: string, launch: Launch = DIRECT): Promise<Agent> {
  const metricsPort = await freePort();
  return start(
    'ours',
    process.execPath,
    [
      ...AGENT_NODE_FLAGS,
      join(bundleDir, 'npd.mjs'),
      '--port=0',
      `--prometheus-port=${metricsPort}`,
      `--plugin-settings=check_interval=${intervalS}s`,
      ...extra,
    ],
    { ...IMAGE_ENV, NODE_NAME: 'bench-ours', NODE_OPTIONS: AGENT_NODE_OPTIONS, NODE_COMPILE_CACHE: cache },
    launch,
  );
}

/**
 * Milliseconds from spawn to the first line that reports a condition, and the CPU time the process
 * had used by then (independent of how loaded the shared machine is).
 */
async function firstCondition(make: () => Promise<Agent>, pattern: RegExp): Promise<{ wall: number; cpu: number }> {
  const agent = await make();
  const at = await new Promise<{ wall: number; cpu: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${agent.name}: no condition within 20s:\n${agent.output.slice(-2000)}`)), 20_000);
    const onData = () => {
      if (pattern.test(agent.output)) {
        clearTimeout(timer);
        const wall = performance.now() - agent.started;
        resolve({ wall, cpu: (sample(agent.child.pid ?? 0, 0)?.cpu ?? Number.NaN) * 1000 });
      }
    };
    agent.child.stdout?.on('data', onData);
    agent.child.stderr?.on('data', onData);
  });
  await stop(agent);
  return at;
}

const median = (values: number[]): number => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * Both agents reach the apiserver the way their DaemonSets do: the pod's service account files
 * (token, ca.crt, namespace) at the fixed path, and KUBERNETES_SERVICE_HOST/PORT. The path is fixed,
 * so each agent runs in a private mount namespace (`unshare -m`, root) with a tmpfs over /run that
 * holds the files; the wrapper execs the agent, so the pid measured is the agent's. Undefined where
 * unshare is not allowed: then both read the kubeconfig instead (ours then also loads its YAML
 * parser, ~1 MiB, which a DaemonSet pod never does), and the report says so.
 */
function inClusterLaunch(kubeconfig: string, namespace: string): Launch | undefined {
  if (spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status !== 0) return undefined;
  const doc = parseYaml(readFileSync(kubeconfig, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string } }[];
    users: { user: { token: string } }[];
  };
  const cluster = doc.clusters[0]?.cluster;
  const token = doc.users[0]?.user.token;
  if (!cluster || !token) throw new Error(`${kubeconfig}: no cluster or token`);
  const files = join(work, 'serviceaccount');
  mkdirSync(files, { recursive: true });
  writeFileSync(join(files, 'token'), token);
  writeFileSync(join(files, 'namespace'), namespace);
  const ca = cluster['certificate-authority'];
  if (ca) copyFileSync(ca, join(files, 'ca.crt'));
  else writeFileSync(join(files, 'ca.crt'), Buffer.from(cluster['certificate-authority-data'] ?? '', 'base64'));
  const server = new URL(cluster.server);
  const run = realpathSync('/var/run'); // /run on current distributions
  const script = 'mount -t tmpfs bench-sa "$1" && mkdir -p "$2" && cp "$3"/token "$3"/ca.crt "$3"/namespace "$2"/ && shift 3 && exec "$@"';
  return {
    prefix: ['unshare', '-m', '--propagation', 'private', 'sh', '-c', script, 'sh', run, SERVICE_ACCOUNT_DIR, files],
    env: { KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port || '443' },
  };
}

// ---- phases ----------------------------------------------------------------------------------
const log = (text: string) => process.stderr.write(`[bench-npd ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const standalone = ['--enable-k8s-exporter=false'];

/** An empty compile cache directory: what a new pod's agent starts with. */
const emptyCache = (): string => mkdtempSync(join(work, 'compile-cache-'));

/**
 * Starts ours, then upstream half an interval later, so their check cycles do not fall on the same
 * instants: in lockstep, two bursts of work on 2 cores slow each other, and each one's CPU time grows
 * with the other's (NPD's plug-ins fork about 80 processes a cycle). Each is measured on its own clock.
 */
async function startApart(intervalS: number, makeOurs: () => Promise<Agent>, makeUpstream: () => Promise<Agent>): Promise<Agent[]> {
  const first = await makeOurs();
  await sleep((intervalS * 1000) / 2);
  return [first, await makeUpstream()];
}

log('start to first condition (5 runs each, one at a time): empty compile cache, then warm');
const firstCold: { wall: number; cpu: number }[] = [];
const firstOurs: { wall: number; cpu: number }[] = [];
const firstUpstream: { wall: number; cpu: number }[] = [];
for (let i = 0; i < 5; i++) firstCold.push(await firstCondition(() => ours(30, standalone, emptyCache()), /"kind":"condition"/));
const restartCache = emptyCache();
await firstCondition(() => ours(30, standalone, restartCache), /"kind":"condition"/); // writes the cache a restart finds
for (let i = 0; i < 5; i++) {
  firstOurs.push(await firstCondition(() => ours(30, standalone, restartCache), /"kind":"condition"/));
  firstUpstream.push(await firstCondition(() => upstream(30, standalone), /New status generated|Initialize condition generated/));
}

log(`standalone, check interval 30s, ${durationMs / 1000}s, both at once (cycles 15 s apart)`);
const standaloneAgents = await startApart(
  30,
  () => ours(30, standalone, emptyCache()),
  () => upstream(30, standalone),
);
await runTogether(standaloneAgents, durationMs);
const [oursStandalone, upstreamStandalone] = standaloneAgents.map(figures) as [Figures, Figures];

log(`standalone, check interval 2s, ${fastMs / 1000}s, both at once (CPU per added check cycle)`);
const fastAgents = await startApart(
  2,
  () => ours(2, standalone, emptyCache()),
  () => upstream(2, standalone),
);
await runTogether(fastAgents, fastMs);
const [oursFast, upstreamFast] = fastAgents.map(figures) as [Figures, Figures];
// Cycles per second: 1/2 at the fast interval, 1/30 at the slow one.
const perCycle = (fast: Figures, slow: Figures) => ((fast.cpuRate - slow.cpuRate) / (1 / 2 - 1 / 30)) * 1000;

log('Kubernetes exporter against the test kit control plane');
const cluster = await sharedCluster();
const namespace = await cluster.createNamespace('bench');
const kubeconfig = await cluster.serviceAccountWithClusterRole(namespace, 'npd', NPD_CLUSTER_ROLE.rules, [
  'patch',
  'nodes',
  '--subresource=status',
]);
const nodeOurs = await cluster.createNode('bench-ours');
const nodeUpstream = await cluster.createNode('bench-upstream');
const inCluster = inClusterLaunch(kubeconfig, namespace);
const k8sAgents = inCluster
  ? await startApart(
      30,
      () => ours(30, [`--hostname-override=${nodeOurs}`], emptyCache(), inCluster),
      // NPD's DaemonSet default: no --apiserver-override, so client-go's in-cluster config.
      () => upstream(30, [`--hostname-override=${nodeUpstream}`], inCluster),
    )
  : await startApart(
      30,
      () => ours(30, [`--kubeconfig=${kubeconfig}`, `--hostname-override=${nodeOurs}`], emptyCache()),
      () =>
        upstream(30, [
          `--apiserver-override=${cluster.info.server}?inClusterConfig=false&auth=${kubeconfig}`,
          `--hostname-override=${nodeUpstream}`,
        ]),
    );
await runTogether(k8sAgents, durationMs);
const [oursK8s, upstreamK8s] = k8sAgents.map(figures) as [Figures, Figures];
for (const [node, who] of [
  [nodeOurs, 'ours'],
  [nodeUpstream, 'upstream'],
] as const) {
  const conditions = (await cluster.core.readNode({ name: node })).status?.conditions ?? [];
  if (!conditions.some((c) => c.type === 'KernelDeadlock')) throw new Error(`${who} wrote no KernelDeadlock condition on ${node}`);
}

log('what each dependency costs in RSS');
const dependencies = await measureDependencies();

// ---- the table -------------------------------------------------------------------------------
const mib = (n: number) => `${n.toFixed(1)} MiB`;
const pct = (rate: number) => `${(rate * 100).toFixed(3)} %`;
const ms = (n: number) => `${n.toFixed(0)} ms`;
const rows: [string, string, string, string][] = [
  [
    'RSS, standalone, average / peak',
    `${mib(upstreamStandalone.rssAvg)} / ${mib(upstreamStandalone.rssPeak)}`,
    `${mib(oursStandalone.rssAvg)} / ${mib(oursStandalone.rssPeak)}`,
    '≤ 56 MiB average',
  ],
  [
    'RSS, Kubernetes exporter on, average / peak',
    `${mib(upstreamK8s.rssAvg)} / ${mib(upstreamK8s.rssPeak)}`,
    `${mib(oursK8s.rssAvg)} / ${mib(oursK8s.rssPeak)}`,
    '≤ 60 / 72 MiB',
  ],
  ['CPU at a 30 s check interval (% of one core, process tree)', pct(upstreamStandalone.cpuRate), pct(oursStandalone.cpuRate), '≤ 0.11 %'],
  [
    'CPU per added check cycle (4 checks)',
    ms(perCycle(upstreamFast, upstreamStandalone)),
    ms(perCycle(oursFast, oursStandalone)),
    '≤ 7 ms',
  ],
  [
    "start to first condition, wall clock (median of 5): a pod's first start (empty compile cache)",
    ms(median(firstUpstream.map((f) => f.wall))),
    ms(median(firstCold.map((f) => f.wall))),
    '≤ 100 ms',
  ],
  [
    'the same, a restart in the pod (compile cache from the last run)',
    ms(median(firstUpstream.map((f) => f.wall))),
    ms(median(firstOurs.map((f) => f.wall))),
    '≤ 100 ms',
  ],
  [
    'CPU time used by the first condition (median of 5, first start / restart)',
    ms(median(firstUpstream.map((f) => f.cpu))),
    `${ms(median(firstCold.map((f) => f.cpu)))} / ${ms(median(firstOurs.map((f) => f.cpu)))}`,
    '',
  ],
];
const kernel = release();
const table = ['| | upstream NPD v0.8.20 | ours | target |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const text = [
  '<!-- bench-npd:start -->',
  '## Side by side with upstream node-problem-detector (`scripts/bench-npd`)',
  '',
  `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, kernel ${kernel}, Node ${process.version}, host ${hostname()}; load average (1 min) ${loadAtStart.toFixed(2)} at the start, ${(loadavg()[0] ?? Number.NaN).toFixed(2)} at the end (2 cores: the agents' own CPU is counted, not wall-clock share).`,
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: both agents at once (upstream started half a check interval after ours, so their cycles do not coincide), ${durationMs / 1000} s standalone and ${durationMs / 1000} s with the Kubernetes exporter`,
  `(against the test kit's control plane, each on its own kwok node, ${
    inCluster
      ? `reaching it as a DaemonSet pod does: the npd ServiceAccount's token and CA at ${SERVICE_ACCOUNT_DIR} (a private mount namespace) and KUBERNETES_SERVICE_HOST/PORT`
      : "with a kubeconfig holding the npd ServiceAccount's token (unshare was not allowed here, so not the pod's in-cluster files; ours then also loads its YAML parser)"
  }), ${fastMs / 1000} s at a 2 s interval for the per-cycle cost;`,
  `figures after the first ${WARMUP_S} s, sampled every ${SAMPLE_MS / 1000} s: CPU as every thread's run time in ns (/proc/<pid>/task/<tid>/schedstat) plus reaped children (cutime+cstime: forked plug-ins count), RSS from /proc/<pid>/status (VmRSS).`,
  `Ours: the esbuild bundle (\`node ${AGENT_NODE_FLAGS.join(' ')} npd.mjs\` as the image runs it: its ENV, an empty compile cache as in a new pod, NODE_OPTIONS=` +
    AGENT_NODE_OPTIONS +
    ') with the embedded default (kernel-monitor + ack-kernel-monitor on /dev/kmsg, restart counters, fd_check, ntp_check, network_problem_check, inode_usage_check), `--plugin-settings=check_interval=30s`.',
  'Upstream: built from the Go module proxy (CGO off, no journald), its config/kernel-monitor.json on /dev/kmsg and a custom-plugin-monitor running the same four checks as shell scripts (scripts/lib/bench-npd/plugins) every 30 s.',
  '',
  table,
  '',
  `First condition (wall / CPU): ours on a first start ${firstCold.map((f) => `${f.wall.toFixed(0)}/${f.cpu.toFixed(0)}`).join(', ')} ms, on a restart ${firstOurs.map((f) => `${f.wall.toFixed(0)}/${f.cpu.toFixed(0)}`).join(', ')} ms; upstream ${firstUpstream.map((f) => `${f.wall.toFixed(0)}/${f.cpu.toFixed(0)}`).join(', ')} ms (from spawn to the first condition line: our stdout, NPD's "New status generated" log; CPU from schedstat at that moment).`,
  `At the 2 s interval: ours ${pct(oursFast.cpuRate)}, upstream ${pct(upstreamFast.cpuRate)} of a core.`,
  `CPU at the 30 s interval by thread: ours ${oursStandalone.cpuSplit}; upstream ${upstreamStandalone.cpuSplit}.`,
  '',
  '### What each dependency costs in RSS',
  '',
  "Each measured as the agent runs it: a tiny program using the library as we do, bundled by esbuild, run with the chart's NODE_OPTIONS; VmRSS after 2 s, median of 3 (`scripts/lib/bench-npd/deps.ts`).",
  '',
  dependencies,
  '<!-- bench-npd:end -->',
].join('\n');
process.stdout.write(`${text}\n`);
if (args.has('write')) {
  const doc = join(repo, 'docs', 'benchmarks.md');
  const current = readFileSync(doc, 'utf8');
  const marked = /<!-- bench-npd:start -->[\s\S]*<!-- bench-npd:end -->/;
  writeFileSync(doc, marked.test(current) ? current.replace(marked, text) : `${current.trimEnd()}\n\n${text}\n`);
  // The tables as the repository's formatter lays them out.
  spawnSync(join(repo, 'node_modules', '.bin', 'biome'), ['format', '--write', doc], { stdio: 'ignore' });
  log(`wrote ${doc}`);
}
process.exit(0);
