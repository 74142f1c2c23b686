// Starts a real control plane by hand for local development:
//   scripts/cluster [--nodes N]
// prints the KUBECONFIG to use with kubectl and keeps the cluster up until Ctrl-C.
import { parseArgs } from 'node:util';
import { startCluster } from './control-plane.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '2' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  process.stdout.write(
    'usage: scripts/cluster [--nodes N]\n  starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok with N fake nodes\n',
  );
  process.exit(0);
}
const nodes = Number(values.nodes);
if (!Number.isInteger(nodes) || nodes < 0) {
  process.stderr.write(`--nodes must be a whole number, got "${values.nodes}"\n`);
  process.exit(2);
}
const cluster = await startCluster({ nodes, verbose: true });
process.stdout.write(
  [
    `cluster ${cluster.info.version} is up with ${cluster.nodes.length} kwok nodes (Ctrl-C stops it and removes ${cluster.info.workDir})`,
    '',
    `  export KUBECONFIG=${cluster.kubeconfigPath}`,
    `  export PATH=${cluster.info.binDir}:$PATH   # kubectl and helm built with the control plane`,
    '  kubectl get nodes',
    '',
  ].join('\n'),
);
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  process.stderr.write('stopping the cluster...\n');
  await cluster.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => undefined, 1 << 30);
