// The chart renders what users ask for, and a real apiserver accepts every rendering (server-side dry run).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type ClusterClient, sharedCluster } from '@ack-npd/testkit';
import { parseAllDocuments } from 'yaml';

const chart = join(import.meta.dirname, '..');

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
}

const renderings: Record<string, string[]> = {
  defaults: [],
  'npd disabled': ['--set', 'npd.enabled=false'],
  'log sink': ['--set', 'eventer.sinks.log.enabled=true'],
  'dingtalk sink': [
    '--set',
    'eventer.sinks.dingtalk.enabled=true',
    '--set',
    'eventer.sinks.dingtalk.token=T0KEN',
    '--set',
    'eventer.sinks.dingtalk.secret=SECabc',
  ],
  'sls sink': [
    '--set',
    'eventer.sinks.sls.enabled=true',
    '--set',
    'eventer.sinks.sls.project=k8s-log-c1',
    '--set',
    'regionId=cn-hangzhou',
    '--set',
    'eventer.credentials.existingSecret=alibaba-addon-secret',
  ],
  'eventbridge sink': [
    '--set',
    'eventer.sinks.eventbridge.enabled=true',
    '--set',
    'clusterId=c1',
    '--set',
    'regionId=cn-hangzhou',
    '--set',
    'eventer.credentials.accessKeyId=AK',
    '--set',
    'eventer.credentials.accessKeySecret=SK',
  ],
  'webhook sink': [
    '--set',
    'eventer.sinks.webhook.enabled=true',
    '--set',
    'eventer.sinks.webhook.url=https://hooks.example.com/k8s',
    '--set',
    'eventer.sinks.webhook.headers[0]=X-Token=abc',
  ],
  'webhook sink from an existing Secret': [
    '--set',
    'eventer.sinks.webhook.enabled=true',
    '--set',
    'eventer.sinks.webhook.existingSecret=my-hook',
  ],
  'agent without hostNetwork (exec probes)': ['--set', 'alibaba_cloud_plugins={fd_check}'],
  'two eventers with leader election': ['--set', 'eventer.replicas=2', '--set', 'eventer.sinks.log.enabled=true'],
  'event center on SQLite with a PVC': [
    '--set',
    'eventcenter.enabled=true',
    '--set',
    'eventcenter.persistence.enabled=true',
    '--set',
    'eventcenter.auth.editorTokens=ED1T',
    '--set',
    'clusterId=c1',
  ],
  'event center on PostgreSQL with TokenReview': [
    '--set',
    'eventcenter.enabled=true',
    '--set',
    'eventcenter.backend=postgres',
    '--set',
    'eventcenter.postgres.existingSecret=pg-dsn',
    '--set',
    'eventcenter.auth.mode=tokenreview',
    '--set',
    'eventcenter.auth.editors={system:masters}',
    '--set',
    'eventcenter.notify[0]=ops=webhook:https://hooks.example.com/alerts?method=POST',
  ],
  'fleet center: ingest through an Ingress with TLS, a token per member cluster': [
    '--set',
    'eventcenter.enabled=true',
    '--set',
    'clusterName=hub',
    '--set',
    'eventcenter.ingress.enabled=true',
    '--set',
    'eventcenter.ingress.className=nginx',
    '--set',
    'eventcenter.ingress.host=events.example.com',
    '--set',
    'eventcenter.ingress.tls.secretName=events-tls',
    '--set',
    'eventcenter.auth.clusterTokens=c-hz=T0K1\\,c-bj=T0K2',
  ],
  'fleet member: npd + eventer shipping to a remote center': [
    '--set',
    'clusterId=c-hz',
    '--set',
    'clusterName=prod-hangzhou',
    '--set',
    'eventer.sinks.eventcenter.url=https://events.example.com',
    '--set',
    'eventer.sinks.eventcenter.existingSecret=eventcenter-ingest',
  ],
};

