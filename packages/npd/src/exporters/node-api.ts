import { type KubeClient, type KubeRequest, STRATEGIC_MERGE_PATCH } from '@ack-npd/core/kube-lite';

/** A node condition as the API writes it (times are RFC 3339 strings). */
export interface ApiNodeCondition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly lastHeartbeatTime: string;
}

/** An Event as the exporter writes it (core/v1; timestamps serialize as RFC 3339). */
export interface ApiEvent {
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly involvedObject: {
    readonly kind: string;
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly apiVersion: string;
  };
  readonly reason: string;
  readonly message: string;
  readonly type: string;
  readonly source: { readonly component: string; readonly host: string };
  readonly firstTimestamp: Date;
  readonly lastTimestamp: Date;
  readonly count: number;
  readonly reportingComponent: string;
  readonly reportingInstance: string;
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
  createEvent(namespace: string, event: ApiEvent): Promise<void>;
  /** Strategic-merge PATCH of an event (count, lastTimestamp, message). */
  patchEvent(namespace: string, name: string, patch: Partial<ApiEvent>): Promise<void>;
  /** Pods bound to the node (fieldSelector spec.nodeName). */
  listPodsOnNode(nodeName: string): Promise<PodRef[]>;
}

/** Creates the client from a resolved target (kubeconfig or in-cluster); no @kubernetes/client-node involved. */
export function createNodeApi(client: KubeClient): NodeApi {
  const call = <T>(description: string, request: KubeRequest): Promise<T> => client.request<T>({ ...request, description });
  const enc = encodeURIComponent;
  return {
    async getNode(name) {
      const node = await call<{ metadata?: { uid?: string } }>(`get node ${name}`, { method: 'GET', path: `/api/v1/nodes/${enc(name)}` });
      return { uid: node.metadata?.uid ?? '' };
    },
    async patchNodeStatus(name, conditions) {
      await call(`patch node ${name} status`, {
        method: 'PATCH',
        path: `/api/v1/nodes/${enc(name)}/status`,
        body: { status: { conditions } },
        contentType: STRATEGIC_MERGE_PATCH,
      });
    },
    async createEvent(namespace, event) {
      await call('create event', { method: 'POST', path: `/api/v1/namespaces/${enc(namespace)}/events`, body: event });
    },
    async patchEvent(namespace, name, patch) {
      await call(`patch event ${name}`, {
        method: 'PATCH',
        path: `/api/v1/namespaces/${enc(namespace)}/events/${enc(name)}`,
        body: patch,
        contentType: STRATEGIC_MERGE_PATCH,
      });
    },
    async listPodsOnNode(nodeName) {
      const list = await call<{ items?: { metadata?: { namespace?: string; name?: string; uid?: string } }[] }>(
        `list pods on ${nodeName}`,
        { method: 'GET', path: '/api/v1/pods', query: { fieldSelector: `spec.nodeName=${nodeName}` } },
      );
      return (list.items ?? []).map((pod) => ({
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
