import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '@ack-npd/core/testing/fake-clock';
import { backoffDelay, retryDelay } from './backoff.ts';
import { TokenBucket } from './token-bucket.ts';

test('backoff doubles, is capped and jittered downward', () => {
  const none = { initialMs: 100, maxMs: 1000, jitter: 0 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, none)),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.equal(backoffDelay(2, { initialMs: 100, jitter: 0.5, random: () => 1 }), 200);
  assert.equal(backoffDelay(2, { initialMs: 100, jitter: 0.5, random: () => 0 }), 400);
});

test('retryDelay honours a longer Retry-After', () => {
  assert.equal(retryDelay(0, 5000, { initialMs: 100, jitter: 0 }), 5000);
  assert.equal(retryDelay(3, 10, { initialMs: 100, jitter: 0 }), 800);
});

test('token bucket: 20 per minute, refills continuously, drain empties it', async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ clock, perMinute: 20 });
  let taken = 0;
  while (bucket.tryTake()) taken++;
  assert.equal(taken, 20);
  assert.equal(bucket.waitMs(), 3000);
  await clock.advance(3000);
  assert.equal(bucket.tryTake(), true);
  assert.equal(bucket.tryTake(), false);
  await clock.advance(60_000);
  bucket.drain();
  assert.equal(bucket.tryTake(), false);
});
