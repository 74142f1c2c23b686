import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Spool } from './spool.ts';
import { testEvent } from './testing/memory-sink.ts';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spool-'));
  dirs.push(dir);
  return dir;
}

test('appends, peeks in order, commits, and survives a reopen', async () => {
  const dir = await tempDir();
  const spool = new Spool({ dir, maxBytes: 1 << 20, segmentBytes: 2000 });
  await spool.open();
  const events = Array.from({ length: 30 }, (_, i) => testEvent({ uid: `u${i}` }));
  for (let i = 0; i < 30; i += 5) assert.equal(await spool.append(events.slice(i, i + 5)), 5);
  assert.equal(spool.size, 30);
  const first = await spool.peek(7);
  assert.deepEqual(
    first?.events.map((e) => e.uid),
    ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6'].slice(0, first?.events.length),
  );
  await first?.commit();
  const delivered = first?.events.length ?? 0;
  // A restart: the committed part is not read again.
  const reopened = new Spool({ dir, maxBytes: 1 << 20, segmentBytes: 2000 });
  await reopened.open();
  assert.equal(reopened.size, 30 - delivered);
  const seen: string[] = [];
  for (let batch = await reopened.peek(4); batch; batch = await reopened.peek(4)) {
    seen.push(...batch.events.map((e) => e.uid));
    await batch.commit();
  }
  assert.deepEqual(
    seen,
    events.slice(delivered).map((e) => e.uid),
  );
  assert.equal(reopened.size, 0);
  assert.equal(reopened.bytes, 0);
  assert.deepEqual(await readdir(dir), []);
});

test('refuses appends beyond the size cap', async () => {
  const dir = await tempDir();
  const one = JSON.stringify(testEvent()).length + 1;
  const spool = new Spool({ dir, maxBytes: one * 3 + 10 });
  await spool.open();
  assert.equal(await spool.append([testEvent(), testEvent(), testEvent()]), 3);
  assert.equal(await spool.append([testEvent()]), 0);
  assert.equal(spool.size, 3);
  assert.ok(spool.bytes <= one * 3 + 10);
  // Delivering frees room again.
  const batch = await spool.peek(3);
  await batch?.commit();
  assert.equal(await spool.append([testEvent()]), 1);
  // A batch larger than the room left: the oldest that fit are written, the rest refused.
  assert.equal(await spool.append([testEvent(), testEvent(), testEvent()]), 2);
  assert.equal(spool.size, 3);
});

test('an append that lands while the head file is being read is not lost when that file is removed', async () => {
  const dir = await tempDir();
  const spool = new Spool({ dir, maxBytes: 1_000_000 });
  await spool.open();
  await spool.append([testEvent({ uid: 'first' })]);
  const peeking = spool.peek(10);
  await spool.append([testEvent({ uid: 'during-read' })]);
  const batch = await peeking;
  assert.deepEqual(
    batch?.events.map((e) => e.uid),
    ['first'],
  );
  await batch?.commit();
  const next = await spool.peek(10);
  assert.deepEqual(
    next?.events.map((e) => e.uid),
    ['during-read'],
  );
});
