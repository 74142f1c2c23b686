import { close, constants, fstat, open, read } from 'node:fs';
import { Socket } from 'node:net';
import { type Clock, systemClock } from '@ack-npd/core';
import { SourceUnavailableError } from '../errors.ts';

/** Receives the records of a shared kmsg reader. */
export interface KmsgSubscriber {
  /** One record line as read ("pri,seq,usec,flags;message" or a " KEY=value" continuation). */
  record(line: string): void;
  /** The reader failed (read error); the subscription is over. */
  fail(error: Error): void;
}

export interface KmsgReaderOptions {
  readonly clock?: Clock;
  /**
   * Regular files (fixtures, replays) are read to their end and then polled: after a record within
   * 100 ms, backing off, doubling, to this (2 s).
   */
  readonly pollMs?: number;
  /** Read a FIFO as the kernel's device is read, woken by the kernel only (tests). */
  readonly streamFifo?: boolean;
}

/** What the readers did since start (tests, diagnostics). */
export const kmsgReaderStats = { opens: 0, overwritten: 0 };

interface SharedReader {
  readonly subscribers: Set<KmsgSubscriber>;
  readonly opened: Promise<void>;
  stop(): void;
}

const readers = new Map<string, SharedReader>();

/**
 * Subscribes to the one reader of `file` that every kmsg monitor shares (opened by the first
 * subscriber, closed when the last one leaves). Resolves once the file is open, with the
 * unsubscribe function; rejects with SourceUnavailableError when it cannot be opened.
 *
 * The kernel's device is watched by epoll (a libuv stream on the fd) and read only when a record
 * arrives: an idle node wakes the agent for nothing, no thread is parked in read(), and stopping
 * closes the stream at once (a read blocked in the thread pool could not be cancelled and would
 * hold the process at exit). When records were overwritten before being read (EPIPE) the reader
 * counts it and reopens the device, skipping the records it already delivered.
 */
export async function subscribeKmsg(file: string, subscriber: KmsgSubscriber, options: KmsgReaderOptions = {}): Promise<() => void> {
  let reader = readers.get(file);
  if (!reader) {
    reader = startReader(file, options);
    readers.set(file, reader);
  }
  const shared = reader;
  shared.subscribers.add(subscriber);
  const unsubscribe = (): void => {
    if (!shared.subscribers.delete(subscriber) || shared.subscribers.size > 0) return;
    shared.stop();
    if (readers.get(file) === shared) readers.delete(file);
  };
  try {
    await shared.opened;
  } catch (error) {
    unsubscribe();
    throw error;
  }
  return unsubscribe;
}

