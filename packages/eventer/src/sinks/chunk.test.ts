import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testEvent } from '../testing/memory-sink.ts';
import { chunkBySize, sendInRequests } from './chunk.ts';

test('chunkBySize keeps count and byte bounds; an oversized item gets its own request', () => {
  const sizes = [5, 5, 5, 20, 5];
  assert.deepEqual(chunkBySize(sizes, { maxCount: 2, maxBytes: 12, sizeOf: (n) => n }), [[5, 5], [5], [20], [5]]);
});

test('a retried batch does not resend the requests the destination already accepted', async () => {
  const sent: string[][] = [];
  let failSecond = true;
  const send = sendInRequests<string>({
    encode: (event) => event.uid,
    split: (items) => chunkBySize(items, { maxCount: 2, maxBytes: 1e9, sizeOf: () => 1 }),
    send: async (chunk) => {
      if (sent.length === 1 && failSecond) {
        failSecond = false;
        throw new Error('WriteQuotaExceed');
      }
      sent.push(chunk);
    },
  });
  const batch = ['a', 'b', 'c', 'd'].map((uid) => testEvent({ uid }));
  await assert.rejects(send(batch, AbortSignal.timeout(1000)), /WriteQuotaExceed/);
  await send(batch, AbortSignal.timeout(1000));
  assert.deepEqual(sent, [
    ['a', 'b'],
    ['c', 'd'],
  ]);
});
