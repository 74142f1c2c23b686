import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ShippedJournal } from './journal.ts';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('entries survive until the checkpoint that holds them is saved', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'journal-'));
  dirs.push(dir);
  const path = join(dir, 'shipped.journal');
  const journal = new ShippedJournal(path);
  journal.append([['a', '1', 1, 10]]);
  journal.append([['b', '2', 1, 20]]);
  assert.deepEqual(await new ShippedJournal(path).load(), [
    ['a', '1', 1, 10],
    ['b', '2', 1, 20],
  ]);
  await journal.rotate(); // a save starts
  journal.append([['c', '3', 1, 30]]);
  // the save failed: the next rotation keeps the old entries
  await journal.rotate();
  journal.append([['d', '4', 1, 40]]);
  assert.deepEqual(
    (await journal.load()).map((e) => e[0]),
    ['a', 'b', 'c', 'd'],
  );
  await journal.commit(); // saved: a, b, c are in the checkpoint
  assert.deepEqual(
    (await journal.load()).map((e) => e[0]),
    ['d'],
  );
});