function startReader(file: string, options: KmsgReaderOptions): SharedReader {
  const clock = options.clock ?? systemClock;
  const subscribers = new Set<KmsgSubscriber>();
  const controller = new AbortController();
  let pending = '';
  /** The highest sequence number delivered, and after a reopen (the device replays from its oldest record) the one to skip through. */
  let lastSequence = -1;
  let skipThrough = -1;
  const deliver = (text: string): void => {
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const sequence = Number(/^\d+,(\d+),/.exec(line)?.[1] ?? Number.NaN);
      if (sequence <= skipThrough) continue;
      if (Number.isInteger(sequence)) lastSequence = sequence;
      for (const subscriber of subscribers) subscriber.record(line);
    }
  };
  const fail = (error: Error): void => {
    if (controller.signal.aborted) return;
    controller.abort();
    if (readers.get(file) === reader) readers.delete(file);
    const failed = [...subscribers];
    subscribers.clear();
    for (const subscriber of failed) subscriber.fail(error);
  };
  let socket: Socket | undefined;
  let fd: number | undefined;

  const openStream = async (): Promise<boolean> => {
    const opened = await openFile(file);
    const kind = await fileKind(opened);
    const handle = kind === 'device' || (kind === 'fifo' && options.streamFifo) ? pipeHandle(opened) : undefined;
    if (controller.signal.aborted) {
      closeFd(opened);
      return true;
    }
    if (!handle) {
      fd = opened;
      return false;
    }
    const stream = new Socket({ handle, readable: true, writable: false } as ConstructorParameters<typeof Socket>[0]);
    socket = stream;
    stream.setEncoding('utf8');
    stream.on('data', deliver);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') {
        fail(new SourceUnavailableError(file, `read failed: ${error.message}`, { cause: error }));
        return;
      }
      kmsgReaderStats.overwritten++;
      pending = '';
      skipThrough = lastSequence;
      openStream().catch((reopen: Error) => fail(reopen));
    });
    stream.on('end', () => fail(new SourceUnavailableError(file, 'log source ended')));
    return true;
  };

  const poll = async (handle: number): Promise<void> => {
    const maxPollMs = options.pollMs ?? 2000;
    const minPollMs = Math.min(100, maxPollMs);
    const buffer = Buffer.alloc(16 * 1024);
    let pollMs = minPollMs;
    while (!controller.signal.aborted) {
      let bytes = 0;
      try {
        bytes = await readFd(handle, buffer);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          kmsgReaderStats.overwritten++;
          continue;
        }
        if (code !== 'EAGAIN') throw new SourceUnavailableError(file, `read failed: ${(error as Error).message}`, { cause: error });
      }
      if (controller.signal.aborted) return;
      if (bytes === 0) {
        try {
          await clock.sleep(pollMs, controller.signal);
        } catch {
          return;
        }
        pollMs = Math.min(pollMs * 2, maxPollMs);
        continue;
      }
      pollMs = minPollMs;
      deliver(buffer.toString('utf8', 0, bytes));
    }
  };

  const opened = openStream().then((streaming) => {
    if (streaming || fd === undefined) return;
    const handle = fd;
    poll(handle)
      .catch((error: Error) => fail(error))
      .finally(() => closeFd(handle));
  });
  const reader: SharedReader = {
    subscribers,
    opened,
    stop: () => {
      controller.abort();
      socket?.destroy();
    },
  };
  return reader;
}

async function openFile(file: string): Promise<number> {
  try {
    const fd = await new Promise<number>((resolve, reject) =>
      open(file, constants.O_RDONLY | constants.O_NONBLOCK, (error, opened) => (error ? reject(error) : resolve(opened))),
    );
    kmsgReaderStats.opens++;
    return fd;
  } catch (error) {
    throw new SourceUnavailableError(file, `cannot open: ${(error as Error).message}`, { cause: error });
  }
}

function fileKind(fd: number): Promise<'device' | 'fifo' | 'file'> {
  return new Promise((resolve, reject) =>
    fstat(fd, (error, stats) => (error ? reject(error) : resolve(stats.isCharacterDevice() ? 'device' : stats.isFIFO() ? 'fifo' : 'file'))),
  );
}

function readFd(fd: number, buffer: Buffer): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buffer, 0, buffer.length, null, (error, bytes) => (error ? reject(error) : resolve(bytes))),
  );
}

function closeFd(fd: number): void {
  close(fd, () => {});
}

interface PipeWrap {
  Pipe: new (type: number) => { open(fd: number): number };
  constants: { SOCKET: number };
}

/**
 * A libuv stream over a pollable fd. Node's public API only wraps fds it classifies as pipes,
 * sockets or TTYs and a character device is a "FILE" to it, so this uses the pipe binding that
 * net.Socket itself is built on. Without it (a Node that drops the binding), the reader polls.
 */
function pipeHandle(fd: number): object | undefined {
  try {
    const { Pipe, constants: pipe } = (process as unknown as { binding(name: 'pipe_wrap'): PipeWrap }).binding('pipe_wrap');
    const handle = new Pipe(pipe.SOCKET);
    return handle.open(fd) === 0 ? handle : undefined;
  } catch {
    return undefined;
  }
}
