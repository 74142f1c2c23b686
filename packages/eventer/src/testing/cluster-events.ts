import { KubeClient, loadKubeTarget } from '@ack-npd/core/kube-lite';
import type { ClusterClient } from '@ack-npd/testkit';

/** Retries a call while the apiserver is unreachable (restarting), for up to a minute. */
async function withRetry<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Creates events `from..to-1` in the namespace, `concurrency` at a time; returns their uids. */
export async function createEvents(
  cluster: ClusterClient,
  namespace: string,
  from: number,
  to: number,
  concurrency = 16,
): Promise<string[]> {
  const uids: string[] = [];
  let next = from;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      const now = new Date();
      const name = `e2e-${i}.${now.getTime().toString(16)}`;
      const create = () =>
        cluster.core.createNamespacedEvent({
          namespace,
          body: {
            metadata: { name },
            involvedObject: { kind: 'Pod', name: `pod-${i}`, namespace, apiVersion: 'v1' },
            reason: i % 3 === 0 ? 'BackOff' : 'Scheduled',
            message: `event ${i}`,
            type: i % 3 === 0 ? 'Warning' : 'Normal',
            count: 1,
            firstTimestamp: now,
            lastTimestamp: now,
            source: { component: 'e2e' },
          },
        });
      // A create whose answer was lost in an apiserver restart comes back as 409 on retry.
      const createOrRead = () =>
        create().catch((error: unknown) => {
          if ((error as { code?: number }).code === 409) return cluster.core.readNamespacedEvent({ namespace, name });
          throw error;
        });
      uids.push((await withRetry(createOrRead)).metadata?.uid ?? '');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return uids;
}

/** The eventer's apiserver client for the test cluster (admin credentials). */
export async function clusterKube(cluster: ClusterClient): Promise<KubeClient> {
  return new KubeClient(await loadKubeTarget({ kubeconfig: cluster.kubeconfigPath, env: {} }));
}
