import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { systemClock } from '@ack-npd/core';
import { createLogger } from '@ack-npd/core/logger';
import { KubeEventSource, type SourceItem } from './source.ts';
import { FakeEventApiserver } from './testing/fake-apiserver.ts';

const logger = createLogger({ name: 'test', level: 'silent' });
const api = new FakeEventApiserver();
before(() => api.start());
after(() => api.close());

async function collect(source: KubeEventSource, signal: AbortSignal, items: SourceItem[]): Promise<void> {
  try {
    for await (const item of source.run(signal)) items.push(item);
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const names = (items: SourceItem[]) => items.flatMap((item) => (item.type === 'event' ? [`${item.event.name}#${item.event.count}`] : []));

test('lists in pages, then watches from the list resourceVersion; bookmarks move the resume point; 410 relists', async () => {
  for (let i = 0; i < 7; i++) api.upsert('ns', `pod-${i}.e`);
  const stop = new AbortController();
  const items: SourceItem[] = [];
  const source = new KubeEventSource({ kube: api.kube(), clock: systemClock, logger, pageSize: 3 });
  const running = collect(source, stop.signal, items);
  await waitFor(() => items.some((item) => item.type === 'sync' && item.relisted));
  assert.deepEqual(names(items), ['pod-0.e#1', 'pod-1.e#1', 'pod-2.e#1', 'pod-3.e#1', 'pod-4.e#1', 'pod-5.e#1', 'pod-6.e#1']);
  assert.equal(api.requests.filter((r) => r.includes('limit=3')).length, 3, 'three pages');
  await waitFor(() => source.status.healthy && api.requests.some((r) => r.includes('watch=1')));
  assert.ok(api.requests.some((r) => r.includes('allowWatchBookmarks=true') && r.includes(`resourceVersion=${api.resourceVersion}`)));

  api.upsert('ns', 'pod-1.e'); // count bump → MODIFIED
  api.upsert('ns', 'pod-7.e');
  await waitFor(() => names(items).length === 9);
  assert.deepEqual(names(items).slice(7), ['pod-1.e#2', 'pod-7.e#1']);
  assert.equal(source.status.resourceVersion, api.resourceVersion);

  // An apiserver restart: the watch resumes from the last resourceVersion, nothing lost.
  api.dropWatches();
  api.upsert('ns', 'pod-8.e');
  await waitFor(() => names(items).length === 10);
  assert.equal(names(items)[9], 'pod-8.e#1');
  assert.equal(source.status.relists, 0);

  // Too old a resourceVersion: 410 Gone → relist (the pipeline dedupes what was shipped).
  stop.abort();
  await running;
  api.upsert('ns', 'pod-9.e');
  api.compact();
  const again: SourceItem[] = [];
  const stop2 = new AbortController();
  const resumed = new KubeEventSource({ kube: api.kube(), clock: systemClock, logger, resourceVersion: '101' });
  const running2 = collect(resumed, stop2.signal, again);
  await waitFor(() => again.some((item) => item.type === 'sync' && item.relisted));
  assert.equal(resumed.status.relists, 1);
  assert.ok(names(again).includes('pod-9.e#1'));
  assert.equal(names(again).length, 10);
  stop2.abort();
  await running2;
});
