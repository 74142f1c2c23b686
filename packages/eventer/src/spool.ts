import { appendFile, mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeEvent } from './types.ts';

/**
 * A bounded on-disk queue of events for one sink, used while the sink is down or its
 * in-memory queue is full. JSON lines files `<seq>.jsonl` under `<dir>`; a file is closed
 * when it passes `segmentBytes`; reading takes the oldest file, `<seq>.jsonl.done` records how
 * many of its lines were delivered (so a restart resends at most one batch), and a file is
 * deleted once every line is delivered. Appends are flushed to disk before they resolve.
 * Beyond `maxBytes` `append` refuses, and the caller counts the drop.
 */
export class Spool {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #segmentBytes: number;
  #bytes = 0;
  #files: number[] = [];
  #nextSeq = 1;
  #writeSize = 0;
  #count = 0;
  /** Lines already delivered from the oldest file, and its parsed lines. */
  #head: { seq: number; lines: string[]; done: number } | undefined;
  #opened = false;

  constructor(options: { dir: string; maxBytes: number; segmentBytes?: number }) {
    this.#dir = options.dir;
    this.#maxBytes = options.maxBytes;
    this.#segmentBytes = options.segmentBytes ?? Math.max(4096, Math.min(4 << 20, Math.floor(options.maxBytes / 8)));
  }

  async open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const names = await readdir(this.#dir);
    const seqs = names
      .filter((name) => /^\d+\.jsonl$/.test(name))
      .map((name) => Number.parseInt(name, 10))
      .sort((a, b) => a - b);
    this.#files = seqs;
    this.#bytes = 0;
    this.#count = 0;
    for (const seq of seqs) {
      const text = await readFile(this.#path(seq), 'utf8');
      this.#bytes += Buffer.byteLength(text);
      const lines = text.split('\n').filter((line) => line !== '').length;
      this.#count += lines - (await this.#readDone(seq));
    }
    // Never append to a file that existed before: start a new segment.
    this.#nextSeq = (seqs.at(-1) ?? 0) + 1;
    this.#writeSize = this.#segmentBytes;
    this.#opened = true;
  }

  /** Events waiting in the spool. */
  get size(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Appends the oldest events that fit under the size cap; resolves how many were written. */
  async append(events: readonly KubeEvent[]): Promise<number> {
    if (!this.#opened) throw new Error('spool not opened');
    // The oldest events that fit under the cap; the caller drops (and counts) the rest.
    const lines: string[] = [];
    let size = 0;
    for (const event of events) {
      const line = `${JSON.stringify(event)}\n`;
      const bytes = Buffer.byteLength(line);
      if (this.#bytes + size + bytes > this.#maxBytes) break;
      lines.push(line);
      size += bytes;
    }
    if (lines.length === 0) return 0;
    if (this.#writeSize + size > this.#segmentBytes || this.#files.length === 0 || this.#writingHead()) {
      this.#files.push(this.#nextSeq++);
      this.#writeSize = 0;
    }
    const seq = this.#files.at(-1) as number;
    // Written in chunks: a full disk (ENOSPC) keeps the chunks before it, and the segment is cut
    // back to the last whole chunk so no torn line is ever read.
    let written = 0;
    for (let start = 0; start < lines.length; ) {
      let end = start;
      let chunk = '';
      while (end < lines.length && (chunk.length === 0 || chunk.length + (lines[end] as string).length <= 65_536)) chunk += lines[end++];
      try {
        await appendFile(this.#path(seq), chunk, { flush: true });
      } catch (error) {
        await truncate(this.#path(seq), this.#writeSize).catch(() => undefined);
        if (written === 0) throw error;
        break;
      }
      const bytes = Buffer.byteLength(chunk);
      this.#writeSize += bytes;
      this.#bytes += bytes;
      this.#count += end - start;
      written += end - start;
      start = end;
    }
    return written;
  }

  /** The head file is being read; start a new segment for writes so reads see a stable file. */
  #writingHead(): boolean {
    return this.#head !== undefined && this.#head.seq === this.#files.at(-1);
  }

  /** Up to `max` of the oldest events, without removing them; `commit` removes them. */
  async peek(max: number): Promise<{ events: KubeEvent[]; commit: () => Promise<void> } | undefined> {
    if (this.#count === 0) return undefined;
    for (;;) {
      if (!this.#head) {
        const seq = this.#files[0];
        if (seq === undefined) return undefined;
        // Seal the file before reading it: an append that lands while it is read goes to a new
        // one (sealing after the read lost such an event when the head file was removed).
        if (seq === this.#files.at(-1)) this.#writeSize = this.#segmentBytes;
        const text = await readFile(this.#path(seq), 'utf8');
        this.#head = { seq, lines: text.split('\n').filter((line) => line !== ''), done: await this.#readDone(seq) };
      }
      const head = this.#head;
      if (head.done >= head.lines.length) {
        await this.#removeHead();
        continue;
      }
      const lines = head.lines.slice(head.done, head.done + max);
      const events = lines.map((line) => JSON.parse(line) as KubeEvent);
      return {
        events,
        commit: async () => {
          if (this.#head !== head) return;
          head.done += lines.length;
          this.#count -= lines.length;
          if (head.done >= head.lines.length) await this.#removeHead();
          // Disk full: the progress stays in memory (only a restart before the file is done would resend it).
          else await writeFile(`${this.#path(head.seq)}.done`, String(head.done), { flush: true }).catch(() => undefined);
        },
      };
    }
  }

  async #removeHead(): Promise<void> {
    const head = this.#head;
    if (!head) return;
    const path = this.#path(head.seq);
    const size = await stat(path).then(
      (info) => info.size,
      () => 0,
    );
    await rm(path, { force: true });
    await rm(`${path}.done`, { force: true });
    this.#bytes -= size;
    this.#files = this.#files.filter((seq) => seq !== head.seq);
    this.#head = undefined;
  }

  async #readDone(seq: number): Promise<number> {
    try {
      return Number.parseInt(await readFile(`${this.#path(seq)}.done`, 'utf8'), 10) || 0;
    } catch {
      return 0;
    }
  }

  #path(seq: number): string {
    return join(this.#dir, `${String(seq).padStart(12, '0')}.jsonl`);
  }
}
