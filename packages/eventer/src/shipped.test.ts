import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DispatchedIndex, resourceVersionNewer, ShippedIndex } from './shipped.ts';
import { testEvent } from './testing/memory-sink.ts';

test('an unchanged event is not new; a count bump or newer resourceVersion is', () => {
  const index = new ShippedIndex();
  const event = testEvent({ uid: 'a', count: 1, resourceVersion: '10' });
  assert.equal(index.isNew(event), true);
  index.record(event);
  assert.equal(index.isNew(event), false);
  assert.equal(index.isNew({ ...event, count: 2, resourceVersion: '12' }), true);
  assert.equal(index.isNew({ ...event, resourceVersion: '11' }), true);
  assert.equal(index.isNew({ ...event, resourceVersion: '9' }), false);
  index.record({ ...event, count: 2, resourceVersion: '12' });
  assert.equal(index.isNew({ ...event, count: 1, resourceVersion: '10' }), false);
});

test('pruning by TTL and size raises the horizon; unknown old events count as shipped', () => {
  const index = new ShippedIndex({ ttlMs: 1000, maxEntries: 2 });
  const base = 1_700_000_000_000;
  index.record(testEvent({ uid: 'old', timestamp: base }));
  index.record(testEvent({ uid: 'b', timestamp: base + 5000 }));
  index.record(testEvent({ uid: 'c', timestamp: base + 6000 }));
  index.record(testEvent({ uid: 'd', timestamp: base + 7000 }));
  assert.equal(index.prune(base + 6500), 2); // 'old' by TTL, then 'b' by size
  assert.equal(index.size, 2);
  assert.equal(index.horizon, base + 5000);
  assert.equal(index.isNew(testEvent({ uid: 'b', timestamp: base + 5000 })), false);
  assert.equal(index.isNew(testEvent({ uid: 'new', timestamp: base + 8000 })), true);
  const copy = ShippedIndex.from(index.toJSON());
  assert.equal(copy.horizon, index.horizon);
  assert.equal(copy.has('c'), true);
  assert.equal(copy.has('d'), true);
});

test('resourceVersion comparison is numeric when it can be', () => {
  assert.equal(resourceVersionNewer('100', '99'), true);
  assert.equal(resourceVersionNewer('99', '100'), false);
  assert.equal(resourceVersionNewer('abc', 'abd'), true);
});

test('the dispatched index holds only changes in flight, not a copy of the shipped index', () => {
  const shipped = new ShippedIndex();
  const dispatched = new DispatchedIndex(shipped);
  for (let i = 0; i < 100; i++) shipped.record(testEvent({ uid: `s${i}`, resourceVersion: String(i + 1) }));
  assert.equal(dispatched.inFlight, 0);
  assert.equal(dispatched.has('s5'), true);
  assert.equal(dispatched.isNew(testEvent({ uid: 's5', resourceVersion: '6' })), false);

  const v1 = testEvent({ uid: 'a', count: 1, resourceVersion: '200' });
  const v2 = { ...v1, count: 2, resourceVersion: '201' };
  assert.equal(dispatched.isNew(v1), true);
  dispatched.dispatch(v1);
  assert.equal(dispatched.isNew(v1), false, 'a replay of what is in flight');
  assert.equal(dispatched.isNew(v2), true, 'a count bump while the first is in flight');
  dispatched.dispatch(v2);
  assert.equal(dispatched.inFlight, 1);
  // v1 shipped: v2 is still in flight
  shipped.record(v1);
  dispatched.settle(v1);
  assert.equal(dispatched.inFlight, 1);
  assert.equal(dispatched.isNew(v2), false);
  shipped.record(v2);
  dispatched.settle(v2);
  assert.equal(dispatched.inFlight, 0);
  assert.equal(dispatched.isNew(v2), false, 'the shipped index has it');
  assert.equal(dispatched.isNew({ ...v2, count: 3, resourceVersion: '202' }), true);
});
