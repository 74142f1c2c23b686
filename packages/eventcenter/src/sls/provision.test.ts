// provision-sls against the protocol-faithful SLS peer, cross-checked by the official Python SDK.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runSlsAdminSdk, type SlsServer, startSlsServer } from '@ack-npd/testkit';
import { TEMPLATES } from '../alerts/rules.ts';
import { toSlsQuery } from './spec.ts';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const KEY = { accessKeyId: 'LTAIprovision', accessKeySecret: 'provision-secret' };

async function provision(server: SlsServer, extra: string[] = [], env: Record<string, string> = {}) {
  return run(
    process.execPath,
    ['--conditions=development', MAIN, 'provision-sls', '--project=k8s-log-c1', `--endpoint=http://127.0.0.1:${server.port}`, ...extra],
    {
      env: {
        PATH: process.env.PATH ?? '',
        ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY.accessKeySecret,
        ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
        ...env,
      },
    },
  ).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('eventcenter provision-sls', { timeout: 300_000 }, () => {
  let server: SlsServer;
  before(async () => {
    server = await startSlsServer({ accessKeys: [KEY], projects: {} });
  });
  after(async () => server.close());

  it('translates the search syntax into SLS queries over the eventer’s fields', () => {
    assert.equal(
      toSlsQuery('type:Warning reason:FailedScheduling,BackOff "insufficient cpu" -namespace:kube-system'),
      'level: "Warning" and (eventId.reason: "FailedScheduling" or eventId.reason: "BackOff") and not eventId.metadata.namespace: "kube-system" and "insufficient cpu"',
    );
    assert.equal(toSlsQuery('name:web-* "a\\"b"'), 'eventId.involvedObject.name: "web-"* and "a\\"b"');
    assert.equal(toSlsQuery(''), '*');
  });

  it('creates everything once, then reports every object unchanged; the Python SDK reads it all back', async () => {
    const first = await provision(server);
    assert.equal(first.code, 0, first.stderr);
    const lines = first.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 3), ['created   project k8s-log-c1', 'created   logstore k8s-event', 'created   index k8s-event']);
    assert.equal(lines.filter((l) => l.startsWith('created')).length, 3 + TEMPLATES.length + 1 + 1 + TEMPLATES.length);
    const second = await provision(server);
    assert.equal(second.code, 0, second.stderr);
    assert.ok(
      second.stdout
        .trim()
        .split('\n')
        .every((l) => l.startsWith('unchanged')),
      second.stdout,
    );

    const state = server.projects.get('k8s-log-c1');
    assert.ok(state);
    assert.equal(state.logstores.get('k8s-event')?.ttl, 90);
    // Someone edits a saved search in the console: the next run puts it back.
    const edited = state.savedsearches.get('k8s-event-pod-oom') as Record<string, unknown>;
    state.savedsearches.set('k8s-event-pod-oom', { ...edited, searchQuery: '*' });
    const third = await provision(server);
    assert.match(third.stdout, /^updated {3}savedsearch k8s-event-pod-oom$/m);
    assert.equal(third.stdout.match(/^updated/gm)?.length, 1);

    const read = await runSlsAdminSdk({
      endpoint: `127.0.0.1:${server.port}`,
      ...KEY,
      project: 'k8s-log-c1',
      logstore: 'k8s-event',
      savedsearches: ['k8s-event-pod-oom', 'k8s-event-warnings'],
      dashboards: ['k8s-event-center-k8s-event'],
      jobs: TEMPLATES.map((t) => `k8s-event-${t.id}`),
      create_savedsearch: {
        savedsearchName: 'sdk-made',
        searchQuery: 'level: Warning',
        logstore: 'k8s-event',
        topic: '',
        displayName: 'from the SDK',
      },
    });
    assert.ok(!('error' in read), JSON.stringify(read));
    assert.equal(read.created, true);
    assert.equal(read.project.projectName, 'k8s-log-c1');
    assert.deepEqual(read.logstore, { ttl: 90, shardCount: 2 });
    const keys = (read.index as { keys: Record<string, { type: string; json_keys?: Record<string, unknown> }> }).keys;
    assert.equal(keys.level?.type, 'text');
    assert.equal(keys.eventId?.type, 'json');
    assert.ok(keys.eventId?.json_keys && 'reason' in keys.eventId.json_keys && 'involvedObject.name' in keys.eventId.json_keys);
    assert.equal(read.savedsearches[0]?.searchQuery, toSlsQuery('reason:OOMKilling,PodOOMKilling,OOMKilled'));
    assert.equal((read.dashboards[0] as { charts: unknown[] }).charts.length, 5);
    assert.deepEqual(
      read.jobs.map((j) => j.name),
      TEMPLATES.map((t) => `k8s-event-${t.id}`),
    );
    assert.equal(read.jobs[0]?.type, 'Alert');
    assert.ok(state.savedsearches.has('sdk-made'), 'the SDK’s create reached the peer');
  });

  it('the bundled program (one file, as in the image) provisions too', async () => {
    const { bundle } = await import('../../../../scripts/bundle.ts');
    const out = mkdtempSync(join(tmpdir(), 'provision-bundle-'));
    try {
      await bundle(['eventcenter'], out);
      const result = await run(
        process.execPath,
        [join(out, 'eventcenter.mjs'), 'provision-sls', '--project=k8s-log-c2', `--endpoint=http://127.0.0.1:${server.port}`],
        {
          env: {
            PATH: process.env.PATH ?? '',
            NODE_OPTIONS: '',
            ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.accessKeyId,
            ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY.accessKeySecret,
            ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
          },
        },
      );
      assert.match(result.stdout, /^created {3}project k8s-log-c2$/m);
      assert.ok(server.projects.get('k8s-log-c2')?.logstores.get('k8s-event')?.index);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('--cluster-id: one project k8s-log-<id> per cluster, as ACK keeps them', async () => {
    const base = ['--conditions=development', MAIN, 'provision-sls', `--endpoint=http://127.0.0.1:${server.port}`];
    const env = {
      PATH: process.env.PATH ?? '',
      ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY.accessKeySecret,
      ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    };
    const fleet = await run(process.execPath, [...base, '--cluster-id=cfleet-a,cfleet-b'], { env });
    const created = fleet.stdout.split('\n').filter((l) => l.startsWith('created   project'));
    assert.deepEqual(created, ['created   project k8s-log-cfleet-a', 'created   project k8s-log-cfleet-b']);
    assert.equal(fleet.stdout.split('\n').filter((l) => l.startsWith('created   logstore k8s-event')).length, 2);
    const both = await run(process.execPath, [...base, '--cluster-id=x1', '--project=k8s-log-x1'], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal((both as { code: number }).code, 2);
    assert.match((both as { stderr: string }).stderr, /--cluster-id/);
  });

  it('bad flags exit 2 naming the flag; wrong keys exit 1 with the Log Service error', async () => {
    const bad = await run(process.execPath, ['--conditions=development', MAIN, 'provision-sls', '--project=X_bad'], {
      env: { PATH: process.env.PATH ?? '' },
    }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((bad as { code: number }).code, 2);
    assert.match((bad as { stderr: string }).stderr, /--project/);
    assert.match((bad as { stderr: string }).stderr, /--region/);
    const denied = await provision(server, [], { ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong' });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /SignatureNotMatch/);
  });
});
