import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Clock } from '@ack-npd/core';
import { waitFor } from '@ack-npd/testkit';
import { createHostFs } from '../hostfs.ts';
import { createKmsgWatcher } from './kmsg.ts';
import { kmsgReaderStats, subscribeKmsg } from './kmsg-reader.ts';
import type { LogLine } from './watcher.ts';

/** How many of this process's fds are open on `path`. */
const fdsOn = (path: string): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;

/** A clock whose sleep() is counted: the device reader must never need one. */
function countingClock(): Clock & { sleeps: number } {
  const clock = {
    sleeps: 0,
    now: () => Date.now(),
    sleep: (_ms: number, signal?: AbortSignal) => {
      clock.sleeps++;
      return new Promise<void>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
    },
  };
  return clock;
}

describe('shared kmsg reader', () => {
  it('three kmsg monitors share one open fd, all get every record, and an idle reader sets no timer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmsg-reader-'));
    const root = join(dir, 'host');
    mkdirSync(join(root, 'dev'), { recursive: true });
    mkdirSync(join(root, 'proc'));
    writeFileSync(join(root, 'proc', 'stat'), `btime ${Math.floor(Date.now() / 1000) - 100}\n`);
    const fifo = join(root, 'dev', 'kmsg');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    // Held open for writing (and reading, so opening never blocks) by the test: the kernel's side.
    const writer = openSync(fifo, 'r+');
    const clock = countingClock();
    const opensBefore = kmsgReaderStats.opens;
    const controller = new AbortController();
    const received: LogLine[][] = [[], [], []];
    const running = received.map(async (lines) => {
      const watcher = createKmsgWatcher({ hostfs: createHostFs(root), lookbackMs: 0, delayMs: 0, clock, streamFifo: true });
      for await (const line of watcher.watch(controller.signal)) lines.push(line);
    });
    try {
      await waitFor('the shared reader to open', () => kmsgReaderStats.opens > opensBefore, { timeoutMs: 10_000 });
      const usec = 100 * 1e6 + 5_000_000;
      writeSync(writer, `6,1,${usec},-;first record\n3,2,${usec + 1},-;Out of memory: Killed process 7\n SUBSYSTEM=x\n`);
      await waitFor('every monitor to get both records', () => received.every((lines) => lines.length === 2), {
        timeoutMs: 10_000,
        describe: () => JSON.stringify(received),
      });
      for (const lines of received) {
        assert.deepEqual(
          lines.map((l) => l.message),
          ['first record', 'Out of memory: Killed process 7'],
        );
      }
      assert.equal(kmsgReaderStats.opens - opensBefore, 1, 'one open for three monitors');
      assert.equal(fdsOn(fifo), 1 + 1, 'the reader holds one fd on the path (the other is the test writer)');
      // Idle: nothing arrives, and the reader waits on the kernel (epoll), not on a timer.
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(clock.sleeps, 0, 'the reader never slept: no polling');
      assert.equal(
        process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length,
        0,
        'no timer is scheduled while the reader is idle',
      );
      writeSync(writer, `6,3,${usec + 2},-;after idle\n`);
      await waitFor('the record after idle', () => received.every((lines) => lines.length === 3), { timeoutMs: 10_000 });
    } finally {
      controller.abort();
      await Promise.all(running);
      closeSync(writer);
    }
    assert.equal(fdsOn(fifo), 0, 'the last monitor to leave closes the reader');
  });

  it('reads the kernel device /dev/kmsg through one fd for all subscribers, without polling', async () => {
    const clock = countingClock();
    const before = fdsOn('/dev/kmsg');
    const got: string[][] = [[], []];
    const failures: Error[] = [];
    const unsubscribes = await Promise.all(
      got.map((lines) => subscribeKmsg('/dev/kmsg', { record: (line) => lines.push(line), fail: (e) => failures.push(e) }, { clock })),
    );
    try {
      // The device replays its ring buffer to a new reader: both subscribers see the same records.
      await waitFor('records from the kernel ring buffer', () => got.every((lines) => lines.length > 0), {
        timeoutMs: 10_000,
        describe: () => `failures: ${failures.map((f) => f.message).join('; ')}`,
      });
      await waitFor('both subscribers to see the same records', () => got[0]?.length === got[1]?.length, { timeoutMs: 10_000 });
      assert.deepEqual(got[0]?.slice(0, 5), got[1]?.slice(0, 5));
      assert.match(got[0]?.[0] ?? '', /^\d+,\d+,\d+,/);
      assert.equal(fdsOn('/dev/kmsg') - before, 1, 'one fd on /dev/kmsg for both subscribers');
      assert.equal(clock.sleeps, 0, 'the device is never polled');
      assert.deepEqual(failures, []);
    } finally {
      for (const unsubscribe of unsubscribes) unsubscribe();
    }
    await waitFor('the fd to close', () => fdsOn('/dev/kmsg') === before, { timeoutMs: 10_000 });
  });

  it('a path that cannot be opened fails the subscriber with the path in the message', async () => {
    await assert.rejects(
      subscribeKmsg('/nonexistent-root/dev/kmsg', { record: () => {}, fail: () => {} }),
      /\/nonexistent-root\/dev\/kmsg: cannot open/,
    );
  });
});
