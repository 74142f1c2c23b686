import type { LogLine } from './watcher.ts';

/**
 * NPD's log buffer: the last `size` lines, joined with "\n"; a rule matches when its pattern
 * matches at the END of the joined text, and the matched lines are those the match covers.
 */
export class LogBuffer {
  readonly #size: number;
  readonly #lines: LogLine[] = [];

  constructor(size: number) {
    this.#size = Math.max(1, size);
  }

  push(line: LogLine): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#size) this.#lines.shift();
  }

  /** The lines the (end-anchored) regexp covers, oldest first; empty when it does not match. */
  match(regexp: RegExp): LogLine[] {
    const text = this.#lines.map((l) => l.message).join('\n');
    regexp.lastIndex = 0;
    const found = regexp.exec(text);
    if (!found) return [];
    let offset = 0;
    for (let i = 0; i < this.#lines.length; i++) {
      const end = offset + (this.#lines[i]?.message.length ?? 0);
      if (found.index <= end) return this.#lines.slice(i);
      offset = end + 1;
    }
    return this.#lines.slice(-1);
  }
}
