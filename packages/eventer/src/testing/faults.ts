import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeClient } from '@ack-npd/core/kube-lite';
import { type Cluster, type ClusterClient, startDingTalkServer, startSlsServer, waitFor } from '@ack-npd/testkit';
import { freePort } from '@ack-npd/testkit/ports';
import { EventerProcess, leaseArgs } from './eventer-process.ts';
import { type PostedEvent, postEvents } from './load.ts';
import { WebhookReceiver } from './receiver.ts';

/**
 * The eventer's fault-injection scenarios against a real control plane, shared by the CI test
 * (faults.test.ts, short sizes) and the full run (scripts/faults-eventer.ts → docs/reliability.md).
 * Each scenario creates events, injects one fault, and counts what the destination got.
 */
export interface FaultRow {
  readonly scenario: string;
  readonly created: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicated: number;
  /** From the end of the fault to the last event delivered. */
  readonly recoverSeconds: number;
  /** The documented bound this row is held to. */
  readonly bound: { readonly lost: number; readonly duplicated: number; readonly text: string };
  readonly note?: string;
}

export interface FaultContext {
  readonly cluster: ClusterClient;
  /** The same cluster when this run owns it: scenarios that restart the apiserver or compact etcd need it. */
  readonly owned?: Cluster;
  readonly kube: KubeClient;
  readonly dir: string;
  readonly full: boolean;
  readonly log: (text: string) => void;
}

export interface Scenario {
  readonly name: string;
  /** Restarts the apiserver or compacts etcd: must not run alongside the others. */
  readonly disruptsCluster?: boolean;
  run(context: FaultContext): Promise<FaultRow>;
}