describe('chart ack-node-problem-detector', () => {
  let cluster: ClusterClient;
  before(async () => {
    cluster = await sharedCluster();
  });

  const template = (args: readonly string[]): Promise<string> =>
    cluster.helm(['template', 'ack-node-problem-detector', chart, '--namespace', 'kube-system', ...args]);
  const manifests = async (args: readonly string[]): Promise<Manifest[]> =>
    parseAllDocuments(await template(args))
      .map((doc) => doc.toJS() as Manifest | null)
      .filter((doc): doc is Manifest => doc !== null);

  it('lints clean', async () => {
    const out = await cluster.helm(['lint', chart, '--strict']);
    assert.match(out, /0 chart\(s\) failed/);
  });

  for (const [name, args] of Object.entries(renderings)) {
    it(`renders "${name}" into manifests a real apiserver accepts (server-side dry run)`, async () => {
      const rendered = await template(args);
      const out = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: rendered });
      assert.match(out, /created \(server dry run\)/);
    });
  }

  it('keeps secrets out of the Deployment and passes them by reference', async () => {
    const docs = await manifests(renderings['dingtalk sink'] ?? []);
    const deployment = JSON.stringify(docs.find((doc) => doc.kind === 'Deployment'));
    assert.ok(!deployment.includes('T0KEN') && !deployment.includes('SECabc'), 'token/secret literal in the Deployment');
    assert.match(deployment, /access_token=\$DINGTALK_TOKEN/);
    assert.match(deployment, /sign=\$DINGTALK_SECRET/);
    const secret = docs.find((doc) => doc.kind === 'Secret') as unknown as { stringData: Record<string, string> };
    assert.deepEqual(secret.stringData, { token: 'T0KEN', secret: 'SECabc' });
  });

  it('keeps the webhook URL and headers out of the Deployment: a Secret, through env', async () => {
    const docs = await manifests([
      '--set-json',
      'eventer.sinks.webhook={"enabled":true,"url":"https://hooks.example.com/k8s?key=K3Y","headers":["Authorization=Bearer T0K","X-Team=ops"]}',
    ]);
    const deployment = JSON.stringify(docs.find((doc) => doc.kind === 'Deployment'));
    for (const secret of ['hooks.example.com', 'K3Y', 'T0K', 'X-Team'])
      assert.ok(!deployment.includes(secret), `"${secret}" in the Deployment`);
    assert.match(deployment, /--sink=webhook:\$WEBHOOK_URL\?level=Warning&method=POST&header=\$\{WEBHOOK_HEADERS:-\}/);
    const secret = docs.find((doc) => doc.kind === 'Secret') as unknown as {
      metadata: { name: string };
      stringData: Record<string, string>;
    };
    assert.equal(secret.metadata.name, 'ack-node-problem-detector-eventer-webhook');
    assert.deepEqual(secret.stringData, { url: 'https://hooks.example.com/k8s?key=K3Y', headers: 'Authorization=Bearer T0K\nX-Team=ops' });
    const existing = JSON.stringify(
      (await manifests(renderings['webhook sink from an existing Secret'] ?? [])).find((doc) => doc.kind === 'Deployment'),
    );
    assert.match(existing, /"name":"WEBHOOK_URL","valueFrom":\{"secretKeyRef":\{"name":"my-hook","key":"url"\}\}/);
    await assert.rejects(template(['--set', 'eventer.sinks.webhook.enabled=true']), /at '\/eventer\/sinks\/webhook\/url'/);
  });

  it('runs the restart counters by default (npd.restartCounters), mounts no host file it could create', async () => {
    const agent = async (args: readonly string[]) =>
      (await manifests(args)).find((doc) => doc.kind === 'DaemonSet')?.spec as {
        template: { spec: { containers: { args: string[] }[]; volumes: { name: string; hostPath?: { path: string; type?: string } }[] } };
      };
    const defaults = (await agent([])).template.spec;
    assert.ok(defaults.containers[0]?.args.includes('--config.custom-plugin-monitor=builtin:systemd-monitor-counter'));
    const off = (await agent(['--set', 'npd.restartCounters=false'])).template.spec;
    assert.ok(!off.containers[0]?.args.some((arg) => arg.includes('systemd-monitor-counter')));
    const hostPaths = defaults.volumes.flatMap((volume) => (volume.hostPath ? [volume.hostPath] : []));
    assert.ok(hostPaths.length > 0);
    for (const hostPath of hostPaths) {
      assert.notEqual(hostPath.type, 'FileOrCreate', `${hostPath.path}: FileOrCreate would create a file on the host`);
      assert.ok(!['/etc/machine-id', '/etc/localtime'].includes(hostPath.path), `${hostPath.path} is not read by the agent`);
    }
  });

  it('gives the agent the measured memory settings: NODE_OPTIONS from npd.nodeOptions, requests/limits from the benchmarks', async () => {
    type AgentSpec = { template: { spec: { containers: { env: { name: string; value?: string }[]; resources: unknown }[] } } };
    const agent = async (args: readonly string[]) => {
      const spec = (await manifests(args)).find((doc) => doc.kind === 'DaemonSet')?.spec as AgentSpec | undefined;
      return spec?.template.spec.containers[0];
    };
    const defaults = await agent([]);
    assert.equal(defaults?.env.find((e) => e.name === 'NODE_OPTIONS')?.value, '--max-semi-space-size=1 --v8-pool-size=1');
    assert.deepEqual(defaults?.resources, { requests: { cpu: '10m', memory: '80Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
    const none = await agent(['--set', 'npd.nodeOptions=']);
    assert.ok(!none?.env.some((e) => e.name === 'NODE_OPTIONS'));
  });

  it('listens on loopback only, and the probes still reach /healthz with and without hostNetwork', async () => {
    // Without hostNetwork the kubelet cannot reach the pod's loopback: the probe runs in the container.
    const healthz = createServer((request, response) => response.writeHead(request.url === '/healthz' ? 200 : 404).end());
    await new Promise<void>((resolve) => healthz.listen(0, '127.0.0.1', resolve));
    const { port } = healthz.address() as AddressInfo;
    try {
      const spec = (await manifests(['--set', 'alibaba_cloud_plugins={fd_check}', '--set', `npd.port=${port}`])).find(
        (doc) => doc.kind === 'DaemonSet',
      )?.spec as {
        template: { spec: { hostNetwork: boolean; containers: { args: string[]; livenessProbe: { exec?: { command: string[] } } }[] } };
      };
      const [agent] = spec.template.spec.containers;
      assert.equal(spec.template.spec.hostNetwork, false);
      assert.ok(agent?.args.includes('--address=127.0.0.1') && agent.args.includes('--prometheus-address=127.0.0.1'));
      const [command, ...args] = agent?.livenessProbe.exec?.command ?? [];
      assert.equal(command, '/usr/local/bin/node', "the image's node (docker/npd.Dockerfile), not curl");
      await promisify(execFile)(process.execPath, args, { timeout: 30_000 });
      healthz.close();
      await assert.rejects(
        promisify(execFile)(process.execPath, args, { timeout: 30_000 }),
        'the probe fails when /healthz does not answer',
      );
    } finally {
      healthz.close();
    }
  });

  it('event center: the eventer ships to it with the ingest token by reference; SQLite on a PVC, or PostgreSQL from a Secret', async () => {
    const docs = await manifests(renderings['event center on SQLite with a PVC'] ?? []);
    const byName = (kind: string, suffix: string) => {
      const doc = docs.find((d) => d.kind === kind && d.metadata.name.endsWith(suffix));
      assert.ok(doc, `${kind} *${suffix}`);
      return doc;
    };
    type Pod = {
      template: {
        spec: {
          containers: { args: string[]; env: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }[];
          volumes: Record<string, unknown>[];
        };
      };
    };
    const eventer = (byName('Deployment', '-eventer').spec as Pod).template.spec.containers[0];
    assert.ok(
      eventer?.args.includes(
        '--sink=eventcenter:http://ack-node-problem-detector-eventcenter.kube-system.svc:8080?token=$EVENTCENTER_INGEST_TOKEN&cluster=c1',
      ),
      JSON.stringify(eventer?.args),
    );
    assert.deepEqual(eventer?.env.find((e) => e.name === 'EVENTCENTER_INGEST_TOKEN')?.valueFrom?.secretKeyRef, {
      name: 'ack-node-problem-detector-eventcenter-auth',
      key: 'ingest-token',
    });
    const center = (byName('Deployment', '-eventcenter').spec as Pod).template.spec;
    assert.ok(center.containers[0]?.args.includes('--store=sqlite:/data/events.db'));
    assert.ok(center.containers[0]?.args.includes('--auth=token'));
    assert.deepEqual(center.volumes[0], { name: 'data', persistentVolumeClaim: { claimName: 'ack-node-problem-detector-eventcenter' } });
    assert.ok(byName('PersistentVolumeClaim', '-eventcenter'));
    assert.equal((byName('Service', '-eventcenter').spec as { ports: { port: number }[] }).ports[0]?.port, 8080);
    const secret = byName('Secret', '-eventcenter-auth') as unknown as { stringData: Record<string, string> };
    assert.equal(secret.stringData['editor-tokens'], 'ED1T');
    assert.match(secret.stringData['ingest-token'] ?? '', /^[A-Za-z0-9]{40}$/, 'a generated ingest token');
    for (const d of docs.filter((x) => x.kind === 'Deployment')) {
      const text = JSON.stringify(d);
      assert.ok(
        !text.includes('ED1T') && !text.includes(secret.stringData['ingest-token'] ?? '-'),
        `no token literal in ${d.metadata.name}`,
      );
    }
    const pg = await manifests(renderings['event center on PostgreSQL with TokenReview'] ?? []);
    const pgDeployment = pg.find((d) => d.kind === 'Deployment' && d.metadata.name.endsWith('-eventcenter'));
    assert.ok(pgDeployment);
    const pgCenter = (pgDeployment.spec as Pod).template.spec;
    assert.ok(pgCenter.containers[0]?.args.includes('--store=postgres'));
    assert.ok(pgCenter.containers[0]?.args.includes('--auth=tokenreview'));
    assert.ok(pgCenter.containers[0]?.args.includes('--editors=system:masters'));
    assert.deepEqual(pgCenter.containers[0]?.env.find((e) => e.name === 'EVENTCENTER_POSTGRES_DSN')?.valueFrom?.secretKeyRef, {
      name: 'pg-dsn',
      key: 'dsn',
    });
    assert.ok(!pg.some((d) => d.kind === 'PersistentVolumeClaim'));
    const role = pg.find((d) => d.kind === 'ClusterRole' && d.metadata.name.endsWith('-eventcenter'));
    assert.ok(role?.rules?.some((r) => r.resources.includes('tokenreviews') && r.verbs.includes('create')));
    const off = await manifests([]);
    assert.ok(!off.some((d) => d.metadata.name.endsWith('-eventcenter')), 'off by default');
    assert.ok(!JSON.stringify(off).includes('eventcenter:'), 'no eventcenter sink when disabled');
    await assert.rejects(
      template(['--set', 'eventcenter.enabled=true', '--set', 'eventcenter.backend=postgres']),
      /eventcenter\.postgres\.existingSecret/,
    );
    await assert.rejects(template(['--set', 'eventcenter.enabled=true', '--set', 'eventcenter.backend=mysql']), /eventcenter\/backend/);
  });

  it('fleet: the center exposes ingest through an Ingress with TLS and takes per-cluster tokens; a member ships to it by URL with its token from a Secret', async () => {
    type Container = {
      args: string[];
      env: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
    };
    const containerOf = (docs: Manifest[], suffix: string) =>
      (
        docs.find((d) => d.kind === 'Deployment' && d.metadata.name.endsWith(suffix))?.spec as {
          template: { spec: { containers: Container[] } };
        }
      )?.template.spec.containers[0];
    const hub = await manifests(renderings['fleet center: ingest through an Ingress with TLS, a token per member cluster'] ?? []);
    const ingress = hub.find((d) => d.kind === 'Ingress');
    assert.deepEqual(ingress?.spec, {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['events.example.com'], secretName: 'events-tls' }],
      rules: [
        {
          host: 'events.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'ack-node-problem-detector-eventcenter', port: { number: 8080 } } },
              },
            ],
          },
        },
      ],
    });
    const secret = hub.find((d) => d.kind === 'Secret' && d.metadata.name.endsWith('-eventcenter-auth')) as unknown as {
      stringData: Record<string, string>;
    };
    assert.equal(secret.stringData['cluster-tokens'], 'c-hz=T0K1,c-bj=T0K2');
    const center = containerOf(hub, '-eventcenter');
    assert.deepEqual(center?.env.find((e) => e.name === 'EVENTCENTER_CLUSTER_TOKENS')?.valueFrom?.secretKeyRef, {
      name: 'ack-node-problem-detector-eventcenter-auth',
      key: 'cluster-tokens',
      optional: true,
    });
    assert.ok(!JSON.stringify(center).includes('T0K1'), 'no cluster token literal in the Deployment');
    const hubEventer = containerOf(hub, '-eventer');
    assert.ok(
      hubEventer?.args.some((a) => a.includes('.svc:8080?token=$EVENTCENTER_INGEST_TOKEN&cluster_name=hub')),
      JSON.stringify(hubEventer?.args),
    );

    const member = await manifests(renderings['fleet member: npd + eventer shipping to a remote center'] ?? []);
    assert.ok(!member.some((d) => d.metadata.name.endsWith('-eventcenter')), 'no center in a member cluster');
    assert.ok(
      member.some((d) => d.kind === 'DaemonSet'),
      'npd runs',
    );
    const eventer = containerOf(member, '-eventer');
    assert.ok(
      eventer?.args.includes(
        '--sink=eventcenter:https://events.example.com?token=$EVENTCENTER_INGEST_TOKEN&cluster=c-hz&cluster_name=prod-hangzhou',
      ),
      JSON.stringify(eventer?.args),
    );
    assert.deepEqual(eventer?.env.find((e) => e.name === 'EVENTCENTER_INGEST_TOKEN')?.valueFrom?.secretKeyRef, {
      name: 'eventcenter-ingest',
      key: 'token',
    });
    const role = member.find((d) => d.kind === 'ClusterRole' && d.metadata.name.endsWith('-eventer')) as unknown as {
      rules: { resources: string[]; resourceNames?: string[]; verbs: string[] }[];
    };
    assert.ok(
      role.rules.some((r) => r.resources.includes('namespaces') && r.resourceNames?.join() === 'kube-system' && r.verbs.join() === 'get'),
    );
    await assert.rejects(
      template(['--set', 'eventer.sinks.eventcenter.url=https://events.example.com']),
      /eventer\.sinks\.eventcenter\.existingSecret/,
    );
    await assert.rejects(
      template(['--set', 'eventcenter.enabled=true', '--set', 'eventcenter.ingress.enabled=true']),
      /eventcenter\.ingress\.host/,
    );
  });

  it('turns the agent off with npd.enabled=false', async () => {
    const kinds = (await manifests(['--set', 'npd.enabled=false'])).map((doc) => `${doc.kind}/${doc.metadata.name}`);
    assert.ok(!kinds.some((kind) => kind.startsWith('DaemonSet/')));
    assert.ok(kinds.includes('Deployment/ack-node-problem-detector-eventer'));
  });

  it('passes the ACK plug-in list and thresholds to the agent', async () => {
    const docs = await manifests([
      '--set',
      'plugin_settings.check_fd_warning_percentage=90',
      '--set',
      'alibaba_cloud_plugins={fd_check,ntp_check}',
    ]);
    const daemonSet = docs.find((doc) => doc.kind === 'DaemonSet');
    assert.ok(daemonSet);
    const args = (daemonSet.spec as { template: { spec: { containers: { args: string[] }[]; hostNetwork: boolean } } }).template.spec;
    assert.ok(args.containers[0]?.args.includes('--alibaba-cloud-plugins=fd_check,ntp_check'));
    assert.ok(args.containers[0]?.args.includes('--plugin-settings=check_fd_warning_percentage=90,inode_warning_percenage=80'));
    assert.equal(args.hostNetwork, false, 'no hostNetwork without network_problem_check');
  });

  it('rejects wrong types and unknown sinks with a message naming the value', async () => {
    await assert.rejects(
      template(['--set', 'eventer.sinks.pagerduty.enabled=true']),
      /\/eventer\/sinks.*additional properties 'pagerduty' not allowed/,
    );
    await assert.rejects(
      template(['--set', 'plugin_settings.check_fd_warning_percentage=high']),
      /check_fd_warning_percentage.*got string, want integer/,
    );
    await assert.rejects(template(['--set', 'alibaba_cloud_plugins[0]=bogus_check']), /alibaba_cloud_plugins\/0/);
    await assert.rejects(template(['--set', 'eventer.sinks.dingtalk.enabled=true']), /eventer\.sinks\.dingtalk\.token/);
  });
});
