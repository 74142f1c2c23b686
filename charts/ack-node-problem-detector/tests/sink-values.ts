// Shared by the sink-values tests: render the chart with sink values, apply it to a real
// apiserver (dry run), and check that the eventer builds every rendered --sink URI.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ClusterClient } from '@ack-npd/testkit';
import { parseAllDocuments } from 'yaml';
import { parseSinkSpec } from '../../../packages/eventer/src/config/sink-uri.ts';
import { manualClock, sinkContext } from '../../../packages/eventer/src/sinks/fixtures/aliyun-sink-events.ts';
import { sinkFactory } from '../../../packages/eventer/src/sinks/index.ts';

const chart = join(import.meta.dirname, '..');

interface Manifest {
  kind: string;
  metadata: { name: string };
  stringData?: Record<string, string>;
  spec?: {
    template: {
      spec: { containers: { args: string[]; env: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }[] };
    };
  };
}

/** `--set` arguments from `key=value` strings and a map of secret values. */
export function setArgs(values: readonly string[], secrets: Readonly<Record<string, string>>): string[] {
  return [...values, ...Object.entries(secrets).map(([k, v]) => `${k}=${v}`)].flatMap((value) => ['--set', value]);
}

export const template = (cluster: ClusterClient, args: readonly string[]) =>
  cluster.helm(['template', 'anpd', chart, '--namespace', 'kube-system', ...args]);

/**
 * Renders, dry-runs on the apiserver, asserts no secret value is in the eventer Deployment;
 * returns its --sink args, its env (name -> secretKeyRef) and the Secrets' data by sink.
 */
export async function renderSinks(cluster: ClusterClient, args: readonly string[], secrets: Readonly<Record<string, string>>) {
  const rendered = await template(cluster, args);
  assert.match(await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: rendered }), /created \(server dry run\)/);
  const docs = parseAllDocuments(rendered)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((doc): doc is Manifest => doc !== null);
  const deployment = docs.find((doc) => doc.kind === 'Deployment' && doc.metadata.name.endsWith('-eventer'));
  const container = deployment?.spec?.template.spec.containers[0];
  assert.ok(container);
  for (const secret of Object.values(secrets)) assert.ok(!JSON.stringify(deployment).includes(secret), `${secret} in the Deployment`);
  return {
    sinks: container.args.filter((arg) => arg.startsWith('--sink=')),
    env: new Map(container.env.map((e) => [e.name, e.valueFrom?.secretKeyRef])),
    secrets: new Map(
      docs
        .filter((doc) => doc.kind === 'Secret')
        .map((doc) => [doc.metadata.name.replace('anpd-ack-node-problem-detector-eventer-', ''), doc.stringData]),
    ),
  };
}

/** The eventer takes every rendered URI, with the Secrets' values in its environment. */
export async function buildEverySink(sinks: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  for (const arg of sinks) {
    const spec = parseSinkSpec(arg.slice('--sink='.length), { env });
    const sink = await sinkFactory(spec)(spec, sinkContext(manualClock(0), env));
    assert.equal(sink.name, spec.key);
    await sink.close();
  }
}