const KEY_BODY = '{"key":"{{ .Name }}/{{ .Count }}"}';
const ZERO = { lost: 0, duplicated: 0, text: 'none lost, none duplicated' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Harness {
  readonly namespace: string;
  readonly receiver: WebhookReceiver;
  eventer(id: string, more?: readonly string[]): EventerProcess;
  stopAll(): Promise<void>;
}

async function harness(
  context: FaultContext,
  name: string,
  options: { body?: string; args?: (ns: string) => string[]; delivery?: Record<string, number> } = {},
): Promise<Harness> {
  const namespace = await context.cluster.createNamespace(`fault-${name}`);
  const receiver = new WebhookReceiver();
  const url = await receiver.start();
  const config = join(context.dir, `${name}.yaml`);
  await writeFile(
    config,
    JSON.stringify({
      sinks: [{ name: 'hook', uri: `webhook:${url}?method=POST&level=Normal`, options: { body_template: options.body ?? KEY_BODY } }],
      ...(options.delivery ? { delivery: options.delivery } : {}),
    }),
  );
  const processes: EventerProcess[] = [];
  return {
    namespace,
    receiver,
    eventer(id, more = []) {
      const p = new EventerProcess(
        [
          `--source=kubernetes:?inClusterConfig=false&auth=${context.cluster.kubeconfigPath}`,
          `--config=${config}`,
          `--namespaces=${namespace}`,
          '--frequency=200ms',
          '--healthz-port=0',
          `--spool-dir=${join(context.dir, `${name}-spool-${id}`)}`,
          `--identity=${id}`,
          ...(options.args?.(namespace) ?? []),
          ...more,
        ],
        join(context.dir, `${name}-${id}.log`),
      );
      processes.push(p);
      p.start();
      return p;
    },
    async stopAll() {
      for (const p of processes) await p.stop('SIGTERM');
      await receiver.close();
    },
  };
}

/** Delivered / lost / duplicated of `posted` at a webhook receiver keyed name/1. */
function count(scenario: string, posted: readonly PostedEvent[], receiver: WebhookReceiver, recoverFrom: number, bound = ZERO): FaultRow {
  const keys = posted.map((p) => `${p.name}/1`);
  const delivered = keys.filter((key) => receiver.deliveries.has(key)).length;
  const duplicated = keys.reduce((sum, key) => sum + Math.max(0, (receiver.deliveries.get(key) ?? 0) - 1), 0);
  const last = Math.max(recoverFrom, ...keys.map((key) => receiver.firstAt.get(key) ?? 0));
  return {
    scenario,
    created: posted.length,
    delivered,
    lost: posted.length - delivered,
    duplicated,
    recoverSeconds: (last - recoverFrom) / 1000,
    bound,
  };
}

/** Waits until every posted event arrived (or the time is up: the row then shows the loss). */
async function settle(receiver: WebhookReceiver, posted: readonly PostedEvent[], timeoutMs: number): Promise<void> {
  const keys = posted.map((p) => `${p.name}/1`);
  await waitFor('deliveries', () => keys.every((key) => receiver.deliveries.has(key)), { timeoutMs }).catch(() => undefined);
  await sleep(1000); // late duplicates
}

async function started(receiver: WebhookReceiver, context: FaultContext, namespace: string): Promise<void> {
  const probe = await postEvents(context.kube, namespace, { prefix: 'probe', count: 1 });
  const key = `${probe[0]?.name}/1`;
  await waitFor('the eventer delivering', () => receiver.deliveries.has(key), { timeoutMs: 60_000 });
}

function owned(context: FaultContext): Cluster {
  if (!context.owned) throw new Error('this scenario restarts the apiserver or compacts etcd: it needs a cluster of its own');
  return context.owned;
}

const killUnderLoad: Scenario = {
  name: 'eventer kill -9 under load, restart',
  async run(context) {
    const h = await harness(context, 'kill9');
    let eventer = h.eventer('a');
    await started(h.receiver, context, h.namespace);
    const count_ = context.full ? 3000 : 600;
    const posting = postEvents(context.kube, h.namespace, {
      prefix: 'k',
      count: count_,
      perSecond: context.full ? 150 : 100,
      concurrency: 8,
    });
    await sleep(2000);
    await eventer.stop('SIGKILL');
    await sleep(1000);
    eventer = h.eventer('a');
    const restarted = Date.now();
    const posted = await posting;
    await settle(h.receiver, posted, 180_000);
    await h.stopAll();
    return count(this.name, posted, h.receiver, restarted, {
      lost: 0,
      duplicated: 4,
      text: 'none lost; only what was in flight at the kill (webhook: one request) may arrive twice',
    });
  },
};

async function etcdUrl(cluster: Cluster): Promise<string> {
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const args = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!args.includes(join(cluster.info.workDir, 'etcd'))) continue;
    const url = /--listen-client-urls=?\0?(http:\/\/[^,\0]+)/.exec(args)?.[1];
    if (url) return url;
  }
  throw new Error('etcd client URL not found');
}

