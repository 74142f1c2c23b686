import type { KubeClient } from '@ack-npd/core/kube-lite';
import { KubeApiError } from '@ack-npd/eventer/errors';
import { kubeJson } from '@ack-npd/eventer/kube-http';
import type { OwnerLookup, OwnerRef } from './lifecycle.ts';

const PATHS: Readonly<Record<string, string>> = {
  Pod: 'api/v1/namespaces/{ns}/pods',
  ReplicaSet: 'apis/apps/v1/namespaces/{ns}/replicasets',
  Job: 'apis/batch/v1/namespaces/{ns}/jobs',
};

/** Owner references read from the cluster (needs get on pods, replicasets, jobs). Undefined: object gone. */
export function clusterOwnerLookup(kube: KubeClient): OwnerLookup {
  return async (namespace, kind, name) => {
    const path = PATHS[kind];
    if (!path) return [];
    try {
      const object = await kubeJson<{ metadata?: { ownerReferences?: { kind: string; name: string; controller?: boolean }[] } }>(
        kube,
        `/${path.replace('{ns}', encodeURIComponent(namespace))}/${encodeURIComponent(name)}`,
      );
      const refs = object.metadata?.ownerReferences ?? [];
      return refs.filter((r) => r.controller !== false).map((r): OwnerRef => ({ kind: r.kind, name: r.name }));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  };
}
