import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@ack-npd/core/logger';
import { createRegistry } from '@ack-npd/core/metrics';
import { FakeClock, flush } from '@ack-npd/core/testing/fake-clock';
import { MemoryCheckpointStore } from './checkpoint.ts';
import { SinkWorker } from './delivery.ts';
import { createEventerMetrics } from './metrics.ts';
import { Pipeline } from './pipeline.ts';
import { MemorySink, testEvent } from './testing/memory-sink.ts';

const logger = createLogger({ name: 'test', level: 'silent' });

function setup(sinks: MemorySink[], store = new MemoryCheckpointStore()) {
  const clock = new FakeClock();
  const metrics = createEventerMetrics(createRegistry({ defaultMetrics: false }));
  let pipeline: Pipeline | undefined;
  const stop = new AbortController();
  const workers = sinks.map(
    (sink) =>
      new SinkWorker({
        sink,
        clock,
        logger,
        metrics,
        onDone: (seqs) => pipeline?.done(seqs),
        delivery: { flushMs: 0, maxBatch: 1, backoff: { initialMs: 100, jitter: 0 } },
      }),
  );
  const running = workers.map((w) => w.run(stop.signal));
  const load = (checkpoint = store.value) =>
    new Pipeline({ workers, store, ...(checkpoint ? { checkpoint } : {}), clock, logger, metrics, minSaveGapMs: 0 });
  pipeline = load();
  return {
    clock,
    store,
    get pipeline() {
      return pipeline as Pipeline;
    },
    reload() {
      pipeline = load();
    },
    async stop() {
      stop.abort();
      await Promise.all(running);
    },
  };
}

test('dedupes relists and replays; a count bump ships once as an update', async () => {
  const sink = new MemorySink();
  const t = setup([sink]);
  const a = testEvent({ uid: 'a', resourceVersion: '10', count: 1 });
  const b = testEvent({ uid: 'b', resourceVersion: '11', count: 1 });
  t.pipeline.handle({ type: 'event', event: a });
  t.pipeline.handle({ type: 'event', event: b });
  t.pipeline.handle({ type: 'sync', resourceVersion: '11', relisted: true });
  // the watch replays the same objects, then a count bump of a
  t.pipeline.handle({ type: 'event', event: a });
  const bumped = { ...a, count: 2, resourceVersion: '12', change: 'added' as const };
  t.pipeline.handle({ type: 'event', event: bumped });
  t.pipeline.handle({ type: 'event', event: bumped });
  await t.clock.advance(0);
  await flush();
  assert.deepEqual(
    sink.events.map((e) => `${e.uid}:${e.count}:${e.change}`),
    ['a:1:added', 'b:1:added', 'a:2:updated'],
  );
  await t.stop();
});

test('the checkpoint only passes events every sink is done with, and a restart resumes without duplicates', async () => {
  const ok = new MemorySink('ok');
  const blocked = new MemorySink('blocked');
  let release: () => void = () => {};
  blocked.gate = new Promise((resolve) => {
    release = resolve;
  });
  const t = setup([ok, blocked]);
  const events = [1, 2, 3].map((i) => testEvent({ uid: `e${i}`, resourceVersion: String(100 + i) }));
  for (const event of events) {
    t.pipeline.handle({ type: 'event', event });
    t.pipeline.handle({ type: 'sync', resourceVersion: event.resourceVersion, relisted: false });
  }
  await t.clock.advance(0);
  assert.equal(ok.events.length, 3);
  assert.equal(t.pipeline.resourceVersion, '', 'blocked sink holds the checkpoint back');
  release();
  blocked.gate = undefined;
  for (let i = 0; i < 20 && (t.pipeline.resourceVersion as string) !== '103'; i++) await t.clock.advance(10);
  assert.equal(t.pipeline.resourceVersion, '103');
  await t.pipeline.save();
  assert.equal(t.store.value?.resourceVersion, '103');
  assert.equal(t.store.value?.shipped.length, 3);

  // A new process: same events again from a relist, plus one new one.
  t.reload();
  for (const event of [...events, testEvent({ uid: 'e4', resourceVersion: '104' })]) t.pipeline.handle({ type: 'event', event });
  await t.clock.advance(0);
  for (let i = 0; i < 20 && ok.events.length < 4; i++) await t.clock.advance(10);
  assert.deepEqual(
    ok.events.map((e) => e.uid),
    ['e1', 'e2', 'e3', 'e4'],
  );
  assert.deepEqual(
    blocked.events.map((e) => e.uid),
    ['e1', 'e2', 'e3', 'e4'],
  );
  await t.stop();
});

test('the shipped index stays bounded, with or without a checkpoint store', async () => {
  const clock = new FakeClock();
  const metrics = createEventerMetrics(createRegistry({ defaultMetrics: false }));
  for (const store of [undefined, new MemoryCheckpointStore()]) {
    const pipeline = new Pipeline({ workers: [], ...(store ? { store } : {}), clock, logger, metrics, maxEntries: 10, ttlMs: 60_000 });
    for (let i = 0; i < 50; i++) pipeline.handle({ type: 'event', event: testEvent({ timestamp: clock.now() + i }) });
    assert.equal(pipeline.shippedSize, 50);
    await pipeline.save();
    assert.equal(pipeline.shippedSize, 10);
    if (store) assert.equal(store.value?.shipped.length, 10);
    // The oldest were pruned by size: the horizon still keeps them from shipping again.
    assert.equal(pipeline.inFlight, 0);
  }
});

test('dedupe memory: shipped events are held once (the shipped index), in-flight ones until every sink is done', async () => {
  const sink = new MemorySink();
  let open = () => {};
  sink.gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const t = setup([sink]);
  for (let i = 0; i < 50; i++) t.pipeline.handle({ type: 'event', event: testEvent({ uid: `u${i}`, resourceVersion: String(100 + i) }) });
  await t.clock.advance(0);
  await flush();
  assert.equal(t.pipeline.shippedSize, 0);
  assert.equal(t.pipeline.indexEntries, 50, 'all in flight');
  open();
  sink.gate = undefined;
  for (let i = 0; i < 20 && sink.events.length < 50; i++) {
    await t.clock.advance(0);
    await flush();
  }
  assert.equal(sink.events.length, 50);
  assert.equal(t.pipeline.shippedSize, 50);
  assert.equal(t.pipeline.indexEntries, 50, 'not a second copy of the shipped index');
  // a replay of a shipped event is still deduped
  t.pipeline.handle({ type: 'event', event: testEvent({ uid: 'u7', resourceVersion: '107' }) });
  await t.clock.advance(0);
  await flush();
  assert.equal(sink.events.length, 50);
  await t.stop();
});
