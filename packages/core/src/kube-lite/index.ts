/**
 * A small Kubernetes client with no dependency on @kubernetes/client-node: resolve a target
 * (kubeconfig or in-cluster), then send JSON requests. Its own entry point
 * (`@ack-npd/core/kube-lite`), never in core's barrel.
 */
export { KubeClient, type KubeClientOptions, type KubeRequest, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from './client.ts';
export { type ExecPlugin, type KubeAuth, type KubeTarget, type KubeTargetOptions, loadKubeTarget, SERVICE_ACCOUNT_DIR } from './config.ts';
export { type ExecCredential, runExecPlugin } from './exec.ts';