/** Compacts etcd at its current revision: watches from older resourceVersions get 410 Gone. */
export async function compactEtcd(cluster: Cluster): Promise<void> {
  const url = await etcdUrl(cluster);
  const range = await fetch(`${url}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from('/').toString('base64') }) });
  const revision = ((await range.json()) as { header: { revision: string } }).header.revision;
  const compacted = await fetch(`${url}/v3/kv/compaction`, { method: 'POST', body: JSON.stringify({ revision, physical: true }) });
  if (compacted.status !== 200) throw new Error(`etcd compaction: ${compacted.status} ${await compacted.text()}`);
}

const apiserverRestart: Scenario = {
  name: 'kube-apiserver restart under load',
  disruptsCluster: true,
  async run(context) {
    const h = await harness(context, 'apiserver');
    h.eventer('a');
    await started(h.receiver, context, h.namespace);
    const posting = postEvents(context.kube, h.namespace, { prefix: 'r', count: context.full ? 1500 : 300, perSecond: 50, concurrency: 4 });
    await sleep(2000);
    await owned(context).restartApiserver();
    const back = Date.now();
    const posted = await posting;
    await settle(h.receiver, posted, 180_000);
    await h.stopAll();
    return count(this.name, posted, h.receiver, back);
  },
};

const compaction: Scenario = {
  name: 'etcd compaction while stopped (watch 410 Gone, relist)',
  disruptsCluster: true,
  async run(context) {
    const h = await harness(context, 'compact');
    let eventer = h.eventer('a');
    await started(h.receiver, context, h.namespace);
    const before = await postEvents(context.kube, h.namespace, { prefix: 'c0', count: 100 });
    await settle(h.receiver, before, 60_000);
    await eventer.stop('SIGTERM');
    const during = await postEvents(context.kube, h.namespace, { prefix: 'c1', count: context.full ? 1000 : 200 });
    await compactEtcd(owned(context));
    eventer = h.eventer('a');
    const restarted = Date.now();
    const posted = [...before, ...during];
    await settle(h.receiver, posted, 120_000);
    await h.stopAll();
    return { ...count(this.name, posted, h.receiver, restarted), note: 'events before the stop are relisted and must not be sent again' };
  },
};

const receiverDown: Scenario = {
  name: 'receiver down (503)',
  async run(context) {
    const downMs = context.full ? 300_000 : 30_000;
    const h = await harness(context, 'down');
    h.eventer('a');
    await started(h.receiver, context, h.namespace);
    h.receiver.mode = 'fail';
    const posted = await postEvents(context.kube, h.namespace, {
      prefix: 'd',
      count: Math.round((downMs / 1000) * 20),
      perSecond: 20,
      concurrency: 4,
    });
    await sleep(Math.max(0, downMs - posted.length * 50));
    h.receiver.mode = 'ok';
    const up = Date.now();
    // The spool replays one request at a time after the backoff (≤ 60 s) of its last failed try.
    await settle(h.receiver, posted, 600_000);
    await h.stopAll();
    return {
      ...count(`${this.name} ${downMs / 1000} s, 20 events/s meanwhile`, posted, h.receiver, up),
      note: 'spooled on disk, replayed when it is back',
    };
  },
};

const receiverSlow: Scenario = {
  name: 'receiver slow (10 s per request)',
  async run(context) {
    const h = await harness(context, 'slow');
    h.eventer('a');
    await started(h.receiver, context, h.namespace);
    h.receiver.delayMs = 10_000;
    const posted = await postEvents(context.kube, h.namespace, { prefix: 's', count: context.full ? 30 : 4 });
    const from = Date.now();
    await settle(h.receiver, posted, (posted.length + 4) * 12_000);
    h.receiver.delayMs = 0;
    await h.stopAll();
    return {
      ...count(this.name, posted, h.receiver, from),
      note: 'one request at a time, as kube-eventer; under the 15 s request timeout',
    };
  },
};

const dingTalkStorm: Scenario = {
  name: 'DingTalk 130101 storm (robot allows 5 a minute, a noisy neighbour fills it)',
  async run(context) {
    const server = await startDingTalkServer({ robots: [{ accessToken: 'storm' }], perMinute: 5 });
    const namespace = await context.cluster.createNamespace('fault-dingtalk');
    const config = join(context.dir, 'dingtalk.yaml');
    await writeFile(
      config,
      JSON.stringify({ sinks: [{ name: 'ding', uri: `dingtalk:${server.url}/robot/send?access_token=storm&level=Warning` }] }),
    );
    const eventer = new EventerProcess(
      [
        `--source=kubernetes:?inClusterConfig=false&auth=${context.cluster.kubeconfigPath}`,
        `--config=${config}`,
        `--namespaces=${namespace}`,
        '--frequency=200ms',
        '--healthz-port=0',
        `--spool-dir=${join(context.dir, 'dingtalk-spool')}`,
      ],
      join(context.dir, 'dingtalk.log'),
    );
    // The storm: a noisy neighbour (another cluster's shipper on the same robot) keeps the robot's
    // minute full for longer than the sink's one-minute backoff after a 130101, so the eventer's
    // message is refused, and refused again on its retry, until the neighbour stops and the minute drains.
    let neighbourSent = 0;
    let neighbourRefused = 0;
    const neighbourUntil = Date.now() + (context.full ? 150_000 : 75_000);
    const neighbour = (async () => {
      while (Date.now() < neighbourUntil) {
        const answer = await fetch(`${server.url}/robot/send?access_token=storm`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ msgtype: 'text', text: { content: 'noisy neighbour' } }),
        })
          .then((r) => r.json() as Promise<{ errcode: number }>)
          .catch(() => ({ errcode: -1 }));
        neighbourSent++;
        if (answer.errcode !== 0) neighbourRefused++;
        // Often enough to take a slot of the robot's minute as soon as it frees.
        await sleep(20);
      }
    })();
    // The eventer starts once the neighbour has filled the minute, a few seconds later: its retry a
    // minute after its first refusal comes after the neighbour's slots have freed and been taken again.
    await waitFor('the neighbour filled the robot', () => neighbourRefused > 0, { timeoutMs: 30_000 });
    await sleep(5000);
    eventer.start();
    const posted = await postEvents(context.kube, namespace, { prefix: 'w', count: context.full ? 200 : 40, warning: true });
    const from = Date.now();
    // Every event is either its own message (Name: <event>) or counted in a fold ("and N more events").
    const accounted = () => {
      const names = new Map<string, number>();
      let folded = 0;
      for (const m of server.messages) {
        const text = m.body.text?.content ?? m.body.markdown?.text ?? '';
        const fold = /and (\d+) more events/.exec(text);
        if (fold) folded += Number(fold[1]);
        const name = /Name:(\S+)/.exec(text)?.[1];
        if (name && !fold) names.set(name, (names.get(name) ?? 0) + 1);
      }
      return { names, folded };
    };
    const wanted = new Set(posted.map((p) => p.name));
    const represented = () => {
      const { names, folded } = accounted();
      return [...names.keys()].filter((name) => wanted.has(name)).length + folded;
    };
    await waitFor('every event represented', () => represented() >= posted.length, { timeoutMs: context.full ? 600_000 : 240_000 }).catch(
      () => undefined,
    );
    await neighbour;
    await sleep(1000);
    await eventer.stop('SIGTERM');
    await server.close();
    const ours = server.messages.filter((m) => !(m.body.text?.content ?? '').startsWith('noisy neighbour'));
    const oursRefused = server.refusals.length - neighbourRefused;
    const { names } = accounted();
    const last = Math.max(from, ...ours.map((m) => m.at));
    const delivered = Math.min(posted.length, represented());
    return {
      scenario: this.name,
      created: posted.length,
      delivered,
      lost: posted.length - delivered,
      duplicated: [...names.values()].reduce((sum, n) => sum + n - 1, 0),
      recoverSeconds: (last - from) / 1000,
      // Fewer than 2 refusals of the eventer's messages: its retry met no storm, the scenario did not happen.
      bound: {
        lost: oursRefused >= 2 ? 0 : -1,
        duplicated: 0,
        text: 'its message and its retry refused with 130101 (≥ 2 refusals); none lost (folded into "and N more events" messages), none sent twice',
      },
      note: `${ours.length} message${ours.length === 1 ? '' : 's'} delivered, ${oursRefused} refused with 130101; a noisy neighbour on the same robot sent ${neighbourSent} (${neighbourRefused} refused)`,
    };
  },
};

const slsQuota: Scenario = {
  name: 'SLS WriteQuotaExceed (10 refusals)',
  async run(context) {
    const server = await startSlsServer({ accessKeys: [{ accessKeyId: 'ak', accessKeySecret: 'sk' }], projects: { p: ['k8s-event'] } });
    server.failNext(10, 'WriteQuotaExceed');
    const namespace = await context.cluster.createNamespace('fault-sls');
    const eventer = new EventerProcess(
      [
        `--source=kubernetes:?inClusterConfig=false&auth=${context.cluster.kubeconfigPath}`,
        `--sink=sls:https://sls.aliyuncs.com?project=p&logStore=k8s-event&endpoint=${server.url}&accessKeyId=ak&accessKeySecret=sk`,
        `--namespaces=${namespace}`,
        '--frequency=200ms',
        '--healthz-port=0',
        `--spool-dir=${join(context.dir, 'sls-spool')}`,
      ],
      join(context.dir, 'sls.log'),
    );
    eventer.start();
    const posted = await postEvents(context.kube, namespace, { prefix: 'q', count: context.full ? 2000 : 300 });
    const from = Date.now();
    const counts = () => {
      const byName = new Map<string, number>();
      for (const r of server.received) {
        for (const log of r.group.logs) {
          const eventId = log.contents.find((c) => c.key === 'eventId')?.value ?? '{}';
          const name = (JSON.parse(eventId) as { metadata?: { name?: string } }).metadata?.name ?? '';
          byName.set(name, (byName.get(name) ?? 0) + 1);
        }
      }
      return byName;
    };
    await waitFor('every log', () => posted.every((p) => counts().has(p.name)), { timeoutMs: 180_000 }).catch(() => undefined);
    await sleep(1000);
    await eventer.stop('SIGTERM');
    const byName = counts();
    await server.close();
    const delivered = posted.filter((p) => byName.has(p.name)).length;
    return {
      scenario: this.name,
      created: posted.length,
      delivered,
      lost: posted.length - delivered,
      duplicated: posted.reduce((sum, p) => sum + Math.max(0, (byName.get(p.name) ?? 0) - 1), 0),
      recoverSeconds: (Date.now() - 1000 - from) / 1000,
      bound: ZERO,
      note: `${server.errors.filter((e) => e === 'WriteQuotaExceed').length} requests refused, retried with backoff`,
    };
  },
};

