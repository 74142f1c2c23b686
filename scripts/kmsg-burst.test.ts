// The chart's memory settings under a burst of kernel messages: the bundled agent, with the image's
// node flags and the chart's NODE_OPTIONS, reads 10,000 kmsg records a second for 10 s (a fixture /dev/kmsg it follows like
// the real one): its RSS stays under the chart's memory limit with room to spare, it keeps up, and
// its CPU use falls back to idle afterwards (no GC thrashing against a heap cap).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { waitFor } from '../packages/testkit/src/wait.ts';
import { bundle } from './bundle.ts';
import { imageNodeFlags } from './lib/bench-npd/image-flags.ts';

const values = parse(readFileSync(join(import.meta.dirname, '..', 'charts', 'ack-node-problem-detector', 'values.yaml'), 'utf8')) as {
  npd: { resources: { limits: { memory: string } }; nodeOptions: string };
};

function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  assert.ok(match, `memory limit ${quantity} is not in Mi or Gi`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

function sample(pid: number): { cpuS: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return { cpuS: (Number(f[11]) + Number(f[12])) / 100, rssMiB: rss / 1024 };
}

describe('kmsg burst against the chart memory limit', { timeout: 180_000 }, () => {
  it('10,000 records/s for 10 s: RSS under the limit, every match reported, CPU back to idle', async () => {
    const limitMiB = mebibytes(values.npd.resources.limits.memory);
    const work = mkdtempSync(join(tmpdir(), 'kmsg-burst-'));
    await bundle(['npd'], work);
    const host = join(work, 'host');
    mkdirSync(join(host, 'dev'), { recursive: true });
    mkdirSync(join(host, 'proc'), { recursive: true });
    const bootS = Math.floor(Date.now() / 1000) - 3600;
    writeFileSync(join(host, 'proc', 'stat'), `cpu  1 2 3 4\nbtime ${bootS}\n`);
    writeFileSync(join(host, 'proc', 'uptime'), '3600.00 3600.00\n');
    const kmsg = join(host, 'dev', 'kmsg');
    writeFileSync(kmsg, '');

    const child = spawn(
      process.execPath,
      [
        ...imageNodeFlags(),
        join(work, 'npd.mjs'),
        `--host-root=${host}`,
        '--enable-k8s-exporter=false',
        '--port=0',
        '--prometheus-port=0',
        '--config.system-log-monitor=builtin:kernel-monitor',
      ],
      {
        env: { ...process.env, NODE_OPTIONS: values.npd.nodeOptions, NODE_NAME: 'burst', KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const pid = child.pid ?? 0;
    let oomEvents = 0;
    let tail = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString();
      const lines = text.split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) if (line.includes('"reason":"OOMKilling"')) oomEvents++;
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-5000);
    });
    try {
      await waitFor('the agent to start', () => sample(pid).rssMiB > 0 && sample(pid).cpuS >= 0, { timeoutMs: 30_000 });
      await new Promise((resolve) => setTimeout(resolve, 2000));

      // 10 s of 10,000 records/s, written every 100 ms: 1 in 100 an OOM kill, the rest noise.
      let sequence = 0;
      let matches = 0;
      let peakMiB = 0;
      const burstStart = sample(pid);
      for (let tick = 0; tick < 100; tick++) {
        const started = Date.now();
        const usec = (Date.now() / 1000 - bootS) * 1e6;
        let chunk = '';
        for (let i = 0; i < 1000; i++, sequence++) {
          if (sequence % 100 === 0) {
            matches++;
            chunk += `3,${sequence},${Math.floor(usec)},-;Out of memory: Killed process ${sequence} (burst) total-vm:1000kB, anon-rss:100kB, file-rss:0kB, shmem-rss:0kB\n`;
          } else {
            chunk += `6,${sequence},${Math.floor(usec)},-;eth0: noisy driver message number ${sequence} with some padding to look like a real line\n`;
          }
        }
        appendFileSync(kmsg, chunk);
        peakMiB = Math.max(peakMiB, sample(pid).rssMiB);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - started))));
      }
      await waitFor(`all ${matches} OOMKilling events on stdout`, () => oomEvents >= matches, {
        timeoutMs: 60_000,
        describe: () => `${oomEvents} so far; stderr:\n${stderr}`,
      });
      peakMiB = Math.max(peakMiB, sample(pid).rssMiB);
      const burstEnd = sample(pid);

      // Idle again: over 5 s the agent uses well under 5% of a core (process CPU time, not wall share).
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const idleStart = sample(pid);
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const idleEnd = sample(pid);
      const idleShare = (idleEnd.cpuS - idleStart.cpuS) / 5;
      process.stderr.write(
        `kmsg burst: ${sequence} records, ${matches} matches; peak RSS ${peakMiB.toFixed(1)} MiB (limit ${limitMiB} MiB), ` +
          `CPU ${(burstEnd.cpuS - burstStart.cpuS).toFixed(2)} s for the burst, ${(idleShare * 100).toFixed(2)} % of a core after\n`,
      );
      assert.ok(peakMiB < limitMiB * 0.8, `peak RSS ${peakMiB.toFixed(1)} MiB leaves less than 20% of the ${limitMiB} MiB limit`);
      assert.ok(idleShare < 0.05, `CPU after the burst ${(idleShare * 100).toFixed(2)} % of a core`);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
