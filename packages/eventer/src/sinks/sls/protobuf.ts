/**
 * The Log Service PutLogs body: a protobuf (proto2) LogGroup, hand-encoded because the
 * schema is four tiny messages and the body must be exact (it is signed via Content-MD5):
 *
 *   LogGroup { repeated Log logs = 1; optional string reserved = 2; optional string topic = 3;
 *              optional string source = 4; repeated LogTag logTags = 6; }
 *   Log      { required uint32 time = 1; repeated Content contents = 2; optional fixed32 time_ns = 4; }
 *   Content / LogTag { required string key = 1; required string value = 2; }
 */

export interface SlsLog {
  /** Seconds since the epoch. */
  readonly time: number;
  /** Nanoseconds within the second (optional field 4). */
  readonly timeNs?: number;
  readonly contents: readonly (readonly [string, string])[];
}

export interface SlsLogGroup {
  readonly logs: readonly SlsLog[];
  readonly topic?: string;
  readonly source?: string;
  readonly logTags?: readonly (readonly [string, string])[];
}

class Writer {
  #chunks: Uint8Array[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#length += bytes.length;
  }

  varint(value: number): void {
    const bytes: number[] = [];
    let v = value >>> 0;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    bytes.push(v);
    this.push(Uint8Array.from(bytes));
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, 2);
    this.varint(bytes.length);
    this.push(bytes);
  }

  stringField(field: number, text: string): void {
    this.bytesField(field, Buffer.from(text, 'utf8'));
  }

  fixed32Field(field: number, value: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.push(b);
  }

  finish(): Uint8Array {
    return Buffer.concat(this.#chunks, this.#length);
  }
}

function pair(key: string, value: string): Uint8Array {
  const w = new Writer();
  w.stringField(1, key);
  w.stringField(2, value);
  return w.finish();
}

/** Encodes one Log message (without its LogGroup tag). */
export function encodeLog(log: SlsLog): Uint8Array {
  const w = new Writer();
  w.tag(1, 0);
  w.varint(log.time);
  for (const [key, value] of log.contents) w.bytesField(2, pair(key, value));
  if (log.timeNs !== undefined) w.fixed32Field(4, log.timeNs);
  return w.finish();
}

/** Bytes one encoded log adds to a LogGroup (tag + length + message). */
export function encodedLogSize(encoded: Uint8Array): number {
  return 1 + varintSize(encoded.length) + encoded.length;
}

function varintSize(value: number): number {
  let n = 1;
  let v = value >>> 0;
  while (v > 0x7f) {
    n++;
    v >>>= 7;
  }
  return n;
}

/** Encodes a LogGroup from already encoded logs (so a batch is split by size without re-encoding). */
export function encodeLogGroupFromEncoded(logs: readonly Uint8Array[], group: Omit<SlsLogGroup, 'logs'> = {}): Uint8Array {
  const w = new Writer();
  for (const log of logs) w.bytesField(1, log);
  if (group.topic !== undefined && group.topic !== '') w.stringField(3, group.topic);
  if (group.source !== undefined && group.source !== '') w.stringField(4, group.source);
  for (const [key, value] of group.logTags ?? []) w.bytesField(6, pair(key, value));
  return w.finish();
}

export function encodeLogGroup(group: SlsLogGroup): Uint8Array {
  return encodeLogGroupFromEncoded(group.logs.map(encodeLog), group);
}
