import { ApiException, CoreV1Api, type CoreV1Event, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { KubeApiError } from '../errors.ts';

/** A node condition as the API writes it (times are RFC 3339 strings). */
export interface ApiNodeCondition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly lastHeartbeatTime: string;
}

/** A pod on this node, as PodOOMKilling needs it. */
export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/**
 * The calls the Kubernetes exporter makes (and its RBAC allows): nodes get, nodes/status patch,
 * events create/patch, pods list (this node's, to post PodOOMKilling on the Pod).
 */
export interface NodeApi {
  getNode(name: string): Promise<{ readonly uid: string }>;
  /** Strategic-merge PATCH of nodes/{name}/status with these conditions (merged by type). */
  patchNodeStatus(name: string, conditions: readonly ApiNodeCondition[]): Promise<void>;
  createEvent(namespace: string, event: CoreV1Event): Promise<void>;
  /** Strategic-merge PATCH of an event (count, lastTimestamp, message). */
  patchEvent(namespace: string, name: string, patch: Partial<CoreV1Event>): Promise<void>;
  /** Pods bound to the node (fieldSelector spec.nodeName). */
  listPodsOnNode(nodeName: string): Promise<PodRef[]>;
}

export function createNodeApi(config: KubeConfig, options: { timeoutMs?: number } = {}): NodeApi {
  const api = config.makeApiClient(CoreV1Api);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
  const call = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        request(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new KubeApiError(`${what}: no answer in ${timeoutMs}ms`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      if (error instanceof KubeApiError) throw error;
      if (error instanceof ApiException) {
        const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body);
        throw new KubeApiError(`${what}: HTTP ${error.code}: ${body.slice(0, 300)}`, { status: error.code, cause: error });
      }
      throw new KubeApiError(`${what}: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async getNode(name) {
      const node = await call(`get node ${name}`, () => api.readNode({ name }));
      return { uid: node.metadata?.uid ?? '' };
    },
    async patchNodeStatus(name, conditions) {
      await call(`patch node ${name} status`, () => api.patchNodeStatus({ name, body: { status: { conditions } } }, strategic));
    },
    async createEvent(namespace, event) {
      await call('create event', () => api.createNamespacedEvent({ namespace, body: event }));
    },
    async patchEvent(namespace, name, patch) {
      await call(`patch event ${name}`, () => api.patchNamespacedEvent({ namespace, name, body: patch }, strategic));
    },
    async listPodsOnNode(nodeName) {
      const list = await call(`list pods on ${nodeName}`, () =>
        api.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` }),
      );
      return list.items.map((pod) => ({
        namespace: pod.metadata?.namespace ?? '',
        name: pod.metadata?.name ?? '',
        uid: pod.metadata?.uid ?? '',
      }));
    },
  };
}

/** RFC 3339 at second precision, as metav1.Time serializes. */
export function kubeTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
