/**
 * Riemann's protobuf messages (riemann-java-client proto.proto, proto2), hand-encoded: the
 * eventer only writes `Msg{events}` and reads `Msg{ok, error}`, five field types in all.
 *
 *   Msg   { optional bool ok = 2; optional string error = 3; repeated Event events = 6; }
 *   Event { int64 time = 1; string state = 2; string service = 3; string host = 4;
 *           string description = 5; repeated string tags = 7; float ttl = 8;
 *           repeated Attribute attributes = 9; int64 time_micros = 10; sint64 metric_sint64 = 13; }
 *   Attribute { required string key = 1; optional string value = 2; }
 */

export interface RiemannEventFields {
  readonly time: number;
  readonly timeMicros: bigint;
  readonly state?: string;
  readonly service?: string;
  readonly host?: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly ttl?: number;
  readonly attributes: readonly (readonly [string, string])[];
  readonly metricSint64?: number;
}

function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

class Writer {
  readonly parts: Buffer[] = [];
  key(field: number, wire: number): void {
    this.parts.push(Buffer.from(varint(BigInt((field << 3) | wire))));
  }
  int(field: number, value: bigint): void {
    this.key(field, 0);
    this.parts.push(Buffer.from(varint(value)));
  }
  bytes(field: number, value: Buffer): void {
    this.key(field, 2);
    this.parts.push(Buffer.from(varint(BigInt(value.length))), value);
  }
  string(field: number, value: string | undefined): void {
    if (value !== undefined) this.bytes(field, Buffer.from(value, 'utf8'));
  }
  float(field: number, value: number): void {
    this.key(field, 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.parts.push(b);
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function encodeEvent(event: RiemannEventFields): Buffer {
  const w = new Writer();
  w.int(1, BigInt(event.time));
  w.string(2, event.state);
  w.string(3, event.service);
  w.string(4, event.host);
  w.string(5, event.description);
  for (const tag of event.tags) w.string(7, tag);
  if (event.ttl !== undefined) w.float(8, event.ttl);
  for (const [key, value] of event.attributes) {
    const a = new Writer();
    a.string(1, key);
    a.string(2, value);
    w.bytes(9, a.finish());
  }
  w.int(10, event.timeMicros);
  if (event.metricSint64 !== undefined) {
    const n = BigInt(event.metricSint64);
    w.int(13, (n << 1n) ^ (n >> 63n));
  }
  return w.finish();
}

/** `Msg{events}` behind Riemann's 4-byte big-endian length prefix. */
export function encodeFramedMsg(events: readonly RiemannEventFields[]): Buffer {
  const w = new Writer();
  for (const event of events) w.bytes(6, encodeEvent(event));
  const body = w.finish();
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

/** Reads `ok` (field 2) and `error` (field 3) of a reply Msg, skipping everything else. */
export function decodeReply(buf: Buffer): { ok: boolean; error: string | undefined } {
  let pos = 0;
  let ok = false;
  let error: string | undefined;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length || shift > 63n) throw new Error('malformed reply');
      const byte = buf[pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(readVarint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) {
      const value = readVarint();
      if (field === 2) ok = value !== 0n;
    } else if (wire === 2) {
      const length = Number(readVarint());
      if (pos + length > buf.length) throw new Error('malformed reply');
      if (field === 3) error = buf.subarray(pos, pos + length).toString('utf8');
      pos += length;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error('malformed reply');
  }
  return { ok, error };
}
