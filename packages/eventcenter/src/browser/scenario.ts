// What the browser test makes happen in the REAL control plane (testkit), so that every page has
// real events to show: each helper acts and returns what the test later looks for.
import type { ClusterClient } from '@ack-npd/testkit';
import { waitFor } from '@ack-npd/testkit';
import { AppsV1Api, type CoreV1Event, type V1Pod } from '@kubernetes/client-node';

const KWOK_TOLERATION = { key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' };
export const EVICT_TAINT = { key: 'ecui.example/evict', value: 'now', effect: 'NoExecute' };

async function events(cluster: ClusterClient, namespace: string, fieldSelector: string): Promise<CoreV1Event[]> {
  return (await cluster.core.listNamespacedEvent({ namespace, fieldSelector })).items;
}

export async function waitForEvent(
  cluster: ClusterClient,
  namespace: string,
  fieldSelector: string,
  timeoutMs = 60_000,
): Promise<CoreV1Event> {
  let found: CoreV1Event | undefined;
  await waitFor(
    `an event ${fieldSelector} in ${namespace}`,
    async () => {
      found = (await events(cluster, namespace, fieldSelector))[0];
      return found !== undefined;
    },
    { timeoutMs },
  );
  return found as CoreV1Event;
}

/**
 * A Deployment whose image cannot be pulled. The deployment and replicaset controllers and the
 * scheduler write their real events; kwok runs no image puller, so the test writes what a kubelet
 * writes for a failed pull (its reasons, messages and source) on the real pod.
 */
export async function unpullableDeployment(cluster: ClusterClient, namespace: string, node: string): Promise<V1Pod> {
  const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  const image = 'registry.invalid/shop/web:does-not-exist';
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': node },
            tolerations: [KWOK_TOLERATION, { key: EVICT_TAINT.key, operator: 'Exists', effect: 'NoExecute' }],
            containers: [{ name: 'web', image }],
          },
        },
      },
    },
  });
  let pod: V1Pod | undefined;
  await waitFor(
    'the web pod scheduled',
    async () => {
      pod = (await cluster.core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items.find((p) => p.spec?.nodeName);
      return pod !== undefined;
    },
    { timeoutMs: 60_000 },
  );
  const name = pod?.metadata?.name ?? '';
  await waitForEvent(cluster, namespace, `involvedObject.name=${name},reason=Scheduled`);
  const kubelet = (type: string, reason: string, message: string, seconds: number) =>
    kubeletEvent(cluster, pod as V1Pod, node, type, reason, message, seconds);
  await kubelet('Normal', 'Pulling', `Pulling image "${image}"`, 1);
  await kubelet(
    'Warning',
    'Failed',
    `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found`,
    2,
  );
  await kubelet('Warning', 'Failed', 'Error: ErrImagePull', 2);
  await kubelet('Normal', 'BackOff', `Back-off pulling image "${image}"`, 3);
  await kubelet('Warning', 'Failed', 'Error: ImagePullBackOff', 3);
  return pod as V1Pod;
}

/** A pod asking for more CPU than any kwok node has (32): the scheduler's real FailedScheduling. */
export async function unschedulablePod(cluster: ClusterClient, namespace: string): Promise<CoreV1Event> {
  await cluster.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'too-big' },
      spec: {
        tolerations: [KWOK_TOLERATION],
        containers: [{ name: 'app', image: 'registry.invalid/big:1', resources: { requests: { cpu: '1000', memory: '1Ti' } } }],
      },
    },
  });
  return waitForEvent(cluster, namespace, 'involvedObject.name=too-big,reason=FailedScheduling');
}

/** A pod on `node` without a toleration for a NoExecute taint: the taint-eviction controller's real eviction. */
export async function evictedPod(cluster: ClusterClient, namespace: string, node: string): Promise<CoreV1Event> {
  await cluster.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'evict-me' },
      spec: { nodeName: node, tolerations: [KWOK_TOLERATION], containers: [{ name: 'app', image: 'registry.invalid/app:1' }] },
    },
  });
  await waitFor(
    'evict-me running',
    async () => (await cluster.core.readNamespacedPod({ namespace, name: 'evict-me' })).status?.phase === 'Running',
    {
      timeoutMs: 60_000,
    },
  );
  await cluster.kubectl(['taint', 'node', node, `${EVICT_TAINT.key}=${EVICT_TAINT.value}:${EVICT_TAINT.effect}`]);
  return waitForEvent(cluster, namespace, 'involvedObject.name=evict-me,reason=TaintManagerEviction');
}

/** A pod on `node` that tolerates the eviction taint (npd's OOM fixture names it). */
export async function oomVictim(cluster: ClusterClient, namespace: string, node: string): Promise<V1Pod> {
  return cluster.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'oom-victim' },
      spec: {
        nodeName: node,
        tolerations: [KWOK_TOLERATION, { key: EVICT_TAINT.key, operator: 'Exists', effect: 'NoExecute' }],
        containers: [{ name: 'java', image: 'registry.invalid/java:21' }],
      },
    },
  });
}

/** An event as the kubelet on `node` writes it about `pod` (kwok has no kubelet to write it), `seconds` from now. */
export async function kubeletEvent(
  cluster: ClusterClient,
  pod: V1Pod,
  node: string,
  type: string,
  reason: string,
  message: string,
  seconds = 0,
): Promise<void> {
  const at = new Date(Date.now() + seconds * 1000);
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  await cluster.core.createNamespacedEvent({
    namespace,
    body: {
      metadata: { name: `${name}.${reason.toLowerCase()}.${at.getTime().toString(16)}${Math.random().toString(16).slice(2, 6)}` },
      involvedObject: {
        kind: 'Pod',
        namespace,
        name,
        uid: pod.metadata?.uid ?? '',
        apiVersion: 'v1',
        fieldPath: `spec.containers{${pod.spec?.containers[0]?.name ?? ''}}`,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: at,
      lastTimestamp: at,
      source: { component: 'kubelet', host: node },
      reportingComponent: 'kubelet',
      reportingInstance: node,
    },
  });
}
