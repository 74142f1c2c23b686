// The built-in checks end to end against a REAL control plane (testkit): the agent as a child process
// for a fresh kwok node, a ServiceAccount bound to exactly the npd ClusterRole, --host-root at a copy of
// checks/fixtures/healthy that the test edits (file-nr for FD pressure, dev/kmsg for a pod's OOM kill).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ClusterClient, sharedCluster, waitFor } from '@ack-npd/testkit';
import type { CoreV1Event } from '@kubernetes/client-node';
import { NPD_CLUSTER_ROLE } from './rbac.ts';

const main = join(import.meta.dirname, 'main.ts');
const healthy = join(import.meta.dirname, 'checks', 'fixtures', 'healthy');

describe('built-in checks and PodOOMKilling against a real apiserver', { timeout: 240_000 }, () => {
  let cluster: ClusterClient;
  let node: string;
  let namespace: string;
  let agent: ChildProcess | undefined;
  let logs = '';
  const work = mkdtempSync(join(tmpdir(), 'npd-checks-cluster-'));
  const root = join(work, 'host');
  // The fixture host booted 1000 s ago: kmsg records are stamped relative to that.
  const boot = Math.floor(Date.now() / 1000) - 1000;
  let sequence = 5000;
  const kmsg = (message: string): string => `6,${sequence++},${(Date.now() / 1000 - boot) * 1_000_000},-;${message}\n`;

  before(async () => {
    cpSync(healthy, root, { recursive: true });
    // btime wins over the fixture's proc/uptime: the kmsg records below are stamped against it.
    writeFileSync(join(root, 'proc', 'stat'), `cpu  1 2 3 4\nbtime ${boot}\nprocesses 100\n`);
    mkdirSync(join(root, 'dev'));
    writeFileSync(join(root, 'dev', 'kmsg'), kmsg('Linux version 6.6.0 (fixture)'));

    cluster = await sharedCluster();
    node = await cluster.createNode('npd-checks');
    namespace = await cluster.createNamespace('npd-checks');
    const kubeconfig = await cluster.serviceAccountWithClusterRole(namespace, 'npd', NPD_CLUSTER_ROLE.rules, [
      'list',
      'pods',
      '--all-namespaces',
    ]);
    await assert.rejects(cluster.kubectl(['get', 'nodes'], { kubeconfig }), /forbidden/i);

    agent = spawn(
      process.execPath,
      [
        '--conditions=development',
        main,
        `--host-root=${root}`,
        `--kubeconfig=${kubeconfig}`,
        `--hostname-override=${node}`,
        '--k8s-exporter-heartbeat-period=3s',
        '--port=0',
        '--prometheus-port=0',
        '--alibaba-cloud-plugins=fd_check,ntp_check,network_problem_check,inode_usage_check',
        '--plugin-settings=check_interval=1s,check_fd_warning_percentage=80,inode_warning_percenage=80',
        '--config.system-log-monitor=builtin:ack-kernel-monitor',
        `--state-dir=/var/lib/ack-npd`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    agent.stdout?.on('data', (chunk: Buffer) => {
      logs = (logs + chunk.toString()).slice(-20_000);
    });
    agent.stderr?.on('data', (chunk: Buffer) => {
      logs = (logs + chunk.toString()).slice(-20_000);
    });
  });

  after(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((resolve) => agent?.once('exit', resolve));
      agent.kill('SIGTERM');
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  });

  const why = () => `agent output:\n${logs.slice(-3000)}`;
  const line = async (type: string): Promise<string> =>
    (await cluster.kubectl(['describe', 'node', node])).split('\n').find((l) => l.trim().startsWith(`${type} `)) ?? '';
  const nodeEvents = async (): Promise<CoreV1Event[]> =>
    (await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${node}` })).items;

  it("shows ACK's conditions on the node, then FD pressure with the measured value and a Warning event", async () => {
    const healthyLines: [string, RegExp][] = [
      ['FDPressure', /\bFalse\b.*\bNodeHasNoFDPressure\s+node has no fd pressure/],
      ['InodesPressure', /\bFalse\b.*\bNodeHasNoInodesPressure\s+node has no inodes pressure/],
      ['NTPProblem', /\bFalse\b.*\bNTPIsUp\s+ntp service is up/],
      ['ConntrackProblem', /\bFalse\b.*\bConntrackIsNotFull\s+conntrack table is not full/],
    ];
    for (const [type, pattern] of healthyLines) {
      await waitFor(`${type} on the node`, async () => pattern.test(await line(type)), { timeoutMs: 60_000, describe: why });
    }

    writeFileSync(join(root, 'proc', 'sys', 'fs', 'file-nr'), '950000\t0\t1000000\n');
    await waitFor(
      'FDPressure True',
      async () => /\bTrue\b.*\bNodeHasFDPressure\s+fd usage 95% \(950000\/1000000\) above 80%/.test(await line('FDPressure')),
      { timeoutMs: 30_000, describe: why },
    );
    const warning = (await nodeEvents()).find((e) => e.reason === 'NodeHasFDPressure');
    assert.equal(warning?.type, 'Warning');
    assert.equal(warning?.source?.component, 'fd-monitor');
    assert.match(warning?.message ?? '', /^Node condition FDPressure is now: True, reason: NodeHasFDPressure, message: "fd usage 95%/);
    assert.match(await cluster.kubectl(['describe', 'node', node]), /Warning\s+NodeHasFDPressure\s+.*fd-monitor/);

    // The measured value moves: the node shows it after a heartbeat (3 s), with no new event.
    writeFileSync(join(root, 'proc', 'sys', 'fs', 'file-nr'), '960000\t0\t1000000\n');
    await waitFor('FDPressure message refreshed', async () => /fd usage 96% \(960000\/1000000\)/.test(await line('FDPressure')), {
      timeoutMs: 30_000,
      describe: why,
    });
    const fdEvents = (await nodeEvents()).filter((e) => e.reason === 'NodeHasFDPressure');
    assert.equal(fdEvents.length, 1, 'one event for the transition');
    assert.equal(fdEvents[0]?.count, 1, 'not repeated for the moving value');
  });

  it('posts PodOOMKilling on the Pod whose memory cgroup the kernel names', async () => {
    const pod = await cluster.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'oom-victim' },
        spec: {
          nodeName: node,
          tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [{ name: 'app', image: 'registry.example/app:1' }],
        },
      },
    });
    const uid = pod.metadata?.uid ?? '';
    assert.ok(uid);
    const cid = randomBytes(32).toString('hex');
    const slice = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid.replaceAll('-', '_')}.slice`;
    appendFileSync(
      join(root, 'dev', 'kmsg'),
      kmsg('java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=999') +
        kmsg(
          `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-${cid}.scope,mems_allowed=0,oom_memcg=${slice}/cri-containerd-${cid}.scope,task_memcg=${slice}/cri-containerd-${cid}.scope,task=java,pid=23456,uid=0`,
        ) +
        kmsg(
          'Memory cgroup out of memory: Killed process 23456 (java) total-vm:4194304kB, anon-rss:520000kB, file-rss:12000kB, shmem-rss:0kB, UID:0 pgtables:1200kB oom_score_adj:999',
        ),
    );
    let event: CoreV1Event | undefined;
    await waitFor(
      'a PodOOMKilling event on the Pod',
      async () => {
        const events = await cluster.core.listNamespacedEvent({ namespace, fieldSelector: 'reason=PodOOMKilling' });
        event = events.items[0];
        return event !== undefined;
      },
      { timeoutMs: 30_000, describe: why },
    );
    assert.deepEqual(
      {
        kind: event?.involvedObject.kind,
        namespace: event?.involvedObject.namespace,
        name: event?.involvedObject.name,
        uid: event?.involvedObject.uid,
      },
      { kind: 'Pod', namespace, name: 'oom-victim', uid },
    );
    assert.equal(event?.type, 'Warning');
    assert.equal(event?.source?.component, 'ack-kernel-monitor');
    assert.equal(event?.source?.host, node);
    assert.match(
      event?.message ?? '',
      new RegExp(`^pod ${namespace}/oom-victim \\(${uid}\\) container ${cid} was OOM killed: process java pid 23456\n`),
    );
    assert.match(event?.message ?? '', /Memory cgroup out of memory: Killed process 23456 \(java\)/);
    assert.match(await cluster.kubectl(['describe', 'pod', '-n', namespace, 'oom-victim']), /Warning\s+PodOOMKilling/);
  });
});
