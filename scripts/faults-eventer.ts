/**
 * The eventer's full fault-injection suite against a real control plane (the short one runs
 * in CI: packages/eventer/src/faults.test.ts):
 *   node --conditions=development scripts/faults-eventer.ts [--short] [--only=TEXT] [--parallel=N] [--keep] [--write]
 * eventer kill -9 under load; kube-apiserver restart; etcd compaction (410 Gone); receiver down
 * 5 minutes; receiver slow (10 s a request); DingTalk 130101 storm; SLS WriteQuotaExceed;
 * leader graceful handover and kill -9 with two replicas; a 1 MiB message; hostile text; the
 * spool disk full. Prints one table (scenario, created, delivered, lost, duplicated, seconds to
 * recover, bound); --write puts it in docs/reliability.md between the "faults-eventer" markers.
 * Exits 1 when a row is beyond its documented bound.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { KubeClient, loadKubeTarget } from '../packages/core/src/kube-lite/index.ts';
import { faultTable, runScenarios, scenarios, withinBound } from '../packages/eventer/src/testing/faults.ts';
import { startCluster } from '../packages/testkit/src/index.ts';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const at = a.indexOf('=');
    return (at < 0 ? [a.replace(/^--/, ''), ''] : [a.slice(2, at), a.slice(at + 1)]) as [string, string];
  }),
);
const repo = join(import.meta.dirname, '..');
const only = args.get('only');
const selected = scenarios.filter((s) => !only || s.name.includes(only));
const parallel = Number(args.get('parallel') ?? 3);
const dir = await mkdtemp(join(tmpdir(), 'faults-eventer-'));
const say = (text: string) => process.stderr.write(`faults-eventer: ${text}\n`);
say(`starting the control plane; files in ${dir}`);
const cluster = await startCluster({ nodes: 0 });
const kube = new KubeClient(await loadKubeTarget({ kubeconfig: cluster.kubeconfigPath, env: {} }));
const started = Date.now();
let rows: Awaited<ReturnType<typeof runScenarios>>;
try {
  rows = await runScenarios({ cluster, owned: cluster, kube, dir, full: !args.has('short'), log: say }, selected, parallel);
} finally {
  kube.close();
  await cluster.stop();
  if (!args.has('keep')) await rm(dir, { recursive: true, force: true });
}
const head = `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (${args.has('short') ? 'short' : 'full'} sizes, ${Math.round((Date.now() - started) / 60_000)} min) on this machine (${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, shared with other work), Node ${process.version}, the test kit's real control plane; the eventer from source, a webhook receiver on loopback unless the row names another peer (testkit DingTalk / SLS servers). Delivered and duplicated count distinct events at the destination; "seconds to recover" runs from the end of the fault (restart, receiver back) to the last event delivered.\n\n`;
const report = head + faultTable(rows);
process.stdout.write(report);
if (args.has('write')) {
  const file = join(repo, 'docs', 'reliability.md');
  const doc = await readFile(file, 'utf8').catch(() => '# Reliability of the eventer\n');
  const block = `<!-- faults-eventer:start -->\n${report}<!-- faults-eventer:end -->`;
  const pattern = /<!-- faults-eventer:start -->[\s\S]*<!-- faults-eventer:end -->/;
  await writeFile(file, pattern.test(doc) ? doc.replace(pattern, block) : `${doc.trimEnd()}\n\n${block}\n`);
  // As the lint wants it (aligned table columns), like bench-npd does for docs/benchmarks.md.
  spawnSync(join(repo, 'node_modules', '.bin', 'biome'), ['format', '--write', file], { stdio: 'ignore' });
  say(`wrote ${file}`);
}
process.exitCode = rows.every(withinBound) ? 0 : 1;
