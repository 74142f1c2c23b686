import { appendFileSync } from 'node:fs';
import { appendFile, readFile, rename, rm, stat } from 'node:fs/promises';
import type { ShippedEntry } from './shipped.ts';

/**
 * A local write-ahead record of events every sink accepted since the last checkpoint save,
 * so a `kill -9` (container restart with the same volume) does not resend what was accepted
 * in the last checkpoint interval. JSON lines of ShippedEntry in `<path>`; on a checkpoint
 * save the file is rotated to `<path>.old` and deleted once the save succeeded; loading
 * reads both.
 */
export class ShippedJournal {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  /**
   * Synchronous write(2) without fsync: in the page cache the moment the sink's answer is
   * handled, so a killed process (kill -9, OOM) loses nothing; only a node crash can lose the
   * tail. A few microseconds per call.
   */
  append(entries: readonly ShippedEntry[]): boolean {
    try {
      appendFileSync(this.#path, `${entries.map((entry) => JSON.stringify(entry)).join('\n')}\n`);
      return true;
    } catch {
      // Disk full or gone: the journal only narrows redelivery after a kill -9; the checkpoint
      // still records what was shipped. Never let it stop shipping. (A torn line is skipped on load.)
      return false;
    }
  }

  /** Before a checkpoint snapshot: what follows goes to a fresh file. */
  async rotate(): Promise<void> {
    const old = `${this.#path}.old`;
    if (!(await exists(this.#path))) return;
    if (await exists(old)) {
      await appendFile(old, await readFile(this.#path, 'utf8'), { flush: true });
      await rm(this.#path, { force: true });
    } else {
      await rename(this.#path, old);
    }
  }

  /** After the checkpoint holding everything up to the rotation was saved. */
  async commit(): Promise<void> {
    await rm(`${this.#path}.old`, { force: true });
  }

  async load(): Promise<ShippedEntry[]> {
    const entries: ShippedEntry[] = [];
    for (const path of [`${this.#path}.old`, this.#path]) {
      let text = '';
      try {
        text = await readFile(path, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        try {
          entries.push(JSON.parse(line) as ShippedEntry);
        } catch {
          // a torn last line after a crash: that entry was not flushed
        }
      }
    }
    return entries;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
