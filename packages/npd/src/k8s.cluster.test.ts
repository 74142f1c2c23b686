// The agent against a REAL control plane (testkit): a kwok node, a ServiceAccount bound to exactly
// the npd ClusterRole, a plug-in whose exit code a fixture file decides. Proves the condition and
// event appear with the right reason/message/source, recover, and that PATCHes are change + heartbeat only.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ClusterClient, sharedCluster, waitFor } from '@ack-npd/testkit';
import type { CoreV1Event } from '@kubernetes/client-node';
import { NPD_CLUSTER_ROLE } from './rbac.ts';
import { freePort } from './testing/net.ts';

const main = join(import.meta.dirname, 'main.ts');
const plugin = join(import.meta.dirname, 'fixtures', 'plugins', 'exit-from-file.sh');

describe('npd against a real apiserver', { timeout: 240_000 }, () => {
  let cluster: ClusterClient;
  let node: string;
  let nodeUid: string;
  let agent: ChildProcess | undefined;
  let metricsUrl: string;
  let logs = '';
  const work = mkdtempSync(join(tmpdir(), 'npd-cluster-'));
  const state = join(work, 'state');
  const blip = join(work, 'blip');
  let startedAt = 0;

  before(async () => {
    cluster = await sharedCluster();
    node = await cluster.createNode('npd');
    nodeUid = (await cluster.core.readNode({ name: node })).metadata?.uid ?? '';
    const namespace = await cluster.createNamespace('npd');
    const kubeconfig = await cluster.serviceAccountWithClusterRole(namespace, 'npd', NPD_CLUSTER_ROLE.rules, [
      'patch',
      'nodes',
      '--subresource=status',
    ]);
    // The token can do exactly what the role says: e.g. not list nodes.
    await assert.rejects(cluster.kubectl(['get', 'nodes'], { kubeconfig }), /forbidden/i);

    writeFileSync(state, '0\nall fine\n');
    writeFileSync(blip, '0\n');
    const config = join(work, 'custom.json');
    writeFileSync(
      config,
      JSON.stringify({
        plugin: 'custom',
        pluginConfig: { invoke_interval: '500ms', timeout: '5s', max_output_length: 80, concurrency: 2 },
        source: 'test-custom-plugin-monitor',
        conditions: [{ type: 'TestProblem', reason: 'TestIsOK', message: 'test is fine' }],
        rules: [
          { type: 'permanent', condition: 'TestProblem', reason: 'TestIsBroken', path: plugin, args: [state] },
          { type: 'temporary', reason: 'TestBlip', path: plugin, args: [blip] },
        ],
      }),
    );
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    startedAt = Date.now();
    agent = spawn(
      process.execPath,
      [
        '--conditions=development',
        main,
        `--config.custom-plugin-monitor=${config}`,
        `--kubeconfig=${kubeconfig}`,
        `--hostname-override=${node}`,
        '--k8s-exporter-heartbeat-period=3s',
        '--port=0',
        `--prometheus-port=${metricsPort}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    agent.stdout?.on('data', (chunk: Buffer) => {
      logs += chunk.toString();
    });
    agent.stderr?.on('data', (chunk: Buffer) => {
      logs += chunk.toString();
    });
  });

  after(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((resolve) => agent?.once('exit', resolve));
      agent.kill('SIGTERM');
      await exited;
    }
  });

  const describeNode = () => cluster.kubectl(['describe', 'node', node]);
  const conditionLine = async () => (await describeNode()).split('\n').find((line) => line.trim().startsWith('TestProblem')) ?? '';
  const patches = async (): Promise<number> => {
    const text = await (await fetch(metricsUrl)).text();
    const match = /^npd_k8s_exporter_node_status_patches_total\{result="success"\} (\d+)/m.exec(text);
    return Number(match?.[1] ?? 0);
  };
  const nodeEvents = async (): Promise<CoreV1Event[]> =>
    (await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${node}` })).items;
  const why = () => `agent output:\n${logs.slice(-3000)}`;

  it('reports the default condition, then the problem with its reason, message and event, then recovers', async () => {
    await waitFor('TestProblem False on the node', async () => /\bFalse\b.*\bTestIsOK\b\s+test is fine/.test(await conditionLine()), {
      timeoutMs: 60_000,
      describe: why,
    });

    writeFileSync(state, '1\nbroken disk\n');
    await waitFor('TestProblem True on the node', async () => /\bTrue\b.*\bTestIsBroken\b\s+broken disk/.test(await conditionLine()), {
      timeoutMs: 30_000,
      describe: why,
    });
    const changed = (await nodeEvents()).find((e) => e.reason === 'TestIsBroken');
    assert.ok(changed, 'a TestIsBroken event on the node');
    assert.equal(changed.type, 'Warning');
    assert.equal(changed.message, 'Node condition TestProblem is now: True, reason: TestIsBroken, message: "broken disk"');
    assert.equal(changed.source?.component, 'test-custom-plugin-monitor');
    assert.equal(changed.source?.host, node);
    assert.equal(changed.involvedObject.kind, 'Node');
    assert.equal(changed.involvedObject.uid, nodeUid);
    assert.match(await describeNode(), /Warning\s+TestIsBroken\s+.*test-custom-plugin-monitor/);

    writeFileSync(state, '0\nall fine\n');
    await waitFor('TestProblem back to False', async () => /\bFalse\b.*\bTestIsOK\b\s+test is fine/.test(await conditionLine()), {
      timeoutMs: 30_000,
      describe: why,
    });
    const recovered = (await nodeEvents()).find((e) => e.reason === 'TestIsOK' && e.message?.includes('is now: False'));
    assert.equal(recovered?.type, 'Normal');
  });

  it('repeats of a temporary problem bump the event count instead of creating new events', async () => {
    writeFileSync(blip, '1\nflaky thing\n');
    await waitFor('TestBlip count > 2', async () => (await nodeEvents()).some((e) => e.reason === 'TestBlip' && (e.count ?? 0) > 2), {
      timeoutMs: 30_000,
      describe: why,
    });
    writeFileSync(blip, '0\n');
    const blips = (await nodeEvents()).filter((e) => e.reason === 'TestBlip');
    assert.equal(blips.length, 1, 'one Event object, its count bumped');
    assert.equal(blips[0]?.message, 'flaky thing');
    assert.equal(blips[0]?.type, 'Warning');
  });

  it('sends no more PATCHes than changes + heartbeats while the plug-in keeps reporting every 500ms', async () => {
    const before = await patches();
    const windowStart = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 7500));
    const during = (await patches()) - before;
    const elapsed = Date.now() - windowStart;
    // Nothing changes in the window: only heartbeats (every 3s), each at most once.
    assert.ok(during >= 2, `expected heartbeats in ${elapsed}ms, got ${during} patches\n${why()}`);
    assert.ok(
      during <= Math.ceil(elapsed / 3000) + 1,
      `expected at most ${Math.ceil(elapsed / 3000) + 1} patches in ${elapsed}ms, got ${during}`,
    );
    // Over the whole run: 3 condition changes (initial, True, False) + heartbeats.
    const total = await patches();
    const bound = 3 + Math.ceil((Date.now() - startedAt) / 3000) + 1;
    assert.ok(total <= bound, `total ${total} patches > ${bound}`);
    // The heartbeat shows on the node.
    const conditions = (await cluster.core.readNode({ name: node })).status?.conditions ?? [];
    const condition = conditions.find((c) => c.type === 'TestProblem');
    assert.ok(condition?.lastHeartbeatTime && Date.now() - new Date(condition.lastHeartbeatTime).getTime() < 8000);
    // Strategic merge (by type): the kubelet's (here kwok's) conditions are untouched by our PATCHes.
    assert.equal(conditions.find((c) => c.type === 'Ready')?.status, 'True');
  });
});
