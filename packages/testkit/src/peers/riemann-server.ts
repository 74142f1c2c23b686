import { createServer, type Socket } from 'node:net';
import { listenLoopback, type RunningPeer } from './http-peer.ts';

/**
 * A Riemann TCP server: each message is a 4-byte big-endian length and a protobuf `Msg`
 * (riemann's proto.proto: Msg {2 ok, 3 error, 5 query, 6 repeated Event events}; Event
 * {1 time, 2 state, 3 service, 4 host, 5 description, 7 tags, 8 float ttl, 9 attributes,
 * 10 time_micros, 13 sint64 metric_sint64, 14 double metric_d, 15 float metric_f};
 * Attribute {1 key, 2 value}). Every message is answered with `Msg{ok: true}`, or
 * `Msg{ok: false, error}` for a message it cannot decode; a query answers with the events
 * stored so far (`true` = all), as Riemann's index would. The decoder is written apart from
 * the eventer's encoder on purpose.
 */

export interface RiemannEvent {
  time?: bigint;
  timeMicros?: bigint;
  state?: string;
  service?: string;
  host?: string;
  description?: string;
  tags: string[];
  ttl?: number;
  attributes: Record<string, string>;
  metricSint64?: bigint;
  metricD?: number;
  metricF?: number;
}

export interface RiemannServer extends RunningPeer {
  readonly events: readonly RiemannEvent[];
  /** Msgs received (each with its number of events). */
  readonly messages: readonly { readonly events: number }[];
  readonly errors: readonly string[];
  /** The next `count` messages are answered `ok: false` (e.g. the index is overloaded). */
  failNext(count: number, error: string): void;
}

export const RIEMANN_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export async function startRiemannServer(): Promise<RiemannServer> {
  const events: RiemannEvent[] = [];
  const messages: { events: number }[] = [];
  const errors: string[] = [];
  const sockets = new Set<Socket>();
  let failures = { count: 0, error: '' };

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = buffered.readUInt32BE(0);
        if (length > RIEMANN_MAX_MESSAGE_BYTES) {
          errors.push(`message of ${length} bytes`);
          socket.destroy();
          return;
        }
        if (buffered.length < 4 + length) break;
        const frame = buffered.subarray(4, 4 + length);
        buffered = buffered.subarray(4 + length);
        socket.write(frame4(encodeReply(handle(frame))));
      }
    });
  });

  function handle(frame: Buffer): { ok: boolean; error?: string; events?: RiemannEvent[] } {
    let msg: DecodedMsg;
    try {
      msg = decodeMsg(frame);
    } catch (error) {
      errors.push((error as Error).message);
      return { ok: false, error: `invalid message: ${(error as Error).message}` };
    }
    if (failures.count > 0) {
      failures = { count: failures.count - 1, error: failures.error };
      return { ok: false, error: failures.error };
    }
    if (msg.query !== undefined) return { ok: true, events: msg.query.trim() === 'true' ? events : [] };
    messages.push({ events: msg.events.length });
    events.push(...msg.events);
    return { ok: true };
  }

  const port = await listenLoopback(server, 0);
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return {
    url: `tcp://127.0.0.1:${port}`,
    port,
    close,
    async restart(downMs = 0) {
      await close();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await listenLoopback(server, port);
    },
    events,
    messages,
    errors,
    failNext(count, error) {
      failures = { count, error };
    },
  };
}

function frame4(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}

// --- a small protobuf reader/writer, enough for riemann's Msg ---

interface DecodedMsg {
  events: RiemannEvent[];
  query: string | undefined;
}

