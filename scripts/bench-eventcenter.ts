/**
 * Event center throughput and latency: ingest events/s through POST /api/v1/ingest, then p50/p95
 * of overview-24h, a filtered search, a free-text search and a pod lifecycle over the stored
 * events, on SQLite and on PostgreSQL (a throwaway Debian cluster, as the tests start it).
 *   node --conditions=development scripts/bench-eventcenter.ts [--events=1000000] [--backend=sqlite,postgres] [--runs=40]
 * Not a test: prints a Markdown table for docs/benchmarks.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../packages/core/src/logger.ts';
import { startEventCenter } from '../packages/eventcenter/src/app.ts';
import { noAuth } from '../packages/eventcenter/src/auth.ts';
import { openStore, type StoreSpec } from '../packages/eventcenter/src/store/open.ts';
import { startPostgres } from '../packages/testkit/src/peers/postgres.ts';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string | undefined]));
const total = Number(args.get('events') ?? 1_000_000);
const backends = (args.get('backend') ?? 'sqlite,postgres').split(',');
const runs = Number(args.get('runs') ?? 40);
const BATCH = 1000;
const CLIENTS = 2;
const DAY = 86_400_000;

const REASONS: [string, string, string][] = [
  ['Normal', 'Scheduled', 'Successfully assigned {ns}/{pod} to {node}'],
  ['Normal', 'Pulling', 'Pulling image "registry.example.com/{app}:1.{n}"'],
  ['Normal', 'Pulled', 'Successfully pulled image "registry.example.com/{app}:1.{n}" in 1.2s'],
  ['Normal', 'Created', 'Created container {app}'],
  ['Normal', 'Started', 'Started container {app}'],
  ['Normal', 'Killing', 'Stopping container {app}'],
  ['Normal', 'ScalingReplicaSet', 'Scaled up replica set {app}-7d4b9c6f5 to 3'],
  ['Normal', 'SuccessfulCreate', 'Created pod: {pod}'],
  ['Warning', 'BackOff', 'Back-off restarting failed container {app} in pod {pod}'],
  ['Warning', 'FailedScheduling', '0/50 nodes are available: 50 Insufficient cpu. preemption: 0/50 nodes are available'],
  ['Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503'],
  ['Warning', 'Failed', 'Failed to pull image "registry.example.com/{app}:1.{n}": not found'],
  ['Warning', 'FailedMount', 'MountVolume.SetUp failed for volume "data" : secret "{app}-tls" not found'],
  ['Warning', 'Evicted', 'The node was low on resource: memory. Container {app} was using 812Mi'],
];

function hash(i: number, salt: number): number {
  let h = Math.imul(i ^ Math.imul(salt, 0x9e3779b9), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Namespace, app and pod name of pod number `p` (20,000 pods of 1,000 apps in 200 namespaces). */
function podOf(p: number): [string, string, string] {
  const app = `app-${p % 1000}`;
  return [`ns-${(p % 1000) % 200}`, app, `${app}-7d4b9c6f5-${(p % 20).toString(36).padStart(5, 'x')}${Math.floor(p / 1000)}`];
}

