import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createLogger } from '@ack-npd/core/logger';
import { createRegistry } from '@ack-npd/core/metrics';
import { FakeClock, flush } from '@ack-npd/core/testing/fake-clock';
import { SinkWorker } from './delivery.ts';
import { SinkError } from './errors.ts';
import { createEventerMetrics, type EventerMetrics } from './metrics.ts';
import { Spool } from './spool.ts';
import { MemorySink, testEvent } from './testing/memory-sink.ts';

const logger = createLogger({ name: 'test', level: 'silent' });
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface Harness {
  clock: FakeClock;
  metrics: EventerMetrics;
  done: number[];
  stop: AbortController;
  running: Promise<void>[];
}

function harness(): Harness {
  return {
    clock: new FakeClock(),
    metrics: createEventerMetrics(createRegistry({ defaultMetrics: false })),
    done: [],
    stop: new AbortController(),
    running: [],
  };
}

async function until(h: Harness, condition: () => boolean, stepMs = 100): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await h.clock.advance(stepMs);
    await flush();
  }
}

async function counter(metrics: EventerMetrics, name: keyof EventerMetrics, labels: Record<string, string>): Promise<number> {
  const data = await (metrics[name] as { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> }).get();
  return data.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

function worker(h: Harness, sink: MemorySink, extra: Partial<ConstructorParameters<typeof SinkWorker>[0]> = {}): SinkWorker {
  const w = new SinkWorker({
    sink,
    clock: h.clock,
    logger,
    metrics: h.metrics,
    onDone: (seqs) => h.done.push(...seqs),
    delivery: { flushMs: 1000, maxBatch: 10, maxRetries: 2, backoff: { initialMs: 100, jitter: 0 } },
    ...extra,
  });
  h.running.push(w.run(h.stop.signal));
  return w;
}

async function stop(h: Harness): Promise<void> {
  h.stop.abort();
  await Promise.all(h.running);
}

describe('SinkWorker', () => {
  test('batches until full or the flush interval passes', async () => {
    const h = harness();
    const sink = new MemorySink();
    const w = worker(h, sink);
    for (let i = 1; i <= 3; i++) w.offer(i, testEvent());
    await h.clock.advance(900);
    assert.equal(sink.batches.length, 0);
    await until(h, () => sink.batches.length === 1);
    assert.equal(sink.batches[0]?.length, 3);
    assert.deepEqual(h.done, [1, 2, 3]);
    for (let i = 4; i <= 13; i++) w.offer(i, testEvent());
    await flush();
    await h.clock.advance(0);
    assert.equal(sink.batches.length, 2, 'a full batch goes at once');
    await stop(h);
  });

  test('retries retryable errors with backoff, drops permanent ones (counted)', async () => {
    const h = harness();
    const sink = new MemorySink();
    sink.failures.push(MemorySink.retryable(), new SinkError('memory', 'bad request', { retryable: false }));
    const w = worker(h, sink, { delivery: { flushMs: 0, maxBatch: 1, maxRetries: 5, backoff: { initialMs: 100, jitter: 0 } } });
    w.offer(1, testEvent({ uid: 'first' }));
    await until(h, () => h.done.length === 1);
    assert.equal(sink.events.length, 0, 'second attempt was rejected permanently');
    assert.equal(await counter(h.metrics, 'dropped', { sink: 'memory', cause: 'rejected' }), 1);
    assert.equal(await counter(h.metrics, 'retries', { sink: 'memory' }), 1);
    w.offer(2, testEvent({ uid: 'second' }));
    await until(h, () => h.done.length === 2);
    assert.deepEqual(
      sink.events.map((e) => e.uid),
      ['second'],
    );
    await stop(h);
  });

  test('a sink that is down spools (acknowledging), then receives everything in order after recovery', async () => {
    const h = harness();
    const dir = await mkdtemp(join(tmpdir(), 'delivery-'));
    dirs.push(dir);
    const spool = new Spool({ dir, maxBytes: 1 << 20 });
    await spool.open();
    const sink = new MemorySink();
    sink.down = MemorySink.retryable('connection refused');
    const w = worker(h, sink, {
      spool,
      delivery: { flushMs: 0, maxBatch: 5, maxRetries: 2, backoff: { initialMs: 100, maxMs: 1000, jitter: 0 } },
    });
    const uids = Array.from({ length: 40 }, (_, i) => `e${i}`);
    for (const [i, uid] of uids.entries()) w.offer(i + 1, testEvent({ uid }));
    await until(h, () => h.done.length === 40);
    assert.equal(sink.events.length, 0);
    assert.equal(spool.size, 40);
    assert.equal(await counter(h.metrics, 'spooled', { sink: 'memory' }), 40);
    sink.down = undefined;
    await until(h, () => sink.events.length === 40, 500);
    assert.deepEqual(
      sink.events.map((e) => e.uid),
      uids,
    );
    assert.equal(spool.size, 0);
    await stop(h);
  });

  test('a slow sink does not slow another', async () => {
    const h = harness();
    const slow = new MemorySink('slow');
    slow.gate = new Promise(() => {}); // never answers
    const fast = new MemorySink('fast');
    const a = worker(h, slow, { delivery: { flushMs: 0, maxBatch: 1, sendTimeoutMs: 3_600_000 } });
    const b = worker(h, fast, { delivery: { flushMs: 0, maxBatch: 1 } });
    for (let i = 1; i <= 50; i++) {
      const event = testEvent();
      a.offer(i, event);
      b.offer(i, event);
    }
    await until(h, () => fast.events.length === 50);
    assert.equal(slow.events.length, 0);
    assert.equal(a.depth, 49);
    await h.clock.advance(7000);
    const lag = await counter(h.metrics, 'lag', { sink: 'slow' });
    assert.ok(lag >= 7, `lag is computed at scrape time: ${lag}`);
    assert.equal(await counter(h.metrics, 'lag', { sink: 'fast' }), 0);
    h.stop.abort();
    await Promise.all(h.running.slice(1));
  });

  test('over the rate limit, the backlog is folded into one summary, not dropped', async () => {
    const h = harness();
    const sink = new MemorySink('chat', { maxBatch: 1, perMinute: 2 });
    const w = worker(h, sink, { delivery: { flushMs: 0, maxBatch: 10 } });
    for (let i = 1; i <= 10; i++) w.offer(i, testEvent({ reason: i % 2 ? 'BackOff' : 'Failed' }));
    await until(h, () => h.done.length === 10);
    assert.equal(sink.sends, 2, 'two tokens, two messages');
    const summary = sink.batches[1]?.[0];
    assert.equal(summary?.folded?.events, 9);
    assert.match(summary?.message ?? '', /9 events folded/);
    assert.equal(await counter(h.metrics, 'folded', { sink: 'chat' }), 8);
    // Tokens come back: the next event waits for one instead of being lost.
    w.offer(11, testEvent({ uid: 'later' }));
    await until(h, () => h.done.length === 11, 1000);
    assert.equal(sink.batches.at(-1)?.[0]?.uid, 'later');
    await stop(h);
  });

  test('a rate-limited error empties the bucket and honours retryAfterMs', async () => {
    const h = harness();
    const sink = new MemorySink('chat', { maxBatch: 1, perMinute: 20 });
    sink.failures.push(new SinkError('chat', 'send too fast', { retryable: true, rateLimited: true, retryAfterMs: 60_000 }));
    const w = worker(h, sink, { delivery: { flushMs: 0 } });
    w.offer(1, testEvent());
    await h.clock.advance(30_000);
    assert.equal(sink.events.length, 0);
    await until(h, () => sink.events.length === 1, 5000);
    assert.ok(h.clock.now() - 1_700_000_000_000 >= 60_000);
    await stop(h);
  });
});

describe('repeat-fold window', () => {
  test('the first occurrence ships at once; repeats within the window ship as one summary when it closes', async () => {
    const h = harness();
    const sink = new MemorySink();
    const w = worker(h, sink, { delivery: { flushMs: 0, maxBatch: 10, repeatWindowMs: 60_000 } });
    const crash = (n: number) => testEvent({ reason: 'BackOff', kind: 'Pod', uid: `crash-${n}`, name: 'web-0.x' });
    const base = crash(0);
    const same = (n: number) => ({ ...crash(n), involvedObject: base.involvedObject });
    w.offer(1, base);
    w.offer(2, testEvent({ reason: 'Scheduled' }));
    await until(h, () => sink.events.length === 2);
    for (let i = 3; i <= 6; i++) {
      w.offer(i, same(i));
      await h.clock.advance(1000);
    }
    assert.equal(sink.events.length, 2, 'repeats are held');
    assert.deepEqual(h.done, [1, 2]);
    await until(h, () => sink.events.length === 3, 5000);
    const summary = sink.events[2];
    assert.equal(summary?.folded?.events, 4);
    assert.deepEqual([...h.done].sort(), [1, 2, 3, 4, 5, 6]);
    // After the window, the next occurrence opens a new one and ships at once.
    w.offer(7, same(7));
    await until(h, () => sink.events.length === 4);
    assert.equal(sink.events[3]?.uid, 'crash-7');
    await stop(h);
  });
});

test('the sink URI filter (e.g. level=Warning) is applied before queueing and rate limiting', async () => {
  const h = harness();
  const sink = Object.assign(new MemorySink('chat', { maxBatch: 1, perMinute: 2 }), { filter: { level: 'Warning', namespaces: ['prod'] } });
  const w = worker(h, sink, { delivery: { flushMs: 0 } });
  w.offer(1, testEvent({ type: 'Normal', namespace: 'prod' }));
  w.offer(2, testEvent({ type: 'Warning', namespace: 'dev' }));
  w.offer(3, testEvent({ type: 'Warning', namespace: 'dev', kind: 'Node', uid: 'node-event' }));
  w.offer(4, testEvent({ type: 'Warning', namespace: 'prod', uid: 'prod-warning' }));
  await until(h, () => h.done.length === 4);
  assert.equal(sink.sends, 2, 'two sends, no token wasted on filtered events');
  assert.deepEqual(
    sink.events.map((e) => e.uid),
    ['node-event', 'prod-warning'],
  );
  await stop(h);
});
