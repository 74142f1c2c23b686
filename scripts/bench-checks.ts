/**
 * CPU time and RSS of one full cycle of every built-in check on this host.
 *   node --conditions=development scripts/bench-checks.ts [--cycles=N] [--write]
 * Runs each check once per cycle (sequentially, host root "/"), N cycles after one warm-up
 * cycle, and prints the per-check and total averages; --write puts them in docs/benchmarks.md
 * (between the "bench-checks" markers, leaving the rest of the file alone).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { ProbeCheck } from '../packages/npd/src/checks/probe.ts';

// RSS of a bare Node process running this (TypeScript) file, before the agent's modules load.
const rssBare = process.memoryUsage().rss;
const { createLiteLogger: createLogger } = await import('../packages/core/src/log-lite.ts');
// ...after core's logger, which every agent loads anyway.
const rssCore = process.memoryUsage().rss;
const { checkNames, createChecks, parseCheckSettings } = await import('../packages/npd/src/checks/index.ts');
const { forgetProcessScan } = await import('../packages/npd/src/checks/common.ts');
const { createHostFs } = await import('../packages/npd/src/hostfs.ts');
const rssLoaded = process.memoryUsage().rss;

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string | undefined]));
const cycles = Number(args.get('cycles') ?? 20);
const logger = createLogger({ name: 'bench', level: 'silent' });
const hostfs = createHostFs('/');

const config = parseCheckSettings({
  alibaba_cloud_plugins: [...checkNames],
  plugin_settings: {
    // Off ECS the metadata service and maybe the public endpoint do not answer: bound the wait
    // (it costs wall time, not CPU).
    ram_role_timeout: '1s',
    public_network_timeout: '2s',
    nvidia_xid_state_file: '/tmp/ack-npd-bench-xid.json',
  },
});
const checks = createChecks(config);

interface Sample {
  cpuUs: number;
  wallMs: number;
}
const samples = new Map<string, Sample[]>(checks.map((c) => [c.name, []]));

async function runOnce(check: ProbeCheck): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await check.probe({ hostfs, now: Date.now(), signal: AbortSignal.timeout(check.timeout ?? 30_000), logger });
  const used = process.cpuUsage(cpu);
  return { cpuUs: used.user + used.system, wallMs: performance.now() - started };
}

for (const check of checks) await runOnce(check); // warm-up: JIT, first kmsg read, module loads
const rssBefore = process.memoryUsage().rss;
let peakRss = rssBefore;
const cycleCpu: number[] = [];
for (let i = 0; i < cycles; i++) {
  forgetProcessScan(hostfs); // each cycle pays for its own /proc scan, as on a real tick
  const cpu = process.cpuUsage();
  for (const check of checks) samples.get(check.name)?.push(await runOnce(check));
  const used = process.cpuUsage(cpu);
  cycleCpu.push(used.user + used.system);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
for (const check of checks) await (check as { close?: () => Promise<void> }).close?.();

const avg = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
const ms = (us: number): string => (us / 1000).toFixed(2);
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const kernel = (await readFile('/proc/sys/kernel/osrelease', 'utf8')).trim();
const processes = (await hostfs.readdir('/proc')).filter((n) => /^\d+$/.test(n)).length;

const rows = checks.map((c) => {
  const s = samples.get(c.name) ?? [];
  return `| ${c.name} | ${ms(avg(s.map((x) => x.cpuUs)))} | ${avg(s.map((x) => x.wallMs)).toFixed(1)} |`;
});
const report = [
  '<!-- bench-checks:start -->',
  '## One cycle of every built-in check (`scripts/bench-checks.ts`)',
  '',
  `Machine: ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, kernel ${kernel}, Node ${process.version}, ${processes} processes in /proc.`,
  `Measured ${new Date().toISOString().slice(0, 10)}: ${cycles} cycles after one warm-up cycle, checks run one after another, host root "/".`,
  '',
  `- CPU per full cycle (user + system, all ${checks.length} checks): **${ms(avg(cycleCpu))} ms** average, ${ms(Math.max(...cycleCpu))} ms worst`,
  `- RSS of the whole Node process: ${mib(rssBare)} MiB bare, ${mib(rssCore)} MiB with @ack-npd/core loaded, ${mib(rssLoaded)} MiB with the checks loaded, ${mib(rssBefore)} MiB after the warm-up cycle, ${mib(peakRss)} MiB peak over the cycles`,
  `- So the checks cost ${mib(rssLoaded - rssCore)} MiB of code, and RSS rose another ${mib(peakRss - rssLoaded)} MiB over the cycles (garbage not yet collected; no state grows per cycle); most of the process is Node itself`,
  `- One /proc scan per cycle (shared by ntp_check, irqbalance_check, ps_hang_check, zombie_check; it is charged to the first of them, ntp_check)`,
  '',
  '| check | CPU ms / run | wall ms / run |',
  '|---|---|---|',
  ...rows,
  '',
  'The machine is shared with other builds and tests: repeated runs of this script varied between about 10 and 25 ms of CPU per cycle.',
  'Wall time of ram_role_check / public_network_check is waiting on the network (timeouts 1s / 2s off ECS), not CPU.',
  'At the default intervals (30s–5m) a full cycle costs well under 0.1% of one core.',
  '<!-- bench-checks:end -->',
].join('\n');

console.log(report);
if (args.has('write')) {
  const file = new URL('../docs/benchmarks.md', import.meta.url);
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch {
    text = '# Benchmarks\n\n';
  }
  const block = /<!-- bench-checks:start -->[\s\S]*<!-- bench-checks:end -->/;
  text = block.test(text) ? text.replace(block, report) : `${text.trimEnd()}\n\n${report}\n`;
  await writeFile(file, text);
}