function* events(now: number): Generator<Record<string, unknown>> {
  // ~93% ordinary traffic, the rest warnings; 7 days, 200 namespaces, 20,000 pods, 50 nodes.
  for (let i = 0; i < total; i++) {
    const roll = hash(i, 1) % 100;
    const pick = REASONS[roll < 93 ? hash(i, 2) % 8 : 8 + (hash(i, 2) % 6)] as [string, string, string];
    const [ns, app, pod] = podOf(hash(i, 3) % 20_000);
    const node = `node-${hash(i, 4) % 50}`;
    const kind = pick[1] === 'ScalingReplicaSet' ? 'Deployment' : pick[1] === 'SuccessfulCreate' ? 'ReplicaSet' : 'Pod';
    const name = kind === 'Deployment' ? app : kind === 'ReplicaSet' ? `${app}-7d4b9c6f5` : pod;
    const n = hash(i, 5) % 30;
    const message = pick[2]
      .replaceAll('{ns}', ns)
      .replaceAll('{pod}', pod)
      .replaceAll('{node}', node)
      .replaceAll('{app}', app)
      .replaceAll('{n}', String(n));
    yield {
      uid: `bench-${i}`,
      count: 1 + (n % 3),
      timestamp: now - Math.floor((i / total) * 7 * DAY) - (hash(i, 6) % 1000),
      type: pick[0],
      reason: pick[1],
      message,
      namespace: ns,
      involvedObject: { kind, namespace: ns, name, uid: `${kind}-${name}` },
      source: { component: 'kubelet', host: node },
    };
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function time(url: string): Promise<number> {
  const start = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url} → ${response.status}`);
  return performance.now() - start;
}

async function bench(backend: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-eventcenter-'));
  const pg = backend === 'postgres' ? await startPostgres() : undefined;
  const spec: StoreSpec = pg ? { backend: 'postgres', dsn: pg.dsn } : { backend: 'sqlite', path: join(dir, 'events.db') };
  const store = await openStore(spec);
  const center = await startEventCenter({
    store,
    auth: noAuth(),
    logger: createLogger({ name: 'bench', level: 'warn' }),
    address: '127.0.0.1',
    port: 0,
  });
  const url = center.server.url;
  try {
    const now = Date.now();
    const source = events(now);
    let sent = 0;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const client = async () => {
      for (;;) {
        const batch: Record<string, unknown>[] = [];
        for (let next = source.next(); !next.done; next = source.next()) {
          batch.push(next.value);
          if (batch.length === BATCH) break;
        }
        if (batch.length === 0) return;
        const body = JSON.stringify({ events: batch });
        // A reset connection is retried as the eventer's sink would: ingest is idempotent.
        for (let attempt = 1; ; attempt++) {
          try {
            const response = await fetch(`${url}/api/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
            if (response.status !== 200) throw new Error(`ingest → ${response.status} ${await response.text()}`);
            await response.arrayBuffer();
            break;
          } catch (error) {
            if (attempt >= 5) throw error;
          }
        }
        sent += batch.length;
        if (sent % 100_000 === 0) process.stderr.write(`${backend}: ${sent} events\n`);
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const perSecond = Math.round(sent / seconds);
    const stored = await store.count({});
    const queries: [string, () => string][] = [
      ['overview, last 24 h', () => `${url}/api/v1/overview`],
      [
        'filtered search (type + namespace, 24 h)',
        () => `${url}/api/v1/events?type=Warning&namespace=ns-${Math.floor(Math.random() * 200)}&from=-24h`,
      ],
      [
        'free-text search ("insufficient cpu", 24 h)',
        () => `${url}/api/v1/events?q=${encodeURIComponent('"insufficient cpu" -namespace:ns-1')}&from=-24h`,
      ],
      ['free-text search (app name, 7 days)', () => `${url}/api/v1/events?q=app-${Math.floor(Math.random() * 1000)}`],
      [
        'pod lifecycle',
        () => {
          const [ns, , pod] = podOf(Math.floor(Math.random() * 20_000));
          return `${url}/api/v1/pods/${ns}/${pod}/lifecycle`;
        },
      ],
    ];
    // The center and the load generator share this process: on a machine shared with other work
    // the wall-clock rate understates what a core does, so the CPU-second rate is printed too.
    const rows = [
      `| ${backend} | ingest (HTTP, ${BATCH}/batch, ${CLIENTS} clients) | ${perSecond.toLocaleString('en-US')} events/s wall, ${Math.round(sent / cpuSeconds).toLocaleString('en-US')} per CPU-second${pg ? ' (PostgreSQL server not counted)' : ''} | ${stored.toLocaleString('en-US')} stored in ${seconds.toFixed(0)} s | |`,
    ];
    for (const [name, make] of queries) {
      await time(make());
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) samples.push(await time(make()));
      samples.sort((a, b) => a - b);
      rows.push(`| ${backend} | ${name} | | p50 ${percentile(samples, 50).toFixed(0)} ms | p95 ${percentile(samples, 95).toFixed(0)} ms |`);
    }
    rows.push(`| ${backend} | store size | | ${((await store.sizeBytes()) / 2 ** 20).toFixed(0)} MiB | |`);
    return rows;
  } finally {
    await center.close();
    await store.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const out = [
  `${total.toLocaleString('en-US')} events over 7 days, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${runs} runs per query`,
  '',
  '| store | what | rate | | |',
  '| --- | --- | --- | --- | --- |',
];
for (const backend of backends) out.push(...(await bench(backend)));
process.stdout.write(`${out.join('\n')}\n`);
