import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { waitFor } from '@ack-npd/testkit';
import { startTestCenter, type TestCenter } from '../testing/center.ts';

// Notifications leave through the eventer's webhook sink and delivery layer into this receiver.
const received: { EventReason: string; EventMessage: string }[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push(JSON.parse(body));
    res.writeHead(200).end();
  });
});
let center: TestCenter;
before(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  center = await startTestCenter({ notify: [`test=webhook:http://127.0.0.1:${port}/hook?method=POST`] });
});
after(async () => {
  await center.close();
  receiver.close();
});

async function post(path: string, body: unknown) {
  const response = await fetch(`${center.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function oom(name: string, uid: string) {
  return {
    uid,
    count: 1,
    timestamp: Date.now(),
    type: 'Warning',
    reason: 'PodOOMKilling',
    message: `Memory cgroup out of memory: Killed process 123 (app) in pod ${name}`,
    namespace: 'shop',
    involvedObject: { kind: 'Pod', namespace: 'shop', name },
  };
}

it('templates are listed; unknown templates and sinks are 400s naming the field', async () => {
  const templates = (await (await fetch(`${center.url}/api/v1/alert-templates`)).json()) as { templates: { id: string }[] };
  assert.deepEqual(templates.templates.map((t) => t.id).sort(), [
    'failed-scheduling',
    'image-pull-failure',
    'node-not-ready',
    'npd-node-problems',
    'pod-eviction',
    'pod-oom',
    'pod-start-failure',
    'volume-failure',
    'warning-burst',
  ]);
  assert.match(String((await post('/api/v1/alert-rules', { template: 'nope' })).body.error), /body\.template/);
  assert.match(String((await post('/api/v1/alert-rules', { template: 'pod-oom', notify: ['pager'] })).body.error), /body\.notify.*pager/);
  assert.match(
    String((await post('/api/v1/alert-rules', { name: 'x', query: 'bogus:field', threshold: 1, windowMs: 60000 })).body.error),
    /body\.query/,
  );
});

it('a rule fires once into the sink, a silence suppresses a group, both resolve', async () => {
  const rule = await post('/api/v1/alert-rules', { template: 'pod-oom', windowMs: 3000, notify: ['test'] });
  assert.equal(rule.status, 201);
  const ruleId = String(rule.body.id);
  await post('/api/v1/ingest', { events: [oom('pod-a', 'oom-1')] });
  const first = await post('/api/v1/alerts/evaluate', {});
  assert.deepEqual(
    (first.body.alerts as { key: string; state: string }[]).map((a) => `${a.key}:${a.state}`),
    ['name=pod-a,namespace=shop:firing'],
  );
  await waitFor('the firing notification', () => received.length >= 1, { timeoutMs: 15_000 });
  assert.equal(received[0]?.EventReason, 'AlertFiring');
  assert.match(received[0]?.EventMessage ?? '', /Pod OOM \[name=pod-a,namespace=shop\]: 1 matching events/);

  await post('/api/v1/alerts/evaluate', {});
  const silence = await post('/api/v1/silences', { ruleId, matchers: { name: 'pod-b' }, comment: 'known', expiresAt: Date.now() + 60_000 });
  assert.equal(silence.status, 201);
  await post('/api/v1/ingest', { events: [oom('pod-b', 'oom-2')] });
  const second = await post('/api/v1/alerts/evaluate', {});
  const b = (second.body.alerts as { key: string; silenced: boolean }[]).find((a) => a.key === 'name=pod-b,namespace=shop');
  assert.equal(b?.silenced, true);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(received.length, 1, 'no repeat for a still-firing alert, nothing for the silenced one');

  await waitFor(
    'both alerts to resolve once the window has passed',
    async () => {
      const r = await post('/api/v1/alerts/evaluate', {});
      return (r.body.alerts as { state: string }[]).every((a) => a.state === 'resolved');
    },
    { timeoutMs: 20_000, intervalMs: 500 },
  );
  await waitFor('the resolved notification', () => received.length >= 2, { timeoutMs: 15_000 });
  assert.equal(received[1]?.EventReason, 'AlertResolved');
  assert.match(received[1]?.EventMessage ?? '', /pod-a/);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(received.length, 2, 'the silenced group never notifies, not even its resolution');
  const history = (await (await fetch(`${center.url}/api/v1/alert-history?ruleId=${ruleId}`)).json()) as {
    history: { group: string; state: string }[];
  };
  assert.deepEqual(history.history.map((h) => `${h.group.split(',')[0]}:${h.state}`).sort(), [
    'name=pod-a:firing',
    'name=pod-a:resolved',
    'name=pod-b:resolved',
    'name=pod-b:silenced',
  ]);
  const silences = (await (await fetch(`${center.url}/api/v1/silences`)).json()) as { silences: { active: boolean }[] };
  assert.equal(silences.silences[0]?.active, true);
  const del = await fetch(`${center.url}/api/v1/silences/${silence.body.id}`, { method: 'DELETE' });
  assert.equal(del.status, 204);
});

it('a notification names the cluster (by the name its eventer sent) of a rule scoped to clusters', async () => {
  const before = received.length;
  const rule = await post('/api/v1/alert-rules', {
    name: 'Fleet OOM',
    query: 'reason:PodOOMKilling',
    threshold: 1,
    windowMs: 60_000,
    groupBy: ['namespace', 'name'],
    notify: ['test'],
    clusters: ['c-hz'],
  });
  assert.equal(rule.status, 201, JSON.stringify(rule.body));
  assert.deepEqual(rule.body.clusters, ['c-hz']);
  const ingest = await post('/api/v1/ingest', {
    events: [
      { ...oom('pod-z', 'z-in-bj'), cluster: 'c-bj', clusterName: 'prod-beijing' },
      { ...oom('pod-z', 'z-in-hz'), cluster: 'c-hz', clusterName: 'prod-hangzhou' },
    ],
  });
  assert.equal(ingest.status, 200);
  await post('/api/v1/alerts/evaluate', {});
  const mine = () => received.slice(before).filter((r) => r.EventMessage.includes('Fleet OOM'));
  await waitFor('the cluster’s notification', () => mine().length > 0, { timeoutMs: 15_000 });
  assert.equal(mine().length, 1, 'only c-hz fires the rule scoped to it');
  assert.match(mine()[0]?.EventMessage ?? '', /\[cluster=c-hz,name=pod-z,namespace=shop\] in cluster prod-hangzhou: 1 matching events/);
});
