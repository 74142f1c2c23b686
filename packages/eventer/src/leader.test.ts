import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { systemClock } from '@ack-npd/core';
import { createLogger } from '@ack-npd/core/logger';
import { LeaderElector } from './leader.ts';
import { FakeLeaseServer } from './testing/fake-lease-server.ts';

const logger = createLogger({ name: 't', level: 'silent' });
const server = new FakeLeaseServer();
before(() => server.start());
after(() => server.close());

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function candidate(identity: string, name: string, finalStepMs = 0) {
  const elector = new LeaderElector({
    kube: server.kube(),
    namespace: 'ns',
    name,
    identity,
    leaseDurationMs: 1000,
    renewDeadlineMs: 600,
    retryPeriodMs: 100,
    clock: systemClock,
    logger,
  });
  const stop = new AbortController();
  const terms: string[] = [];
  const running = elector.run(stop.signal, async (leadership) => {
    terms.push('start');
    await new Promise<void>((resolve) => leadership.addEventListener('abort', () => resolve(), { once: true }));
    // The term's final work (the checkpoint save) after the stop.
    if (finalStepMs > 0) await new Promise((resolve) => setTimeout(resolve, finalStepMs));
    terms.push(elector.leaseValid ? 'end, lease still held' : 'end');
  });
  return { elector, stop, terms, running };
}

test('one leader at a time; a graceful stop releases the lease and the follower takes over at once', async () => {
  const a = candidate('a', 'graceful');
  await waitFor(() => a.elector.leading);
  assert.equal(a.elector.leaseValid, true);
  const b = candidate('b', 'graceful');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(b.elector.leading, false);
  assert.equal(server.holder('ns', 'graceful'), 'a');
  const stoppedAt = Date.now();
  a.stop.abort();
  await a.running;
  assert.deepEqual(a.terms, ['start', 'end, lease still held']);
  await waitFor(() => b.elector.leading);
  assert.ok(Date.now() - stoppedAt < 900, 'took over before the lease would have expired');
  assert.equal(server.holder('ns', 'graceful'), 'b');
  b.stop.abort();
  await b.running;
});

test('a dead holder is replaced only after the lease duration, as observed locally', async () => {
  const now = new Date().toISOString().replace('Z', '000Z');
  server.leases.set('ns/crash', {
    metadata: { name: 'crash', namespace: 'ns', resourceVersion: '1' },
    spec: { holderIdentity: 'ghost', leaseDurationSeconds: 1, renewTime: now, acquireTime: now, leaseTransitions: 3 },
  });
  const started = Date.now();
  const c = candidate('c', 'crash');
  await waitFor(() => c.elector.leading, 5000);
  assert.ok(Date.now() - started >= 1000, `waited ${Date.now() - started} ms`);
  assert.equal(server.leases.get('ns/crash')?.spec.leaseTransitions, 4);
  c.stop.abort();
  await c.running;
});

test('a leader that cannot renew steps down after the renew deadline', async () => {
  const d = candidate('d', 'stolen');
  await waitFor(() => d.elector.leading);
  // Someone else holds it now (e.g. after a partition): every renew fails.
  const lease = server.leases.get('ns/stolen');
  assert.ok(lease);
  lease.spec = { ...lease.spec, holderIdentity: 'other', renewTime: new Date().toISOString() };
  const keep = setInterval(() => {
    if (lease.spec) lease.spec.renewTime = new Date().toISOString();
  }, 50);
  await waitFor(() => d.terms.includes('end'), 3000);
  clearInterval(keep);
  assert.equal(d.elector.leading, false);
  assert.equal(d.elector.leaseValid, false);
  d.stop.abort();
  await d.running;
});

test('after a graceful stop the lease is renewed until the final step is done, however long it takes', async () => {
  const e = candidate('e', 'slow-save', 2500);
  await waitFor(() => e.elector.leading);
  const f = candidate('f', 'slow-save');
  try {
    e.stop.abort();
    // 2.5 s: longer than the 1 s lease; without renewing, f would take over meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(f.elector.leading, false);
    assert.equal(server.holder('ns', 'slow-save'), 'e');
    await e.running;
    assert.deepEqual(e.terms, ['start', 'end, lease still held']);
    await waitFor(() => f.elector.leading);
  } finally {
    e.stop.abort();
    f.stop.abort();
    await Promise.all([e.running, f.running]);
  }
});