/** Two replicas electing a leader through a Lease (4 s), both shipping to one receiver once one leads. */
async function twoReplicas(context: FaultContext, name: string) {
  const h = await harness(context, name, { args: leaseArgs });
  const holder = async () =>
    (
      await context.kube
        .request<{ spec?: { holderIdentity?: string } }>({
          method: 'GET',
          path: `/apis/coordination.k8s.io/v1/namespaces/${h.namespace}/leases/eventer`,
        })
        .catch(() => undefined)
    )?.spec?.holderIdentity ?? '';
  const replicas = new Map([
    ['x', h.eventer('x')],
    ['y', h.eventer('y')],
  ]);
  await waitFor('a leader', async () => (await holder()) !== '', { timeoutMs: 60_000 });
  await started(h.receiver, context, h.namespace);
  return { h, holder, replicas };
}

const leaderHandover: Scenario = {
  name: 'leader graceful handover (SIGTERM), 2 replicas',
  async run(context) {
    const { h, holder, replicas } = await twoReplicas(context, 'handover');
    const posting = postEvents(context.kube, h.namespace, {
      prefix: 'g',
      count: context.full ? 1000 : 300,
      perSecond: 100,
      concurrency: 4,
    });
    await sleep(1000);
    // The leader's request in flight at SIGTERM is answered only after 6 s, longer than the
    // 4 s lease: the final checkpoint comes after the lease would have run out had the leader
    // stopped renewing it (what a loaded machine did to the 13:26 run).
    h.receiver.delayMs = 6000;
    await sleep(300);
    const first = await holder();
    const stopping = replicas.get(first)?.stop('SIGTERM');
    await sleep(300);
    h.receiver.delayMs = 0;
    await stopping;
    const handedOver = Date.now();
    const posted = await posting;
    await settle(h.receiver, posted, 120_000);
    await h.stopAll();
    return {
      ...count(this.name, posted, h.receiver, handedOver),
      note: "the leader's last request answered after 6 s, past the 4 s lease",
    };
  },
};

