// `helm install` into the real cluster, then the agent and the eventer run as local processes with
// exactly the arguments the chart renders and the ServiceAccount tokens the chart's RBAC grants.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NPD_CLUSTER_ROLE } from '@ack-npd/npd/rbac';
import { type ClusterClient, sharedCluster, waitFor, writeJournalFile } from '@ack-npd/testkit';
import { freePort } from '@ack-npd/testkit/ports';
import { AppsV1Api, CoordinationV1Api, type V1Container } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';

const root = join(import.meta.dirname, '..', '..', '..');
const chart = join(import.meta.dirname, '..');
const healthyHost = join(root, 'packages', 'npd', 'src', 'checks', 'fixtures', 'healthy');

interface Received {
  EventType: string;
  EventKind: string;
  EventReason: string;
  EventMessage: string;
  /** What the webhook request carried besides the body. */
  authorization?: string | undefined;
  team?: string | undefined;
  url?: string | undefined;
}

/**
 * A webhook credential with every character that breaks or extends a URI query (`+ & % #`, and an
 * attempt to add `level=Normal`): it must reach the receiver byte for byte and change no sink option.
 */
const HOOK_TOKEN = 'Bearer t+k/=&level=Normal%20#frag';

describe('helm install ack-node-problem-detector', () => {
  let cluster: ClusterClient;
  let apps: AppsV1Api;
  let namespace: string;
  let release: string;
  let nodes: string[];
  let work: string;
  let hook: Server;
  const received: Received[] = [];
  const children: ChildProcess[] = [];
  const logs: Record<string, string> = { npd: '', eventer: '' };

  before(async () => {
    cluster = await sharedCluster();
    apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    namespace = await cluster.createNamespace('anpd');
    release = `anpd-${namespace.slice(-6)}`;
    nodes = await Promise.all([0, 1].map(() => cluster.createNode('anpd', { labels: { 'anpd-test': namespace } })));
    work = await mkdtemp(join(tmpdir(), 'anpd-install-'));
    hook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        received.push({
          ...(JSON.parse(body) as Received),
          authorization: request.headers.authorization,
          team: request.headers['x-team'] as string | undefined,
          url: request.url,
        });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    hook.close();
    await cluster.helm(['uninstall', release, '--namespace', namespace]).catch(() => undefined);
    await Promise.all(nodes.map((name) => cluster.core.deleteNode({ name }).catch(() => undefined)));
    await cluster.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  const hookUrl = (): string => `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  const fullname = (): string => `${release}-ack-node-problem-detector`;
  const container = async (kind: 'DaemonSet' | 'Deployment'): Promise<V1Container> => {
    const object =
      kind === 'DaemonSet'
        ? await apps.readNamespacedDaemonSet({ namespace, name: `${fullname()}-npd` })
        : await apps.readNamespacedDeployment({ namespace, name: `${fullname()}-eventer` });
    const first = object.spec?.template.spec?.containers[0];
    assert.ok(first, `${kind} has a container`);
    return first;
  };
  /** The chart's args, with only what must differ on a test machine replaced (paths, listen addresses). */
  const localArgs = (args: readonly string[], replace: Record<string, string>): string[] =>
    args.map((arg) => {
      const name = arg.split('=', 1)[0] ?? '';
      return name in replace ? `${name}=${replace[name]}` : arg;
    });
  const runLocally = (program: 'npd' | 'eventer', args: readonly string[], env: Record<string, string>): ChildProcess => {
    const child = spawn(process.execPath, ['--conditions=development', join(root, 'packages', program, 'src', 'main.ts'), ...args], {
      env: { ...process.env, ...env, KUBERNETES_SERVICE_HOST: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      logs[program] = ((logs[program] ?? '') + chunk.toString()).slice(-200_000);
    });
    child.on('exit', (code) => {
      if (code !== null && code !== 0) process.stderr.write(`${program} exited ${code}:\n${(logs[program] ?? '').slice(-20_000)}\n`);
    });
    children.push(child);
    return child;
  };

  it('installs: one agent pod per node and the eventer Deployment', async () => {
    // The webhook's URL and headers go in a values file: they are secrets and must end up in a Secret.
    const webhookValues = join(work, 'webhook-values.yaml');
    await writeFile(
      webhookValues,
      stringify({
        eventer: {
          sinks: { webhook: { enabled: true, url: `${hookUrl()}?sig=a%2Bb`, headers: [`Authorization=${HOOK_TOKEN}`, 'X-Team=ops'] } },
        },
      }),
    );
    await cluster.helm([
      'install',
      release,
      chart,
      '--namespace',
      namespace,
      '--values',
      webhookValues,
      '--set',
      `npd.nodeSelector.anpd-test=${namespace}`,
      '--set',
      'eventer.frequency=1s',
      '--set',
      'eventer.replicas=2',
      '--set',
      'plugin_settings.check_interval=1s',
      // kwok's fake nodes carry a NoSchedule taint; the agent tolerates everything already.
      '--set',
      'eventer.tolerations[0].key=kwok.x-k8s.io/node',
      '--set',
      'eventer.tolerations[0].operator=Exists',
      '--wait',
      '--timeout',
      '120s',
    ]);
    const daemonSet = await apps.readNamespacedDaemonSet({ namespace, name: `${fullname()}-npd` });
    assert.equal(daemonSet.status?.desiredNumberScheduled, 2);
    const pods = await cluster.core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/name=npd' });
    assert.deepEqual(pods.items.map((pod) => pod.spec?.nodeName).sort(), [...nodes].sort());
    const deployment = await apps.readNamespacedDeployment({ namespace, name: `${fullname()}-eventer` });
    assert.equal(deployment.status?.availableReplicas, 2);
  });

  it('grants the agent exactly the rules the agent declares it needs', async () => {
    const rendered = await cluster.helm(['template', release, chart, '--namespace', namespace]);
    const role = parseAllDocuments(rendered)
      .map((doc) => doc.toJS() as { kind: string; metadata: { name: string }; rules?: unknown })
      .find((doc) => doc?.kind === 'ClusterRole' && doc.metadata.name.endsWith('-npd'));
    assert.deepEqual(role?.rules, NPD_CLUSTER_ROLE.rules);
  });

  it('the agent, run with the chart-rendered args and the chart ServiceAccount token, does its whole job', async () => {
    // Every verb of the agent's ClusterRole is used here: get nodes (the Node's UID), patch nodes/status
    // (conditions), create events (FDPressure True), patch events (the same event again: count 2) and
    // list pods (PodOOMKilling posted on the Pod the kernel named).
    const { args = [] } = await container('DaemonSet');
    const [node] = nodes;
    assert.ok(node);
    const host = join(work, 'host');
    await cp(healthyHost, host, { recursive: true });
    const boot = Math.floor(Date.now() / 1000) - 1000;
    let sequence = 100;
    const kmsg = (message: string): string => `6,${sequence++},${Math.round((Date.now() / 1000 - boot) * 1_000_000)},-;${message}\n`;
    await writeFile(join(host, 'proc', 'stat'), `cpu  1 2 3 4\nbtime ${boot}\nprocesses 100\n`);
    await mkdir(join(host, 'dev'), { recursive: true });
    await writeFile(join(host, 'dev', 'kmsg'), kmsg('Linux version 6.6.0 (fixture)'));
    const fileNr = join(host, 'proc', 'sys', 'fs', 'file-nr');
    const healthyFileNr = '1000\t0\t1000000\n';
    await writeFile(fileNr, healthyFileNr);
    // The node's journal: kubelet started 5 times in the last 10 minutes (after its 5 minutes of boot
    // grace), containerd once, docker never.
    const minute = 60_000;
    await writeJournalFile(join(host, 'var', 'log', 'journal', 'system.journal'), [
      ...[10, 8, 6, 4, 2].map((ago) => ({
        time: Date.now() - ago * minute,
        identifier: 'systemd',
        message: 'Started kubelet.service - Kubernetes kubelet.',
      })),
      { time: Date.now() - 3 * minute, identifier: 'systemd', message: 'Starting containerd.service - containerd container runtime...' },
    ]);
    const kubeconfig = await cluster.serviceAccountKubeconfig(namespace, `${fullname()}-npd`);
    // Only paths and ports differ from the chart: the listen addresses are the chart's.
    const [port, prometheusPort] = [await freePort(), await freePort()];
    runLocally(
      'npd',
      [
        ...localArgs(args, { '--host-root': host, '--port': String(port), '--prometheus-port': String(prometheusPort) }),
        `--kubeconfig=${kubeconfig}`,
      ],
      { NODE_NAME: node },
    );
    let described = '';
    await waitFor(
      'ACK conditions and the restart counters in kubectl describe node',
      async () => {
        described = await cluster.kubectl(['describe', 'node', node]);
        return (
          /FDPressure\s+False.*NodeHasNoFDPressure\s+node has no fd pressure/.test(described) &&
          /InodesPressure\s+False.*NodeHasNoInodesPressure/.test(described) &&
          /KernelDeadlock\s+False.*KernelHasNoDeadlock/.test(described) &&
          /FrequentKubeletRestart\s+True/.test(described) &&
          /FrequentContainerdRestart\s+False/.test(described) &&
          /FrequentDockerRestart\s+False/.test(described)
        );
      },
      { timeoutMs: 60_000, describe: () => described },
    );
    assert.match(described, /NTPProblem\s+(True|False|Unknown)/);
    assert.match(described, /FrequentKubeletRestart\s+True.*FrequentKubeletRestart\s+kubelet restarted 5 times in the last 20m/);

    // Endpoints: the chart's probe reaches /healthz; nothing answers on another address of the machine.
    assert.ok(args.includes('--address=127.0.0.1') && args.includes('--prometheus-address=127.0.0.1'), 'the chart binds loopback');
    const healthUrl = new URL(`http://127.0.0.1:${port}`);
    const metricsUrl = new URL(`http://127.0.0.1:${prometheusPort}`);
    const { livenessProbe, readinessProbe } = await container('DaemonSet');
    for (const probe of [livenessProbe, readinessProbe]) {
      assert.deepEqual(
        { ...probe?.httpGet },
        { host: '127.0.0.1', path: '/healthz', port: 'http', scheme: 'HTTP' },
        'hostNetwork: the kubelet calls loopback',
      );
      const response = await fetch(`http://${probe?.httpGet?.host}:${healthUrl.port}${probe?.httpGet?.path}`);
      assert.equal(response.status, 200);
    }
    assert.equal((await fetch(new URL('/metrics', metricsUrl))).status, 200);
    for (const url of [new URL('/conditions', healthUrl), new URL('/healthz', healthUrl), new URL('/metrics', metricsUrl)]) {
      url.hostname = '127.0.0.2';
      await assert.rejects(
        fetch(url),
        (error: Error) => /ECONNREFUSED/.test(String((error.cause as Error | undefined)?.message ?? error)),
        `${url} refused`,
      );
    }

    const pressureEvents = async (): Promise<{ count: number; message: string }[]> =>
      (
        await cluster.core.listNamespacedEvent({
          namespace: 'default',
          fieldSelector: `involvedObject.name=${node},reason=NodeHasFDPressure`,
        })
      ).items.map((event) => ({ count: event.count ?? 1, message: event.message ?? '' }));
    const fdPressure = async (): Promise<string> =>
      /FDPressure\s+(True|False|Unknown)/.exec(await cluster.kubectl(['describe', 'node', node]))?.[1] ?? '';
    for (const round of [1, 2]) {
      // Each round waits for the node to show the new status, so the next flip is a real transition.
      await writeFile(fileNr, '950000\t0\t1000000\n');
      await waitFor(
        `FDPressure True and its event (round ${round})`,
        async () => (await fdPressure()) === 'True' && (await pressureEvents()).some((event) => event.count >= round),
        {
          timeoutMs: 30_000,
        },
      );
      await writeFile(fileNr, healthyFileNr);
      await waitFor(`FDPressure False again (round ${round})`, async () => (await fdPressure()) === 'False', { timeoutMs: 30_000 });
    }
    const [pressure] = await pressureEvents();
    assert.match(pressure?.message ?? '', /fd usage 95% \(950000\/1000000\) above 80%/);
    assert.equal(pressure?.count, 2, 'the repeat is a count bump (PATCH), not a second Event object');

    const npdPod = (await cluster.core.listNamespacedPod({ namespace, fieldSelector: `spec.nodeName=${node}` })).items[0];
    const uid = npdPod?.metadata?.uid ?? '';
    assert.ok(uid, 'the DaemonSet pod on the node');
    const slice = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid.replaceAll('-', '_')}.slice`;
    const cid = 'c'.repeat(64);
    await appendFile(
      join(host, 'dev', 'kmsg'),
      kmsg('node invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=999') +
        kmsg(
          `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-${cid}.scope,mems_allowed=0,oom_memcg=${slice}/cri-containerd-${cid}.scope,task_memcg=${slice}/cri-containerd-${cid}.scope,task=node,pid=4242,uid=0`,
        ) +
        kmsg(
          'Memory cgroup out of memory: Killed process 4242 (node) total-vm:1048576kB, anon-rss:200000kB, file-rss:1000kB, shmem-rss:0kB, UID:0 pgtables:400kB oom_score_adj:999',
        ),
    );
    await waitFor(
      'PodOOMKilling on the npd pod',
      async () =>
        (await cluster.core.listNamespacedEvent({ namespace, fieldSelector: 'reason=PodOOMKilling' })).items.some(
          (event) => event.involvedObject.kind === 'Pod' && event.involvedObject.uid === uid,
        ),
      { timeoutMs: 30_000 },
    );
    assert.doesNotMatch(logs.npd ?? '', /forbidden|\b403\b/i, 'the chart RBAC lets the agent do everything it tries');
  });

  it('the eventer, run with the chart-rendered args and the chart ServiceAccount token, does its whole job', async () => {
    // Every verb of the eventer's roles is used here: list + watch events (a second event arrives over
    // the watch), create/get/update the checkpoint ConfigMap and the leader Lease (renewals).
    const { args = [], env = [] } = await container('Deployment');
    const rendered = JSON.stringify(await apps.readNamespacedDeployment({ namespace, name: `${fullname()}-eventer` }));
    for (const secret of [hookUrl(), 't+k', 'X-Team']) assert.ok(!rendered.includes(secret), `"${secret}" is not in the Deployment`);
    // What the kubelet does: env from the Secrets the Deployment references.
    const secretEnv: Record<string, string> = {};
    for (const { name, valueFrom } of env) {
      const ref = valueFrom?.secretKeyRef;
      if (!ref) continue;
      const secret = await cluster.core.readNamespacedSecret({ namespace, name: ref.name ?? '' });
      secretEnv[name] = Buffer.from(secret.data?.[ref.key] ?? '', 'base64').toString();
    }
    assert.deepEqual(Object.keys(secretEnv).sort(), ['WEBHOOK_HEADERS', 'WEBHOOK_URL']);
    const kubeconfig = await cluster.serviceAccountKubeconfig(namespace, `${fullname()}-eventer`);
    runLocally(
      'eventer',
      [
        ...localArgs(args, {
          '--source': `kubernetes:?inClusterConfig=false&auth=${kubeconfig}`,
          '--healthz-port': '0',
          '--spool-dir': join(work, 'spool'),
        }),
        '--healthz-ip=127.0.0.1',
      ],
      { ...secretEnv, POD_NAME: 'eventer-local', POD_NAMESPACE: namespace },
    );
    const ship = async (suffix: string, type = 'Warning'): Promise<Received | undefined> => {
      const reason = `ChartProbe${suffix}`;
      await cluster.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name: `probe-${suffix}.${namespace}` },
          involvedObject: { kind: 'Pod', namespace, name: 'probe', apiVersion: 'v1' },
          reason,
          message: 'shipped through the chart-configured webhook',
          type,
          source: { component: 'install-test' },
          firstTimestamp: new Date(),
          lastTimestamp: new Date(),
          count: 1,
        },
      });
      if (type !== 'Warning') return undefined;
      await waitFor(`the webhook receives ${reason}`, () => received.some((event) => event.EventReason === reason), { timeoutMs: 60_000 });
      return received.find((item) => item.EventReason === reason);
    };
    await ship('normal', 'Normal');
    const first = await ship('one');
    assert.equal(first?.EventType, 'Warning');
    assert.equal(first?.EventKind, 'Pod');
    assert.equal(first?.authorization, HOOK_TOKEN, 'the header from the Secret arrives byte for byte');
    assert.equal(first?.team, 'ops');
    assert.equal(first?.url, '/hook?sig=a%2Bb', "the URL from the Secret, with its own query and none of the sink's options");
    assert.ok(!received.some((event) => event.EventType === 'Normal'), 'level=Warning holds: the secret injected no option');

    const checkpointName = `${fullname()}-eventer-checkpoint`;
    const lease = async () =>
      (await cluster.kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace, name: `${fullname()}-eventer` })).spec;
    await waitFor(
      'the checkpoint ConfigMap',
      async () => (await cluster.core.readNamespacedConfigMap({ namespace, name: checkpointName }).catch(() => undefined)) !== undefined,
      {
        timeoutMs: 15_000,
      },
    );
    const before = JSON.stringify((await cluster.core.readNamespacedConfigMap({ namespace, name: checkpointName })).data);
    const held = await lease();
    assert.equal(held?.holderIdentity, 'eventer-local');

    await ship('two');
    await waitFor(
      'the checkpoint updated and the lease renewed',
      async () => {
        const after = JSON.stringify((await cluster.core.readNamespacedConfigMap({ namespace, name: checkpointName })).data);
        const renewed = (await lease())?.renewTime;
        return after !== before && renewed !== undefined && new Date(renewed).getTime() > new Date(held?.renewTime ?? 0).getTime();
      },
      { timeoutMs: 20_000 },
    );
    assert.doesNotMatch(logs.eventer ?? '', /forbidden|\b403\b/i, 'the chart RBAC lets the eventer do everything it tries');
  });

  it('helm upgrade toggles a sink, and helm uninstall removes everything it made', async () => {
    const upgrade = (...sets: string[]): Promise<string> =>
      cluster.helm(['upgrade', release, chart, '--namespace', namespace, '--reuse-values', ...sets.flatMap((set) => ['--set', set])]);
    await upgrade('eventer.sinks.dingtalk.enabled=true', 'eventer.sinks.dingtalk.token=upgrade-token');
    let { args = [] } = await container('Deployment');
    assert.ok(args.some((arg) => arg.startsWith('--sink=dingtalk:https://oapi.dingtalk.com/robot/send?access_token=$DINGTALK_TOKEN')));
    assert.ok(args.some((arg) => arg.startsWith('--sink=webhook:')));
    const secret = await cluster.core.readNamespacedSecret({ namespace, name: `${fullname()}-eventer-dingtalk` });
    assert.equal(Buffer.from(secret.data?.token ?? '', 'base64').toString(), 'upgrade-token');

    await upgrade('eventer.sinks.dingtalk.enabled=false');
    ({ args = [] } = await container('Deployment'));
    assert.ok(!args.some((arg) => arg.startsWith('--sink=dingtalk:')));
    await assert.rejects(cluster.core.readNamespacedSecret({ namespace, name: `${fullname()}-eventer-dingtalk` }), /404|not found/i);

    await cluster.helm(['uninstall', release, '--namespace', namespace, '--wait']);
    await assert.rejects(apps.readNamespacedDaemonSet({ namespace, name: `${fullname()}-npd` }), /404|not found/i);
    await assert.rejects(apps.readNamespacedDeployment({ namespace, name: `${fullname()}-eventer` }), /404|not found/i);
    const roles = await cluster.kubectl(['get', 'clusterroles', '-o', 'name']);
    assert.ok(!roles.includes(fullname()), 'ClusterRoles removed');
  });
});
