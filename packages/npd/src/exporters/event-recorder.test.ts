import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeNodeApi } from '../testing/fake-node-api.ts';
import { silentLogger } from '../testing/logger.ts';
import { EventRecorder } from './event-recorder.ts';

const node = { name: 'node-1', uid: 'uid-1' };
const event = (message: string, reason = 'OOMKilling') => ({ severity: 'warn' as const, timestamp: 1_700_000_000_000, reason, message });

function recorder(api: FakeNodeApi, extra: { spamBurst?: number } = {}) {
  const results: string[] = [];
  const drops: string[] = [];
  const r = new EventRecorder({
    create: (ns, e) => api.createEvent(ns, e),
    patch: (ns, name, p) => api.patchEvent(ns, name, p),
    logger: silentLogger(),
    onResult: (x) => results.push(x),
    onDrop: (x) => drops.push(x),
    ...extra,
  });
  return { r, results, drops };
}

describe('EventRecorder', () => {
  it('creates a core/v1 event on the Node, and PATCHes the count on repeats', async () => {
    const api = new FakeNodeApi();
    const { r, results } = recorder(api);
    r.record(node, 'kernel-monitor', event('Killed process 1'), 1);
    r.record(node, 'kernel-monitor', event('Killed process 1'), 2);
    r.record(node, 'kernel-monitor', event('Killed process 1'), 3);
    await r.flush();
    assert.equal(api.created.length, 1);
    const created = api.created[0];
    assert.deepEqual(created?.involvedObject, { kind: 'Node', name: 'node-1', uid: 'uid-1', apiVersion: 'v1' });
    assert.deepEqual(created?.source, { component: 'kernel-monitor', host: 'node-1' });
    assert.equal(created?.type, 'Warning');
    assert.equal(created?.metadata?.namespace, 'default');
    assert.match(created?.metadata?.name ?? '', /^node-1\.[0-9a-f]+$/);
    assert.deepEqual(
      api.eventPatches.map((p) => [p.name, p.patch.count]),
      [
        [created?.metadata?.name, 2],
        [created?.metadata?.name, 3],
      ],
    );
    assert.deepEqual(results, ['created', 'updated', 'updated']);
  });

  it('creates the event anew when the server forgot it (404 on PATCH)', async () => {
    const api = new FakeNodeApi();
    const { r } = recorder(api);
    r.record(node, 'kernel-monitor', event('x'), 1);
    await r.flush();
    api.injectError('patchEvent');
    r.record(node, 'kernel-monitor', event('x'), 2);
    await r.flush();
    assert.equal(api.created.length, 2);
  });

  it('combines similar events and caps a flapping source (spam filter)', async () => {
    const api = new FakeNodeApi();
    const { r, drops } = recorder(api, { spamBurst: 25 });
    for (let i = 0; i < 40; i++) r.record(node, 'flappy', event(`message ${i}`, 'Flap'), 1000 + i);
    await r.flush();
    assert.equal(api.created.length + api.eventPatches.length, 25, 'burst of 25, the rest dropped');
    assert.equal(drops.length, 15);
    // From the 10th distinct message on, they fold into one combined event whose count grows.
    assert.equal(api.created.length, 10);
    assert.match(api.created[9]?.message ?? '', /^\(combined from similar events\): message 9$/);
    // Another source on the same node has its own budget.
    r.record(node, 'other', event('hello'), 2000);
    await r.flush();
    assert.equal(api.created.at(-1)?.source?.component, 'other');
  });
});
