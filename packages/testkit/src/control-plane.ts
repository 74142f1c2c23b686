import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeBinaries, kubeBinaries } from './binaries.ts';
import { ClusterClient, type ClusterInfo, isReady, kwokNode } from './client.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { createPki, type Pki } from './pki.ts';
import { freePort } from './ports.ts';
import { Component, ProcessGroups } from './processes.ts';
import { waitFor } from './wait.ts';

export interface ClusterOptions {
  /** Ready kwok nodes to create at start (named kwok-node-0..N-1). */
  readonly nodes?: number;
  /** Parent of the cluster's temp dir. */
  readonly tmpDir?: string;
  /** Log progress lines to stderr. */
  readonly verbose?: boolean;
}

const SERVICE_CIDR = '10.96.0.0/16';
const SERVICE_IP = '10.96.0.1';

/**
 * A real control plane on 127.0.0.1 and free ports: etcd, kube-apiserver (RBAC + Node
 * authorization, service-account tokens), kube-controller-manager, kube-scheduler and kwok.
 * Everything lives in a temp dir and is torn down by stop(), or by a watchdog when the
 * owning process dies.
 */
export class Cluster extends ClusterClient {
  readonly #components: Map<string, Component>;
  readonly #groups: ProcessGroups;
  readonly #restartApiserver: () => Promise<Component>;

  constructor(
    info: ClusterInfo,
    parts: { components: Map<string, Component>; groups: ProcessGroups; restartApiserver: () => Promise<Component> },
  ) {
    super(info);
    this.#components = parts.components;
    this.#groups = parts.groups;
    this.#restartApiserver = parts.restartApiserver;
  }

  /** Stops kube-apiserver and starts it again on the same port and etcd (watches break, data stays). */
  async restartApiserver(): Promise<void> {
    await this.#components.get('kube-apiserver')?.stop();
    this.#components.set('kube-apiserver', await this.#restartApiserver());
  }