const leaderKill: Scenario = {
  name: 'leader kill -9, 2 replicas',
  async run(context) {
    const { h, holder, replicas } = await twoReplicas(context, 'leaderkill');
    const posting = postEvents(context.kube, h.namespace, {
      prefix: 'x',
      count: context.full ? 1000 : 300,
      perSecond: 100,
      concurrency: 4,
    });
    await sleep(1000);
    await replicas.get(await holder())?.stop('SIGKILL');
    const killed = Date.now();
    const posted = await posting;
    await settle(h.receiver, posted, 120_000);
    await h.stopAll();
    return count(this.name, posted, h.receiver, killed, {
      lost: 0,
      duplicated: 100,
      text: 'none lost; what the dead leader sent after its last checkpoint save (≤ 200 ms) may be sent again by the new one',
    });
  },
};

const bigMessage: Scenario = {
  name: 'a 1 MiB event message',
  async run(context) {
    const h = await harness(context, 'big', { body: '{"key":"{{ .Name }}/{{ .Count }}","message":"{{ .Message }}"}' });
    h.eventer('a');
    await started(h.receiver, context, h.namespace);
    const posted = await postEvents(context.kube, h.namespace, {
      prefix: 'big',
      count: 3,
      message: (i) => `${i}:${'x'.repeat(1024 * 1024)}`,
    });
    const from = Date.now();
    await settle(h.receiver, posted, 60_000);
    await h.stopAll();
    return count(this.name, posted, h.receiver, from);
  },
};

