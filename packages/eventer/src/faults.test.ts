import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { KubeClient, loadKubeTarget } from '@ack-npd/core/kube-lite';
import { sharedCluster } from '@ack-npd/testkit';
import { type FaultContext, faultTable, runScenarios, scenarios, withinBound } from './testing/faults.ts';

// The short fault-injection run (the full one: scripts/faults-eventer.ts → docs/reliability.md).
// Kill -9, kill -9 failover, apiserver restart and 410 are in e2e.test.ts and
// apiserver-restart.test.ts; here the destination-side faults, hostile input and the graceful
// leader handover with a slow last request, concurrently.
const SHORT = [
  'receiver down (503)',
  'receiver slow (10 s per request)',
  'DingTalk 130101 storm (robot allows 5 a minute, a noisy neighbour fills it)',
  'SLS WriteQuotaExceed (10 refusals)',
  'a 1 MiB event message',
  'control characters, lone surrogates, invalid UTF-8 in messages',
  'spool disk full',
  // The leader's last request outlasts the lease: 0 duplicates only if the final checkpoint
  // is saved before the lease is given up (it failed with 1 duplicate before that fix).
  'leader graceful handover (SIGTERM), 2 replicas',
];

let context: FaultContext;
before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eventer-faults-'));
  const cluster = await sharedCluster();
  const kube = new KubeClient(await loadKubeTarget({ kubeconfig: cluster.kubeconfigPath, env: {} }));
  context = { cluster, kube, dir, full: false, log: (text) => process.stdout.write(`# ${text}\n`) };
});
after(async () => {
  context?.kube.close();
  if (context) await rm(context.dir, { recursive: true, force: true });
});

test('destination faults and hostile input: nothing lost or duplicated beyond the documented bounds', { timeout: 480_000 }, async () => {
  const selected = scenarios.filter((s) => SHORT.includes(s.name));
  assert.equal(selected.length, SHORT.length);
  const rows = await runScenarios(context, selected, 4);
  process.stdout.write(faultTable(rows).replace(/^/gm, '# '));
  // A row beyond its bound: the eventers' logs go with the failure (the directory is removed after).
  if (!rows.every(withinBound)) {
    for (const name of (await readdir(context.dir)).filter((n) => n.endsWith('.log')).sort()) {
      const lines = (await readFile(join(context.dir, name), 'utf8')).trimEnd().split('\n');
      process.stdout.write(`# --- ${name} (last 40 of ${lines.length} lines)\n${lines.slice(-40).join('\n').replace(/^/gm, '# ')}\n`);
    }
  }
  for (const row of rows) {
    assert.ok(row.created > 0, row.scenario);
    assert.ok(withinBound(row), `${row.scenario}: ${row.lost} lost, ${row.duplicated} duplicated; bound: ${row.bound.text}`);
  }
});
