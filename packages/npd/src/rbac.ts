/**
 * Exactly what the agent needs from the API (the chart renders the same rules; its test keeps them
 * equal): read its Node, patch its status, create events and patch their count (on the Node, and on
 * Pods for PodOOMKilling), list the Pods on its node to name an OOM-killed one.
 */
export const NPD_CLUSTER_ROLE = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: 'ack-node-problem-detector' },
  rules: [
    { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
    { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
  ],
} as const;
