import { createLogger } from '@ack-npd/core/logger';
import { createRegistry } from '@ack-npd/core/metrics';
import { FakeClock } from '@ack-npd/core/testing/fake-clock';
import { SinkWorker } from '../delivery.ts';
import { createEventerMetrics } from '../metrics.ts';
import { kubeEvent } from '../sinks/fixtures/aliyun-sink-events.ts';
import { bumpWindowFor } from '../sinks/index.ts';
import type { KubeEvent, Sink } from '../types.ts';

// One event and 5 count bumps through the delivery layer with the sink's default bump window:
// what a receiver sees (count-bumps.test.ts for the data sinks and DingTalk, sinks/chat/ for the
// other chat sinks).
const logger = createLogger({ name: 't', level: 'silent' });

/** The event at count 1 (added), then bumps 2..6 (updated), as the watch delivers them. */
export function occurrences(): KubeEvent[] {
  const base = kubeEvent({ uid: 'bumped-uid' });
  return [1, 2, 3, 4, 5, 6].map((count) => ({
    ...base,
    count,
    resourceVersion: String(5000 + count),
    change: count === 1 ? 'added' : 'updated',
    raw: { ...base.raw, count, metadata: { ...base.raw.metadata, resourceVersion: String(5000 + count) } },
  }));
}

export async function realWait(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Offers the six occurrences to a worker around `sink` and returns after the bump window closed. */
export async function deliverBumps(sink: Sink, key: string, arrivals: () => number): Promise<{ atOnce: number; done: number[] }> {
  const clock = new FakeClock();
  const done: number[] = [];
  const stop = new AbortController();
  const worker = new SinkWorker({
    sink,
    clock,
    logger,
    metrics: createEventerMetrics(createRegistry({ defaultMetrics: false })),
    onDone: (seqs) => done.push(...seqs),
    delivery: { flushMs: 0, maxBatch: 100, bumpWindowMs: bumpWindowFor(sink, key) },
  });
  const running = worker.run(stop.signal);
  const events = occurrences();
  for (const [i, event] of events.entries()) worker.offer(i + 1, event);
  const window = bumpWindowFor(sink, key);
  await realWait(() => done.length > 0 && arrivals() > 0, 'the first delivery');
  if (window > 0) {
    // Give held bumps every chance to leak out before the window closes.
    await new Promise((resolve) => setTimeout(resolve, 200));
  } else {
    await realWait(() => done.length === 6, 'every bump');
  }
  const atOnce = arrivals();
  await clock.advance(window + 1);
  await realWait(() => done.length === 6, 'every occurrence acknowledged');
  stop.abort();
  await running;
  await sink.close();
  return { atOnce, done: [...done].sort() };
}
