/**
 * CPU time and RSS of the whole npd agent running standalone on this host with the embedded
 * default (kernel monitors, restart counters, ACK's default check set), sampled from
 * /proc/<pid>/stat and /proc/<pid>/status.
 *   node --conditions=development scripts/bench-agent.ts [--duration=10m] [--sample=5s] [--write] [-- agent flags...]
 * Prints the figures; --write puts them in docs/benchmarks.md (between the "bench-agent" markers,
 * leaving the rest of the file alone).
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../packages/core/src/index.ts';

const separator = process.argv.indexOf('--');
const own = separator < 0 ? process.argv.slice(2) : process.argv.slice(2, separator);
const agentArgs = separator < 0 ? [] : process.argv.slice(separator + 1);
const args = new Map(own.map((a) => a.replace(/^--/, '').split('=') as [string, string | undefined]));
const durationMs = parseDuration(args.get('duration') ?? '10m') ?? Number.NaN;
const sampleMs = parseDuration(args.get('sample') ?? '5s') ?? Number.NaN;
if (!(durationMs > 0) || !(sampleMs > 0)) {
  process.stderr.write('usage: bench-agent.ts [--duration=10m] [--sample=5s] [--write] [-- agent flags...]\n');
  process.exit(2);
}
const repo = join(import.meta.dirname, '..');
// getconf CLK_TCK: 100 on every Linux architecture Node supports.
const TICKS = 100;

interface Sample {
  readonly at: number;
  /** user + system CPU seconds of the agent so far. */
  readonly cpu: number;
  readonly rssKiB: number;
  readonly hwmKiB: number;
}

async function sample(pid: number, at: number): Promise<Sample> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" of comm: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { at, cpu, rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
}

const flags = ['--enable-k8s-exporter=false', '--port=0', '--prometheus-port=0', '--log-level=warn', ...agentArgs];
const agent = spawn(process.execPath, ['--conditions=development', join(repo, 'packages/npd/src/main.ts'), ...flags], {
  cwd: repo,
  stdio: ['ignore', 'ignore', 'pipe'],
});
let stderr = '';
agent.stderr?.on('data', (chunk: Buffer) => {
  stderr = (stderr + chunk.toString()).slice(-4000);
});
const exited = new Promise<void>((resolve) => agent.once('exit', () => resolve()));
const pid = agent.pid;
if (pid === undefined) throw new Error('agent did not start');
const started = Date.now();
const samples: Sample[] = [];
process.stderr.write(
  `bench-agent: pid ${pid}, ${durationMs / 1000}s, sampling every ${sampleMs / 1000}s: node main.ts ${flags.join(' ')}\n`,
);
while (Date.now() - started < durationMs && agent.exitCode === null) {
  await new Promise((resolve) => setTimeout(resolve, Math.min(sampleMs, durationMs - (Date.now() - started))));
  if (agent.exitCode !== null) break;
  samples.push(await sample(pid, (Date.now() - started) / 1000));
}
agent.kill('SIGTERM');
await exited;
if (samples.length < 3) throw new Error(`agent exited early (code ${agent.exitCode}):\n${stderr}`);

const first = samples[0] as Sample;
const last = samples[samples.length - 1] as Sample;
// Start-up (module loading, first probes) is everything up to the first sample after 30 s.
const warm = samples.find((s) => s.at >= 30) ?? first;
const steadyCpu = last.cpu - warm.cpu;
const steadySeconds = last.at - warm.at;
const rss = samples.filter((s) => s.at >= warm.at).map((s) => s.rssKiB / 1024);
const mib = (n: number): string => n.toFixed(1);
const average = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
// Busiest sample window (CPU % of one core).
let peakPercent = 0;
for (let i = 1; i < samples.length; i++) {
  const a = samples[i - 1] as Sample;
  const b = samples[i] as Sample;
  peakPercent = Math.max(peakPercent, ((b.cpu - a.cpu) / (b.at - a.at)) * 100);
}
const procs = (await import('node:fs/promises').then((fs) => fs.readdir('/proc'))).filter((n) => /^\d+$/.test(n)).length;
const kernel = (await readFile('/proc/sys/kernel/osrelease', 'utf8')).trim();
const report = `## The whole agent over time (\`scripts/bench-agent.ts\`)

Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, kernel ${kernel}, Node ${process.version}, ${procs} processes in /proc.
Measured ${new Date().toISOString().slice(0, 10)}: \`node --conditions=development packages/npd/src/main.ts ${flags.join(' ')}\`
(the embedded default: kernel-monitor + ack-kernel-monitor on /dev/kmsg, the restart counters, fd_check, ntp_check,
network_problem_check, inode_usage_check at their default intervals), standalone, ${Math.round(last.at)} s, sampled every
${sampleMs / 1000} s from /proc/<pid>/stat (utime + stime) and /proc/<pid>/status (VmRSS, VmHWM).

- CPU: ${first.cpu.toFixed(2)} s by the first sample (${first.at.toFixed(0)} s: start-up, loading the TypeScript sources), ${last.cpu.toFixed(2)} s in total;
  after the first 30 s **${((steadyCpu / steadySeconds) * 100).toFixed(3)}% of one core** on average (${(steadyCpu * 1000).toFixed(0)} ms over ${steadySeconds.toFixed(0)} s), ${peakPercent.toFixed(2)}% in the busiest ${sampleMs / 1000} s window
- RSS after the first 30 s: **${mib(average(rss))} MiB** average, ${mib(Math.min(...rss))} MiB min, ${mib(Math.max(...rss))} MiB max, ${mib(last.rssKiB / 1024)} MiB at the end; peak (VmHWM) ${mib(last.hwmKiB / 1024)} MiB
`;
process.stdout.write(`${report}\n`);
if (args.has('write')) {
  const file = join(repo, 'docs', 'benchmarks.md');
  const doc = await readFile(file, 'utf8');
  const block = `<!-- bench-agent:start -->\n${report}<!-- bench-agent:end -->`;
  const pattern = /<!-- bench-agent:start -->[\s\S]*<!-- bench-agent:end -->/;
  await writeFile(file, pattern.test(doc) ? doc.replace(pattern, block) : `${doc.trimEnd()}\n\n${block}\n`);
  process.stderr.write(`bench-agent: wrote ${file}\n`);
}
