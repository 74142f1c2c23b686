import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { tokenAuth } from './auth.ts';
import { startTestCenter, type TestCenter } from './testing/center.ts';

const NOW = Date.now();

function ingestEvent(fields: Record<string, unknown> = {}) {
  return {
    uid: `u-${Math.random().toString(36).slice(2)}`,
    count: 1,
    timestamp: NOW - 1000,
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container app',
    namespace: 'default',
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'p1' },
    source: { component: 'kubelet', host: 'node-1' },
    ...fields,
    ...(fields.namespace !== undefined && !fields.involvedObject
      ? { involvedObject: { kind: 'Pod', namespace: fields.namespace, name: 'web-1', uid: 'p1' } }
      : {}),
  };
}

async function call(url: string, path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const response = await fetch(`${url}${path}`, { ...init, headers });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { text };
  }
  return { status: response.status, body };
}

describe('event center API (no auth, loopback)', () => {
  let center: TestCenter;
  before(async () => {
    center = await startTestCenter();
  });
  after(async () => center.close());

  it('ingest is idempotent on (uid, count): the same batch twice → one row each', async () => {
    const events = [ingestEvent({ uid: 'same-1' }), ingestEvent({ uid: 'same-2' }), ingestEvent({ uid: 'same-2', count: 2 })];
    const first = await call(center.url, '/api/v1/ingest', { method: 'POST', body: JSON.stringify({ events }) });
    assert.deepEqual(first.body, { accepted: 3, inserted: 3, duplicates: 0 });
    const second = await call(center.url, '/api/v1/ingest', { method: 'POST', body: JSON.stringify({ events }) });
    assert.deepEqual(second.body, { accepted: 3, inserted: 0, duplicates: 3 });
    const list = await call(center.url, '/api/v1/events?uid=same-1,same-2&from=-1h');
    assert.equal((list.body.events as unknown[]).length, 3);
  });

  it('bad ingest bodies are 4xx naming the field', async () => {
    const bad = await call(center.url, '/api/v1/ingest', {
      method: 'POST',
      body: JSON.stringify({ events: [{ uid: '', count: 1, timestamp: 1 }] }),
    });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.error), /events\.0\.uid/);
    const notJson = await call(center.url, '/api/v1/ingest', {
      method: 'POST',
      body: '{',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(notJson.status, 400);
    const form = await call(center.url, '/api/v1/ingest', { method: 'POST', body: 'a=b', headers: { 'content-type': 'text/plain' } });
    assert.equal(form.status, 415, 'a cross-site form post cannot reach a write');
    const foreign = await call(center.url, '/api/v1/ingest', {
      method: 'POST',
      body: '{"events":[]}',
      headers: { origin: 'http://evil.example' },
    });
    assert.equal(foreign.status, 403);
  });

  it('without auth only loopback Host names are served (DNS rebinding)', async () => {
    const { port } = new URL(center.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/v1/events', headers: { host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);
  });

  it('search, cursor paging, detail, aggregations, openapi', async () => {
    const events = Array.from({ length: 7 }, (_, i) =>
      ingestEvent({
        uid: `pg-${i}`,
        namespace: 'paging',
        reason: i % 2 ? 'FailedScheduling' : 'BackOff',
        message: i % 2 ? '0/3 nodes: Insufficient cpu' : 'x',
        timestamp: NOW - 10_000 + i,
      }),
    );
    await call(center.url, '/api/v1/ingest', { method: 'POST', body: JSON.stringify({ events }) });
    const seen: string[] = [];
    let cursor = '';
    for (let i = 0; i < 5; i++) {
      const page = await call(center.url, `/api/v1/events?namespace=paging&from=-1h&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...(page.body.events as { uid: string }[]).map((e) => e.uid));
      if (!page.body.nextCursor) break;
      cursor = String(page.body.nextCursor);
    }
    assert.deepEqual(seen, ['pg-6', 'pg-5', 'pg-4', 'pg-3', 'pg-2', 'pg-1', 'pg-0']);
    const q = encodeURIComponent('reason:FailedScheduling "insufficient cpu" -namespace:kube-system');
    const found = await call(center.url, `/api/v1/events?q=${q}&namespace=paging&from=-1h`);
    assert.deepEqual(
      (found.body.events as { uid: string }[]).map((e) => e.uid),
      ['pg-5', 'pg-3', 'pg-1'],
    );
    const first = (found.body.events as { id: string }[])[0];
    const detail = await call(center.url, `/api/v1/events/${first?.id}`);
    assert.equal(detail.body.uid, 'pg-5');
    assert.ok('raw' in detail.body);
    const top = await call(center.url, '/api/v1/stats/top?by=reason&namespace=paging&from=-1h');
    assert.deepEqual(top.body.top, [
      { key: 'BackOff', count: 4 },
      { key: 'FailedScheduling', count: 3 },
    ]);
    const overview = await call(center.url, '/api/v1/overview?namespace=paging');
    assert.equal(overview.body.total, 7);
    const openapi = await call(center.url, '/openapi.json');
    assert.equal(openapi.body.openapi, '3.0.3');
    assert.ok('/api/v1/pods/{namespace}/{name}/lifecycle' in (openapi.body.paths as object));
  });

  it('hostile search input: correct results or a 400 with a message, never a 500', async () => {
    const names = ["o'brien", 'a%b', 'a_b', 'back\\slash', 'x"; DROP TABLE events;--', 'SELECT * FROM events'];
    await call(center.url, '/api/v1/ingest', {
      method: 'POST',
      body: JSON.stringify({
        events: names.map((name, i) =>
          ingestEvent({ uid: `h-${i}`, namespace: 'hostile', involvedObject: { kind: 'Pod', namespace: 'hostile', name } }),
        ),
      }),
    });
    for (const name of names) {
      const r = await call(center.url, `/api/v1/events?namespace=hostile&from=-1h&name=${encodeURIComponent(name)}`);
      assert.equal(r.status, 200, name);
      assert.deepEqual(
        (r.body.events as { name: string }[]).map((e) => e.name),
        [name],
      );
    }
    const pieces = [
      '"',
      "'",
      '%',
      '_',
      '\\',
      ';',
      '--',
      '/*',
      '*',
      'OR 1=1',
      'DROP TABLE events',
      'NEAR(',
      'NOT',
      'AND',
      ':',
      '-',
      'type:',
      'q:x',
      '\u0000',
      '\uD800',
      '€',
      '%FF',
      '\n',
      ' ',
    ];
    const raw = ['%FF%FE', '%C3%28', '%ED%A0%80', '%00', '%E2%82', '%'];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const queries: string[] = [];
    for (let i = 0; i < 150; i++) {
      let q = '';
      for (let j = 0, n = 1 + rand(6); j < n; j++) q += pieces[rand(pieces.length)] + (rand(2) ? ' ' : '');
      const param = ['q', 'name', 'reason', 'namespace', 'node', 'from', 'cursor', 'limit', 'by', 'uid'][rand(10)];
      queries.push(`${param}=${encodeURIComponent(q)}${rand(3) === 0 ? raw[rand(raw.length)] : ''}`);
    }
    queries.push(
      `q=${'a'.repeat(5000)}`,
      `name=${'%27'.repeat(2000)}`,
      `q=${'x '.repeat(100)}`,
      'cursor=abc',
      'from=yesterday',
      'limit=-1',
    );
    for (const query of queries) {
      for (const path of ['/api/v1/events', '/api/v1/stats/top', '/api/v1/overview', '/api/v1/stats/histogram', '/api/v1/nodes']) {
        const r = await call(center.url, `${path}?${query}`);
        assert.ok(r.status === 200 || r.status === 400, `${path}?${query} → ${r.status}`);
        if (r.status === 400) assert.match(String(r.body.error), /\w+: /, 'the message names the parameter');
      }
    }
    const mib = 'x'.repeat(1024 * 1024);
    const huge = await fetch(`${center.url}/api/v1/events?q=${mib}`).catch(() => undefined);
    assert.ok(!huge || huge.status === 431 || huge.status === 414 || huge.status === 400, `1 MiB URL → ${huge?.status}`);
    const hugeRule = await call(center.url, '/api/v1/alert-rules', {
      method: 'POST',
      body: JSON.stringify({ name: 'x', query: mib, threshold: 1, windowMs: 60000 }),
    });
    assert.equal(hugeRule.status, 413);
    const hugeMessage = await call(center.url, '/api/v1/ingest', {
      method: 'POST',
      body: JSON.stringify({ events: [ingestEvent({ message: mib })] }),
    });
    assert.equal(hugeMessage.status, 400);
    const quoted = await call(center.url, `/api/v1/pods/${encodeURIComponent("a'b")}/${encodeURIComponent('%_\\')}/lifecycle`);
    assert.equal(quoted.status, 404);
    const invalidUtf8 = await call(center.url, '/api/v1/pods/default/%FF%FE/lifecycle');
    assert.equal(invalidUtf8.status, 400);
    const badPath = await call(center.url, '/api/v1/pods/%E0%A4%A/x/lifecycle');
    assert.equal(badPath.status, 400);
    const count = await call(center.url, '/api/v1/events?namespace=hostile&from=-1h');
    assert.equal((count.body.events as unknown[]).length, names.length, 'data intact');
  });

  it('pod lifecycle and node view over HTTP', async () => {
    const pod = 'api-5c9f8d7b6d-q7w2x';
    await call(center.url, '/api/v1/ingest', {
      method: 'POST',
      body: JSON.stringify({
        events: [
          ingestEvent({
            uid: 'l1',
            type: 'Normal',
            reason: 'ScalingReplicaSet',
            message: 'Scaled up replica set api-5c9f8d7b6d to 1',
            involvedObject: { kind: 'Deployment', namespace: 'default', name: 'api' },
            timestamp: NOW - 5000,
          }),
          ingestEvent({
            uid: 'l2',
            type: 'Normal',
            reason: 'SuccessfulCreate',
            message: `Created pod: ${pod}`,
            involvedObject: { kind: 'ReplicaSet', namespace: 'default', name: 'api-5c9f8d7b6d' },
            timestamp: NOW - 4000,
          }),
          ingestEvent({
            uid: 'l3',
            type: 'Normal',
            reason: 'Scheduled',
            message: `Successfully assigned default/${pod} to node-3`,
            involvedObject: { kind: 'Pod', namespace: 'default', name: pod },
            source: { component: 'default-scheduler', host: '' },
            timestamp: NOW - 3000,
          }),
          ingestEvent({
            uid: 'l4',
            type: 'Normal',
            reason: 'Started',
            involvedObject: { kind: 'Pod', namespace: 'default', name: pod },
            source: { component: 'kubelet', host: 'node-3' },
            timestamp: NOW - 2000,
          }),
          ingestEvent({
            uid: 'l5',
            type: 'Warning',
            reason: 'NodeNotReady',
            involvedObject: { kind: 'Node', namespace: '', name: 'node-3' },
            namespace: '',
            timestamp: NOW - 1500,
          }),
        ],
      }),
    });
    const life = await call(center.url, `/api/v1/pods/default/${pod}/lifecycle`);
    assert.equal(life.status, 200);
    assert.deepEqual(life.body.owners, [
      { kind: 'ReplicaSet', name: 'api-5c9f8d7b6d' },
      { kind: 'Deployment', name: 'api' },
    ]);
    assert.equal(life.body.node, 'node-3');
    assert.deepEqual(
      (life.body.events as { reason: string }[]).map((e) => e.reason),
      ['ScalingReplicaSet', 'SuccessfulCreate', 'Scheduled', 'Started', 'NodeNotReady'],
    );
    const node = await call(center.url, '/api/v1/nodes/node-3');
    assert.deepEqual(
      (node.body.conditions as { type: string; status: string }[]).map((c) => `${c.type}=${c.status}`),
      ['Ready=False'],
    );
    const nodes = await call(center.url, '/api/v1/nodes');
    assert.ok((nodes.body.nodes as { node: string }[]).some((n) => n.node === 'node-3'));
  });
});

describe('event center API with tokens: roles', () => {
  let center: TestCenter;
  before(async () => {
    center = await startTestCenter({ auth: tokenAuth({ viewer: ['view-t'], editor: ['edit-t'], ingest: ['ingest-t'] }) });
  });
  after(async () => center.close());

  it('viewer reads, editor writes rules, ingest only ingests, nobody else', async () => {
    const body = JSON.stringify({ events: [ingestEvent()] });
    assert.equal((await call(center.url, '/api/v1/events')).status, 401);
    assert.equal((await call(center.url, '/api/v1/events', { token: 'wrong' })).status, 401);
    assert.equal((await call(center.url, '/api/v1/events', { token: 'view-t' })).status, 200);
    assert.equal((await call(center.url, '/api/v1/events', { token: 'ingest-t' })).status, 403);
    assert.equal((await call(center.url, '/api/v1/ingest', { method: 'POST', body, token: 'view-t' })).status, 403);
    assert.equal((await call(center.url, '/api/v1/ingest', { method: 'POST', body, token: 'ingest-t' })).status, 200);
    const rule = JSON.stringify({ template: 'pod-oom' });
    assert.equal((await call(center.url, '/api/v1/alert-rules', { method: 'POST', body: rule, token: 'view-t' })).status, 403);
    assert.equal((await call(center.url, '/api/v1/alert-rules', { method: 'POST', body: rule, token: 'edit-t' })).status, 201);
    assert.deepEqual((await call(center.url, '/api/v1/whoami', { token: 'edit-t' })).body, { roles: ['editor', 'viewer'], auth: 'token' });
  });
});