class Reader {
  #pos = 0;
  readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  get done(): boolean {
    return this.#pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.#pos >= this.buf.length) throw new Error('truncated varint');
      const byte = this.buf[this.#pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  }
  bytes(): Buffer {
    const length = Number(this.varint());
    if (this.#pos + length > this.buf.length) throw new Error('truncated field');
    const out = this.buf.subarray(this.#pos, this.#pos + length);
    this.#pos += length;
    return out;
  }
  fixed(n: 4 | 8): Buffer {
    if (this.#pos + n > this.buf.length) throw new Error('truncated fixed field');
    const out = this.buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.fixed(8);
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.fixed(4);
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function fields(buf: Buffer, on: (field: number, wire: number, r: Reader) => void): void {
  const r = new Reader(buf);
  while (!r.done) {
    const key = Number(r.varint());
    on(key >>> 3, key & 7, r);
  }
}

function expectWire(field: number, wire: number, expected: number): void {
  if (wire !== expected) throw new Error(`field ${field} has wire type ${wire}, expected ${expected}`);
}

function decodeMsg(buf: Buffer): DecodedMsg {
  const msg: DecodedMsg = { events: [], query: undefined };
  fields(buf, (field, wire, r) => {
    if (field === 6) {
      expectWire(field, wire, 2);
      msg.events.push(decodeEvent(r.bytes()));
    } else if (field === 5) {
      expectWire(field, wire, 2);
      fields(r.bytes(), (f, w, q) => {
        if (f === 1 && w === 2) msg.query = q.bytes().toString('utf8');
        else q.skip(w);
      });
    } else r.skip(wire);
  });
  return msg;
}

function decodeEvent(buf: Buffer): RiemannEvent {
  const event: RiemannEvent = { tags: [], attributes: {} };
  const text = (r: Reader) => r.bytes().toString('utf8');
  fields(buf, (field, wire, r) => {
    const want = (w: number) => expectWire(field, wire, w);
    switch (field) {
      case 1:
        want(0);
        event.time = BigInt.asIntN(64, r.varint());
        break;
      case 2:
        want(2);
        event.state = text(r);
        break;
      case 3:
        want(2);
        event.service = text(r);
        break;
      case 4:
        want(2);
        event.host = text(r);
        break;
      case 5:
        want(2);
        event.description = text(r);
        break;
      case 7:
        want(2);
        event.tags.push(text(r));
        break;
      case 8:
        want(5);
        event.ttl = r.fixed(4).readFloatLE(0);
        break;
      case 9: {
        want(2);
        let key: string | undefined;
        let value = '';
        fields(r.bytes(), (f, w, a) => {
          if (f === 1 && w === 2) key = text(a);
          else if (f === 2 && w === 2) value = text(a);
          else a.skip(w);
        });
        if (key === undefined) throw new Error('attribute without its required key');
        event.attributes[key] = value;
        break;
      }
      case 10:
        want(0);
        event.timeMicros = BigInt.asIntN(64, r.varint());
        break;
      case 13: {
        want(0);
        const zz = r.varint();
        event.metricSint64 = (zz >> 1n) ^ -(zz & 1n);
        break;
      }
      case 14:
        want(1);
        event.metricD = r.fixed(8).readDoubleLE(0);
        break;
      case 15:
        want(5);
        event.metricF = r.fixed(4).readFloatLE(0);
        break;
      default:
        r.skip(wire);
    }
  });
  return event;
}

function encodeReply(reply: { ok: boolean; error?: string; events?: RiemannEvent[] }): Buffer {
  const parts: Buffer[] = [Buffer.from([0x10, reply.ok ? 1 : 0])];
  const lengthDelimited = (tag: number, payload: Buffer) => parts.push(Buffer.from([tag]), varint(BigInt(payload.length)), payload);
  if (reply.error) lengthDelimited(0x1a, Buffer.from(reply.error, 'utf8'));
  for (const event of reply.events ?? []) lengthDelimited(0x32, encodeEventForQuery(event));
  return Buffer.concat(parts);
}

/** Enough of an Event for a query answer: service, host, state, description, metric_sint64. */
function encodeEventForQuery(event: RiemannEvent): Buffer {
  const parts: Buffer[] = [];
  const str = (tag: number, value: string | undefined) => {
    if (value === undefined) return;
    const bytes = Buffer.from(value, 'utf8');
    parts.push(Buffer.from([tag]), varint(BigInt(bytes.length)), bytes);
  };
  if (event.time !== undefined) parts.push(Buffer.from([0x08]), varint(BigInt.asUintN(64, event.time)));
  str(0x12, event.state);
  str(0x1a, event.service);
  str(0x22, event.host);
  str(0x2a, event.description);
  if (event.metricSint64 !== undefined) {
    const n = event.metricSint64;
    parts.push(Buffer.from([0x68]), varint(BigInt.asUintN(64, (n << 1n) ^ (n >> 63n))));
  }
  return Buffer.concat(parts);
}

function varint(value: bigint): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7fn) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Buffer.from(bytes);
}
