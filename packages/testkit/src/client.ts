import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiException, CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import { writeKubeconfig } from './kubeconfig.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

/** What a test needs to reach a running cluster; serializable, so a shared cluster can hand it to other processes. */
export interface ClusterInfo {
  readonly server: string;
  /** Admin (system:masters) kubeconfig. */
  readonly kubeconfigPath: string;
  readonly caCert: string;
  /** Names of the Ready kwok nodes created at start. */
  readonly nodes: readonly string[];
  /** Where per-test files (service-account kubeconfigs) go. */
  readonly workDir: string;
  readonly binDir: string;
  readonly version: string;
}

/** Test-side helpers over a running cluster: admin client, tokens with exact RBAC, isolation by namespace/node. */
export class ClusterClient {
  readonly info: ClusterInfo;
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;

  constructor(info: ClusterInfo) {
    this.info = info;
    this.kubeConfig = new KubeConfig();
    this.kubeConfig.loadFromFile(info.kubeconfigPath);
    this.core = this.kubeConfig.makeApiClient(CoreV1Api);
  }

  get kubeconfigPath(): string {
    return this.info.kubeconfigPath;
  }

  get nodes(): readonly string[] {
    return this.info.nodes;
  }

  /**
   * A kubeconfig whose only credential is a TokenRequest token of ServiceAccount `namespace/name`
   * (created if missing), so code under test runs with exactly the RBAC bound to that account.
   */
  async serviceAccountKubeconfig(namespace: string, name: string, options: { expirationSeconds?: number } = {}): Promise<string> {
    try {
      await this.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 409)) throw error;
    }
    const request = await this.core.createNamespacedServiceAccountToken({
      namespace,
      name,
      body: { spec: { audiences: [], expirationSeconds: options.expirationSeconds ?? 3600 } },
    });
    const token = request.status?.token;
    if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
    const path = join(this.info.workDir, `sa-${namespace}-${name}-${randomBytes(4).toString('hex')}.kubeconfig`);
    return writeKubeconfig(path, { server: this.info.server, caCert: this.info.caCert, user: { token } });
  }

  /**
   * A ServiceAccount bound to a fresh ClusterRole with exactly `rules`, and a kubeconfig with its token,
   * returned once the binding is in effect (`kubectl auth can-i <probe>` says yes).
   */
  async serviceAccountWithClusterRole(
    namespace: string,
    name: string,
    rules: readonly { apiGroups: readonly string[]; resources: readonly string[]; verbs: readonly string[] }[],
    probe: readonly string[],
  ): Promise<string> {
    const role = `${namespace}-${name}-${randomBytes(3).toString('hex')}`;
    const manifest = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: role }, rules },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: role },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      },
    ];
    await this.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifest }) });
    const kubeconfig = await this.serviceAccountKubeconfig(namespace, name);
    await waitFor(
      'the RBAC binding to take effect',
      async () => (await this.kubectl(['auth', 'can-i', ...probe], { kubeconfig })).trim() === 'yes',
      {
        timeoutMs: 30_000,
      },
    );
    return kubeconfig;
  }

  /** A fresh namespace `<prefix>-<random>`, for isolation between tests sharing the cluster. */
  async createNamespace(prefix: string): Promise<string> {
    const name = `${prefix}-${randomBytes(3).toString('hex')}`.toLowerCase();
    await this.core.createNamespace({ body: { metadata: { name } } });
    return name;
  }

  /** Registers a kwok node and waits until kwok reports it Ready. */
  async createNode(prefix: string, options: { labels?: Record<string, string>; timeoutMs?: number } = {}): Promise<string> {
    const name = `${prefix}-${randomBytes(3).toString('hex')}`.toLowerCase();
    await this.core.createNode({ body: kwokNode(name, options.labels) });
    await waitFor(`node ${name} Ready`, async () => isReady(await this.core.readNode({ name })), {
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    return name;
  }

  /** Runs the kubectl built with the control plane (same version) against this cluster as admin (or another kubeconfig). */
  async kubectl(args: readonly string[], options: { kubeconfig?: string; input?: string } = {}): Promise<string> {
    return this.#exec(
      join(this.info.binDir, 'kubectl'),
      ['--kubeconfig', options.kubeconfig ?? this.info.kubeconfigPath, ...args],
      options.input,
    );
  }

  /** Runs the cached helm binary against this cluster, with helm's own state kept in the work dir. */
  async helm(args: readonly string[], options: { kubeconfig?: string } = {}): Promise<string> {
    const helm = join(this.info.binDir, 'helm');
    return this.#exec(helm, ['--kubeconfig', options.kubeconfig ?? this.info.kubeconfigPath, ...args], undefined, {
      HELM_CACHE_HOME: join(this.info.workDir, 'helm', 'cache'),
      HELM_CONFIG_HOME: join(this.info.workDir, 'helm', 'config'),
      HELM_DATA_HOME: join(this.info.workDir, 'helm', 'data'),
    });
  }

  async #exec(command: string, args: readonly string[], input?: string, env?: Record<string, string>): Promise<string> {
    const child = run(command, [...args], { maxBuffer: 64 << 20, timeout: 300_000, env: { ...process.env, ...env } });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    try {
      return (await child).stdout;
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`${command} ${args.join(' ')} failed: ${stderr || stdout || (error as Error).message}`, { cause: error });
    }
  }
}

export function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
}

/** The node object kwok's docs use for a fake node (kwok manages it: heartbeats, Ready, pods). */
export function kwokNode(name: string, labels: Record<string, string> = {}): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/role': 'agent',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
        ...labels,
      },
    },
    spec: { taints: [{ effect: 'NoSchedule', key: 'kwok.x-k8s.io/node', value: 'fake' }] },
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'fake',
        kubeProxyVersion: 'fake',
        bootID: '',
        containerRuntimeVersion: '',
        kernelVersion: '',
        machineID: '',
        osImage: '',
        systemUUID: '',
      },
    },
  };
}