const hostileText: Scenario = {
  name: 'control characters, lone surrogates, invalid UTF-8 in messages',
  async run(context) {
    const h = await harness(context, 'hostile', {
      body: '{"key":"{{ .Name }}/{{ .Count }}","message":"{{ .Message }}","reason":"{{ .Reason }}"}',
    });
    h.eventer('a');
    await started(h.receiver, context, h.namespace);
    const texts = [
      '\u0000\u0001\u0007\b\f\u001b[31mred\u001b[0m\r\n\t"quoted" \\back',
      'lone surrogates \ud800 \udfff end',
      Buffer.from([0x66, 0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]).toString('latin1'),
      '{{ .Name }} {{ printf "%s" .Reason }} <script>alert(1)</script>',
      '\u2028\u2029 line separators',
    ];
    const posted = await postEvents(context.kube, h.namespace, {
      prefix: 'hostile',
      count: texts.length * 4,
      message: (i) => texts[i % texts.length] as string,
    });
    const from = Date.now();
    await settle(h.receiver, posted, 60_000);
    await h.stopAll();
    return { ...count(this.name, posted, h.receiver, from), note: 'each body must still be valid JSON (the receiver parses it)' };
  },
};

const spoolFull: Scenario = {
  name: 'spool disk full',
  async run(context) {
    const spoolDir = join(context.dir, 'full-spool-a');
    await mkdir(spoolDir, { recursive: true });
    let how = 'a 1 MiB tmpfs as the spool directory';
    try {
      const { execFileSync } = await import('node:child_process');
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', spoolDir], { stdio: 'ignore' });
    } catch {
      how = 'the spool cap (--spool-max-bytes=1Mi; mounting a tmpfs was not permitted)';
    }
    // A small memory queue: what does not fit goes to the spool at once (not after the retries),
    // so the spool fills however fast the events arrive.
    const h = await harness(context, 'full', { delivery: { queueSize: 100 } });
    const port = await freePort();
    h.eventer('a', ['--spool-max-bytes=1Mi', `--healthz-port=${port}`]);
    await started(h.receiver, context, h.namespace);
    h.receiver.mode = 'fail';
    const droppedNow = async () => {
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`)
        .then((r) => r.text())
        .catch(() => '');
      return Number(/eventer_events_dropped_total\{[^}]*cause="spool_full"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
    };
    const posted = await postEvents(context.kube, h.namespace, {
      prefix: 'f',
      count: context.full ? 3000 : 1500,
      message: (i) => `${i} ${'m'.repeat(1000)}`,
      concurrency: 8,
    });
    // The receiver comes back only once the spool overflowed (else the row tests nothing).
    await waitFor('spool_full drops', async () => (await droppedNow()) > 0, { timeoutMs: 120_000 }).catch(() => undefined);
    await sleep(2000);
    h.receiver.mode = 'ok';
    const up = Date.now();
    // Done when everything is either delivered or counted as dropped.
    const delivered = () => posted.filter((p) => h.receiver.deliveries.has(`${p.name}/1`)).length;
    let dropped = 0;
    await waitFor(
      'delivered + dropped = created',
      async () => {
        dropped = await droppedNow();
        return dropped + delivered() >= posted.length;
      },
      { timeoutMs: 180_000 },
    ).catch(() => undefined);
    await h.stopAll();
    if (process.env.FAULTS_DEBUG) {
      const { execFileSync } = await import('node:child_process');
      context.log(execFileSync('sh', ['-c', `df -k ${spoolDir}; ls -laR ${spoolDir}`], { encoding: 'utf8' }));
    }
    if (how.startsWith('a 1 MiB')) {
      const { execFileSync } = await import('node:child_process');
      try {
        execFileSync('umount', [spoolDir], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    const row = count(this.name, posted, h.receiver, up, {
      // No drop at all means the spool never filled: the scenario did not happen.
      lost: dropped > 0 ? dropped : -1,
      duplicated: 0,
      text: 'the spool overflows; beyond it every event is dropped and counted (eventer_events_dropped_total{cause="spool_full"}): lost = counted drops',
    });
    return { ...row, note: `${how}; receiver down while ${posted.length} ~1 KB events arrived; ${dropped} drops counted` };
  },
};

export const scenarios: readonly Scenario[] = [
  killUnderLoad,
  apiserverRestart,
  compaction,
  receiverDown,
  receiverSlow,
  dingTalkStorm,
  slsQuota,
  leaderHandover,
  leaderKill,
  bigMessage,
  hostileText,
  spoolFull,
];

/** Runs scenarios: the cluster-disrupting ones one at a time, the rest `parallel` at a time. */
export async function runScenarios(context: FaultContext, selected: readonly Scenario[], parallel = 1): Promise<FaultRow[]> {
  const rows: FaultRow[] = [];
  const push = (row: FaultRow) => {
    rows.push(row);
    context.log(`${row.scenario}: ${row.created} created, ${row.delivered} delivered, ${row.lost} lost, ${row.duplicated} duplicated`);
  };
  const independent = selected.filter((s) => !s.disruptsCluster);
  for (let i = 0; i < independent.length; i += parallel) {
    for (const row of await Promise.all(independent.slice(i, i + parallel).map((s) => s.run(context)))) push(row);
  }
  for (const s of selected.filter((s) => s.disruptsCluster)) push(await s.run(context));
  return rows;
}

export function withinBound(row: FaultRow): boolean {
  return row.lost <= row.bound.lost && row.duplicated <= row.bound.duplicated;
}

export function faultTable(rows: readonly FaultRow[]): string {
  const lines = [
    '| scenario | created | delivered | lost | duplicated | seconds to recover | bound | within |',
    '|---|---:|---:|---:|---:|---:|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario}${r.note ? ` (${r.note})` : ''} | ${r.created} | ${r.delivered} | ${r.lost} | ${r.duplicated} | ${r.recoverSeconds.toFixed(1)} | ${r.bound.text} | ${withinBound(r) ? 'yes' : '**NO**'} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