  async stop(): Promise<void> {
    const order = ['kwok', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd'];
    for (const name of order) await this.#components.get(name)?.stop();
    this.#groups.stopWatchdog();
    await rm(this.info.workDir, { recursive: true, force: true });
  }

  logs(component: string, lines = 40): string {
    return this.#components.get(component)?.tail(lines) ?? '';
  }
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const started = Date.now();
  const say = (message: string): void => {
    if (options.verbose) process.stderr.write(`[testkit ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
  };
  const binaries = await kubeBinaries();
  const workDir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'ack-npd-cluster-'));
  const logDir = join(workDir, 'logs');
  await Promise.all([mkdir(logDir), mkdir(join(workDir, 'pki')), mkdir(join(workDir, 'etcd'))]);
  const groups = new ProcessGroups(workDir);
  groups.startWatchdog(process.pid, workDir);
  const components = new Map<string, Component>();
  const launch = (name: string, command: string, args: readonly string[]): Component => {
    const component = new Component({ name, command, args, logDir, groups });
    components.set(name, component);
    return component;
  };
  const failure = (): string =>
    [...components.values()].map((component) => `--- ${component.name} (running: ${component.running})\n${component.tail(15)}`).join('\n');

  try {
    const [pki, etcdPort, etcdPeerPort, apiPort, kcmPort, schedulerPort, kwokPort] = await Promise.all([
      createPki(join(workDir, 'pki'), SERVICE_IP),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    say('certificates ready');
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = (name: string, pair: { cert: string; key: string }): Promise<string> =>
      writeKubeconfig(join(workDir, `${name}.kubeconfig`), { server, caCert: pki.caCert, user: pair });
    const [adminKubeconfig, kcmKubeconfig, schedulerKubeconfig] = await Promise.all([
      kubeconfig('admin', pki.admin),
      kubeconfig('kube-controller-manager', pki.controllerManager),
      kubeconfig('kube-scheduler', pki.scheduler),
    ]);

    const etcd = launch('etcd', binaries.etcd, etcdArgs(join(workDir, 'etcd'), etcdPort, etcdPeerPort));
    await waitFor('etcd /health', () => httpsOk(`http://127.0.0.1:${etcdPort}/health`), { timeoutMs: 30_000, describe: failure });
    say(`etcd ready (pid ${etcd.pid})`);

    const startApiserver = async (): Promise<Component> => {
      const component = launch('kube-apiserver', binaries.kubeApiserver, apiserverArgs(pki, apiPort, etcdPort));
      await waitFor('kube-apiserver /readyz', () => httpsOk(`${server}/readyz`, pki), { timeoutMs: 120_000, describe: failure });
      return component;
    };
    await startApiserver();
    say('kube-apiserver ready');

    launch('kube-controller-manager', binaries.kubeControllerManager, controllerManagerArgs(pki, kcmKubeconfig, kcmPort));
    launch('kube-scheduler', binaries.kubeScheduler, schedulerArgs(schedulerKubeconfig, schedulerPort));
    launch('kwok', binaries.kwok, kwokArgs(binaries, adminKubeconfig, kwokPort));
    await Promise.all([
      waitFor('kube-controller-manager /healthz', () => httpsOk(`https://127.0.0.1:${kcmPort}/healthz`), {
        timeoutMs: 60_000,
        describe: failure,
      }),
      waitFor('kube-scheduler /readyz', () => httpsOk(`https://127.0.0.1:${schedulerPort}/readyz`), {
        timeoutMs: 60_000,
        describe: failure,
      }),
      waitFor('kwok /healthz', () => httpsOk(`https://127.0.0.1:${kwokPort}/healthz`), { timeoutMs: 60_000, describe: failure }),
    ]);
    say('controller-manager, scheduler and kwok ready');

    const version = JSON.parse(await httpsGet(`${server}/version`, pki)) as { gitVersion: string };
    const info: ClusterInfo = {
      server,
      kubeconfigPath: adminKubeconfig,
      caCert: pki.caCert,
      nodes: Array.from({ length: options.nodes ?? 2 }, (_, index) => `kwok-node-${index}`),
      workDir,
      binDir: binaries.binDir,
      version: version.gitVersion,
    };
    const cluster = new Cluster(info, { components, groups, restartApiserver: startApiserver });
    await createInitialNodes(cluster, failure);
    // Workloads need the default ServiceAccount, which the serviceaccount controller creates.
    await waitFor(
      'default/default ServiceAccount',
      async () =>
        (await cluster.core.listNamespacedServiceAccount({ namespace: 'default' })).items.some((sa) => sa.metadata?.name === 'default'),
      { timeoutMs: 60_000, describe: failure },
    );
    say(`cluster ${info.version} ready with ${info.nodes.length} nodes; KUBECONFIG=${adminKubeconfig}`);
    return cluster;
  } catch (error) {
    for (const component of [...components.values()].reverse()) await component.stop(1000);
    groups.stopWatchdog();
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}

async function createInitialNodes(cluster: Cluster, failure: () => string): Promise<void> {
  await Promise.all(cluster.info.nodes.map((name) => cluster.core.createNode({ body: kwokNode(name) })));
  await waitFor(
    `${cluster.info.nodes.length} kwok nodes Ready`,
    async () => {
      const list = await cluster.core.listNode({ labelSelector: 'type=kwok' });
      return cluster.info.nodes.every((name) => list.items.some((node) => node.metadata?.name === name && isReady(node)));
    },
    { timeoutMs: 60_000, describe: failure },
  );
}

function etcdArgs(dataDir: string, port: number, peerPort: number): string[] {
  return [
    '--name=testkit',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=http://127.0.0.1:${port}`,
    `--advertise-client-urls=http://127.0.0.1:${port}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=testkit=http://127.0.0.1:${peerPort}`,
    '--initial-cluster-state=new',
    // A test cluster's data is disposable; skipping fsync keeps etcd fast on a busy 2-core box.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

function apiserverArgs(pki: Pki, port: number, etcdPort: number): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    '--endpoint-reconciler-type=none',
    `--secure-port=${port}`,
    `--tls-cert-file=${pki.apiserver.cert}`,
    `--tls-private-key-file=${pki.apiserver.key}`,
    `--client-ca-file=${pki.caCert}`,
    '--authorization-mode=Node,RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--allow-privileged=true',
    '--profiling=false',
    // Short event TTL is not wanted: tests read events back minutes later.
    '--event-ttl=1h',
  ];
}

function controllerManagerArgs(pki: Pki, kubeconfig: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    '--leader-elect=false',
    '--controllers=*',
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--profiling=false',
  ];
}

function schedulerArgs(kubeconfig: string, port: number): string[] {
  return [`--kubeconfig=${kubeconfig}`, '--bind-address=127.0.0.1', `--secure-port=${port}`, '--leader-elect=false', '--profiling=false'];
}

function kwokArgs(binaries: KubeBinaries, kubeconfig: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--config=${binaries.kwokStages}`,
    '--manage-all-nodes=true',
    '--node-lease-duration-seconds=40',
    '--cidr=10.244.0.0/16',
    '--node-ip=127.0.0.1',
    `--server-address=127.0.0.1:${port}`,
  ];
}

interface ClientTls {
  readonly caCert: string;
  readonly admin: { cert: string; key: string };
}

async function httpsGet(url: string, tls?: ClientTls): Promise<string> {
  const target = new URL(url);
  if (target.protocol === 'http:') {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.text();
  }
  const [ca, cert, key] = tls
    ? await Promise.all([readFile(tls.caCert), readFile(tls.admin.cert), readFile(tls.admin.key)])
    : [undefined, undefined, undefined];
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, cert, key, rejectUnauthorized: tls !== undefined, timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => {
        if ((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300) resolve(body);
        else reject(new Error(`${url}: HTTP ${response.statusCode}: ${body.slice(0, 200)}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

async function httpsOk(url: string, tls?: ClientTls): Promise<boolean> {
  await httpsGet(url, tls);
  return true;
}
