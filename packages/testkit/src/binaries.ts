import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repoRoot = join(import.meta.dirname, '..', '..', '..');

export interface KubeBinaries {
  readonly binDir: string;
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kwok: string;
  readonly helm: string;
  /** Built with the control plane, so client and server versions match. */
  readonly kubectl: string;
  /** kwok Stages (node initialize + heartbeat, pod ready/complete/delete). */
  readonly kwokStages: string;
}

let cached: Promise<KubeBinaries> | undefined;

/**
 * The control plane binaries, built from the Go module proxy by scripts/k8s/build.sh and
 * cached under ~/.cache/ack-npd/ (instant when warm; scripts/test builds them before tests run).
 */
export function kubeBinaries(): Promise<KubeBinaries> {
  cached ??= locate();
  return cached;
}

async function locate(): Promise<KubeBinaries> {
  const fromEnv = process.env.ACK_NPD_K8S_BIN;
  const binDir =
    fromEnv ??
    (await run('bash', [join(repoRoot, 'scripts', 'k8s', 'build.sh')], { maxBuffer: 1 << 20, timeout: 60 * 60_000 })).stdout.trim();
  const bin = (name: string): string => {
    const path = join(binDir, name);
    if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/k8s/build.sh`);
    return path;
  };
  const kwokStages = join(dirname(binDir), 'kwok', 'stages.yaml');
  if (!existsSync(kwokStages)) throw new Error(`${kwokStages} is missing: run scripts/k8s/build.sh`);
  return {
    binDir,
    etcd: bin('etcd'),
    kubeApiserver: bin('kube-apiserver'),
    kubeControllerManager: bin('kube-controller-manager'),
    kubeScheduler: bin('kube-scheduler'),
    kwok: bin('kwok'),
    helm: bin('helm'),
    kubectl: bin('kubectl'),
    kwokStages,
  };
}
