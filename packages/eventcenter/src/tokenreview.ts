import type { KubeClient } from '@ack-npd/core/kube-lite';
import { kubeJson } from '@ack-npd/eventer/kube-http';

export interface ReviewedUser {
  readonly username: string;
  readonly groups: readonly string[];
}

/** Asks the apiserver who a bearer token belongs to (authentication.k8s.io/v1 TokenReview). */
export async function reviewToken(kube: KubeClient, token: string): Promise<ReviewedUser | undefined> {
  const review = await kubeJson<{ status?: { authenticated?: boolean; user?: { username?: string; groups?: string[] } } }>(
    kube,
    '/apis/authentication.k8s.io/v1/tokenreviews',
    { method: 'POST', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } },
  );
  if (!review.status?.authenticated) return undefined;
  return { username: review.status.user?.username ?? '', groups: review.status.user?.groups ?? [] };
}
