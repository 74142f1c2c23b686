import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { inflateSync } from 'node:zlib';
import { type PeerClock, type RunningPeer, sendJson, startPeer } from './http-peer.ts';
import { handleSlsAdmin, newProject, projectOfHost, type SlsProjectState } from './sls-admin.ts';

/**
 * A Log Service (SLS) PutLogs endpoint, written independently of the eventer's client so
 * each checks the other: it verifies signature v1 (`LOG ak:sig`, Content-MD5, the ±15 min
 * Date window, STS tokens), inflates `lz4` (raw block) / `deflate` bodies against
 * `x-log-bodyrawsize`, decodes the protobuf LogGroup, enforces the request limits, and
 * answers with Log Service's error JSON `{"errorCode","errorMessage"}` + `x-log-requestid`.
 * Verified against the official Python SDK (`aliyun-log-python-sdk`) by the cross-check test.
 */

export interface SlsAccessKey {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** When set, requests with this key must carry it as `x-acs-security-token`. */
  readonly securityToken?: string;
}

export interface SlsServerOptions {
  readonly accessKeys: readonly SlsAccessKey[];
  /** project → logstores that exist. */
  readonly projects: Readonly<Record<string, readonly string[]>>;
  readonly clock?: PeerClock;
  /** Largest uncompressed body (Log Service: 10 MB). */
  readonly maxRawBytes?: number;
  /** Most logs in one request (unbounded unless set). */
  readonly maxLogs?: number;
}

export interface SlsContent {
  readonly key: string;
  readonly value: string;
}

export interface SlsDecodedLog {
  readonly time: number;
  readonly timeNs?: number;
  readonly contents: readonly SlsContent[];
}

export interface SlsDecodedLogGroup {
  readonly logs: readonly SlsDecodedLog[];
  readonly topic?: string;
  readonly source?: string;
  readonly logTags: readonly SlsContent[];
}

export interface SlsReceived {
  readonly project: string;
  readonly logStore: string;
  readonly accessKeyId: string;
  readonly compressType: string;
  readonly rawSize: number;
  /** The request body exactly as received (compressed). */
  readonly body: Buffer;
  readonly group: SlsDecodedLogGroup;
  readonly headers: IncomingMessage['headers'];
}

export interface SlsServer extends RunningPeer {
  /** Log groups accepted, in order. */
  readonly received: readonly SlsReceived[];
  /** Projects with their logstores, indexes, saved searches, dashboards and alert jobs (management API). */
  readonly projects: ReadonlyMap<string, SlsProjectState>;
  /** Error codes answered, in order. */
  readonly errors: readonly string[];
  /** The next `count` PutLogs fail with this Log Service error. */
  failNext(count: number, errorCode: 'WriteQuotaExceed' | 'ShardWriteQuotaExceed' | 'ServerBusy' | 'InternalServerError'): void;
  /** Replaces the known access keys (an STS rotation). */
  setAccessKeys(keys: readonly SlsAccessKey[]): void;
  /** Every log accepted so far, flattened, with its contents as an object. */
  logs(): { time: number; contents: Record<string, string> }[];
}

const ERROR_STATUS: Record<string, number> = {
  WriteQuotaExceed: 403,
  ShardWriteQuotaExceed: 403,
  ServerBusy: 503,
  InternalServerError: 500,
};

export async function startSlsServer(options: SlsServerOptions): Promise<SlsServer> {
  const clock = options.clock ?? { now: () => Date.now() };
  let keys = new Map(options.accessKeys.map((key) => [key.accessKeyId, key]));
  const maxRawBytes = options.maxRawBytes ?? 10 * 1024 * 1024;
  const received: SlsReceived[] = [];
  const errors: string[] = [];
  let failures: { count: number; errorCode: string } = { count: 0, errorCode: '' };
  const projects = new Map(Object.entries(options.projects).map(([name, stores]) => [name, newProject(name, '', stores)]));

  const handle = (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    const requestId = randomBytes(12).toString('hex').toUpperCase();
    const fail = (status: number, errorCode: string, errorMessage: string) => {
      errors.push(errorCode);
      sendJson(response, status, { errorCode, errorMessage }, { 'x-log-requestid': requestId });
    };
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = /^\/logstores\/([^/]+)(?:\/shards\/(lb|route))?$/.exec(url.pathname);

    // --- authentication ---
    const h = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(',') : value;
    };
    const authorization = h('authorization') ?? '';
    const auth = /^LOG ([^:]+):(.+)$/.exec(authorization);
    if (!auth) return fail(401, 'Unauthorized', 'missing or malformed Authorization header');
    const key = keys.get(auth[1] as string);
    if (!key) return fail(401, 'Unauthorized', 'AccessKeyId not found');
    if (h('x-log-apiversion') !== '0.6.0') return fail(400, 'InvalidAPIVersion', 'x-log-apiversion must be 0.6.0');
    if (h('x-log-signaturemethod') !== 'hmac-sha1') return fail(400, 'InvalidSignatureMethod', 'unsupported');
    const date = h('x-log-date') ?? h('date');
    const dateMs = date ? Date.parse(date) : Number.NaN;
    if (!date || Number.isNaN(dateMs)) return fail(400, 'InvalidRequestTime', 'Date does not follow RFC 822');
    if (Math.abs(clock.now() - dateMs) > 15 * 60_000) {
      return fail(400, 'RequestTimeExpired', `request time ${date} is expired, server time ${new Date(clock.now()).toUTCString()}`);
    }
    const md5 = h('content-md5') ?? '';
    if (body.length > 0 && md5 !== createHash('md5').update(body).digest('hex').toUpperCase()) {
      return fail(400, 'InvalidContentMD5', 'Content-MD5 does not match the body');
    }
    const expected = Buffer.from(
      createHmac('sha1', key.accessKeySecret)
        .update(stringToSign(request, url, md5, date), 'utf8')
        .digest('base64'),
    );
    const given = Buffer.from(auth[2] as string);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return fail(401, 'SignatureNotMatch', 'signature does not match');
    }
    if (key.securityToken !== undefined && h('x-acs-security-token') !== key.securityToken) {
      return fail(401, 'Unauthorized', 'security token is invalid or missing');
    }

    // --- resource ---
    const host = h('host') ?? '';
    if (handleSlsAdmin(projects, request, url, host, body, response, fail, requestId)) return;
    if (request.method !== 'POST' || !match) return fail(404, 'InvalidUri', `unsupported ${request.method} ${url.pathname}`);
    const project = projectOfHost(host);
    const logStore = decodeURIComponent(match[1] as string);
    if (!projects.has(project)) return fail(404, 'ProjectNotExist', `Project ${project} does not exist`);
    if (!projects.get(project)?.logstores.has(logStore)) return fail(404, 'LogStoreNotExist', `logstore ${logStore} does not exist`);

    // --- body ---
    if (h('content-type') !== 'application/x-protobuf')
      return fail(400, 'InvalidContentType', 'Content-Type must be application/x-protobuf');
    const rawSizeHeader = h('x-log-bodyrawsize');
    if (rawSizeHeader === undefined || !/^\d+$/.test(rawSizeHeader)) return fail(400, 'MissingBodyRawSize', 'x-log-bodyrawsize is missing');
    const rawSize = Number(rawSizeHeader);
    if (rawSize > maxRawBytes) return fail(413, 'PostBodyTooLarge', `body size ${rawSize} must be less than ${maxRawBytes}`);
    const compressType = h('x-log-compresstype') ?? '';
    let raw: Buffer;
    try {
      if (compressType === 'lz4') raw = Buffer.from(lz4DecompressBlock(body, rawSize));
      else if (compressType === 'deflate') raw = inflateSync(body);
      else if (compressType === '') raw = body;
      else return fail(400, 'InvalidCompressType', `unsupported compress type ${compressType}`);
    } catch (error) {
      return fail(400, 'PostBodyInvalid', `cannot decompress: ${(error as Error).message}`);
    }
    if (raw.length !== rawSize) return fail(400, 'PostBodyInvalid', `raw size ${raw.length} is not x-log-bodyrawsize ${rawSize}`);
    let group: SlsDecodedLogGroup;
    try {
      group = decodeLogGroup(raw);
    } catch (error) {
      return fail(400, 'PostBodyInvalid', `cannot decode LogGroup: ${(error as Error).message}`);
    }
    if (options.maxLogs !== undefined && group.logs.length > options.maxLogs) {
      return fail(400, 'PostBodyInvalid', `too many logs: ${group.logs.length} > ${options.maxLogs}`);
    }
    if (failures.count > 0) {
      failures = { count: failures.count - 1, errorCode: failures.errorCode };
      return fail(ERROR_STATUS[failures.errorCode] ?? 500, failures.errorCode, 'injected by the test');
    }
    received.push({
      project,
      logStore,
      accessKeyId: key.accessKeyId,
      compressType,
      rawSize,
      body,
      group,
      headers: request.headers,
    });
    response.writeHead(200, { 'x-log-requestid': requestId, 'content-length': '0' });
    response.end();
  };

  const peer = await startPeer(handle);
  return {
    ...peer,
    received,
    projects,
    errors,
    failNext(count, errorCode) {
      failures = { count, errorCode };
    },
    setAccessKeys(next) {
      keys = new Map(next.map((key) => [key.accessKeyId, key]));
    },
    logs() {
      return received.flatMap((r) =>
        r.group.logs.map((log) => ({
          time: log.time,
          contents: Object.fromEntries(log.contents.map((c) => [c.key, c.value])),
        })),
      );
    },
  };
}

/** Canonical string as Log Service computes it from the request it received. */
function stringToSign(request: IncomingMessage, url: URL, md5: string, date: string): string {
  const headers = Object.entries(request.headers)
    .filter(([name]) => (name.startsWith('x-log-') || name.startsWith('x-acs-')) && name !== 'x-log-date')
    .map(([name, value]) => [name, (Array.isArray(value) ? value.join(',') : (value ?? '')).trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => `${name}:${value}\n`)
    .join('');
  const query = [...url.searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  const resource = query.length ? `${url.pathname}?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : url.pathname;
  const contentType = request.headers['content-type'] ?? '';
  return `${request.method}\n${md5}\n${contentType}\n${date}\n${headers}${resource}`;
}

/** LZ4 block decoder (bounds-checked; the output must be exactly `rawSize` bytes). */
export function lz4DecompressBlock(src: Uint8Array, rawSize: number): Uint8Array {
  const out = new Uint8Array(rawSize);
  let ip = 0;
  let op = 0;
  const byte = () => {
    if (ip >= src.length) throw new Error('truncated lz4 block');
    return src[ip++] as number;
  };
  while (ip < src.length) {
    const token = byte();
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        b = byte();
        literals += b;
      } while (b === 255);
    }
    if (ip + literals > src.length || op + literals > rawSize) throw new Error('lz4 literals out of bounds');
    out.set(src.subarray(ip, ip + literals), op);
    ip += literals;
    op += literals;
    if (ip === src.length) break;
    const offset = byte() | (byte() << 8);
    if (offset === 0 || offset > op) throw new Error('lz4 offset out of bounds');
    let length = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        b = byte();
        length += b;
      } while (b === 255);
    }
    if (op + length > rawSize) throw new Error('lz4 match out of bounds');
    for (let i = 0; i < length; i++, op++) out[op] = out[op - offset] as number;
  }
  if (op !== rawSize) throw new Error(`lz4 block decoded to ${op} bytes, expected ${rawSize}`);
  return out;
}

// --- protobuf (proto2) decoding of LogGroup ---

class Reader {
  readonly #buf: Uint8Array;
  pos: number;
  readonly end: number;
  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.#buf = buf;
    this.pos = start;
    this.end = end;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.#buf[this.pos++] as number;
      if (shift < 35) result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  }
  bytes(): Reader {
    const length = this.varint();
    if (this.pos + length > this.end) throw new Error('length-delimited field out of bounds');
    const sub = new Reader(this.#buf, this.pos, this.pos + length);
    this.pos += length;
    return sub;
  }
  string(): string {
    const sub = this.bytes();
    return Buffer.from(this.#buf.buffer, this.#buf.byteOffset + sub.pos, sub.end - sub.pos).toString('utf8');
  }
  fixed32(): number {
    if (this.pos + 4 > this.end) throw new Error('truncated fixed32');
    const v = new DataView(this.#buf.buffer, this.#buf.byteOffset + this.pos, 4).getUint32(0, true);
    this.pos += 4;
    return v;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
    if (this.pos > this.end) throw new Error('field out of bounds');
  }
}

function decodePair(r: Reader): SlsContent {
  let key: string | undefined;
  let value: string | undefined;
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) key = r.string();
    else if (tag === 0x12) value = r.string();
    else r.skip(tag & 7);
  }
  if (key === undefined || value === undefined) throw new Error('Content/LogTag without key or value');
  return { key, value };
}

function decodeLog(r: Reader): SlsDecodedLog {
  let time: number | undefined;
  let timeNs: number | undefined;
  const contents: SlsContent[] = [];
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x08) time = r.varint();
    else if (tag === 0x12) contents.push(decodePair(r.bytes()));
    else if (tag === 0x25) timeNs = r.fixed32();
    else r.skip(tag & 7);
  }
  if (time === undefined) throw new Error('Log without time');
  return timeNs === undefined ? { time, contents } : { time, timeNs, contents };
}

export function decodeLogGroup(buf: Uint8Array): SlsDecodedLogGroup {
  const r = new Reader(buf);
  const logs: SlsDecodedLog[] = [];
  const logTags: SlsContent[] = [];
  let topic: string | undefined;
  let source: string | undefined;
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) logs.push(decodeLog(r.bytes()));
    else if (tag === 0x1a) topic = r.string();
    else if (tag === 0x22) source = r.string();
    else if (tag === 0x32) logTags.push(decodePair(r.bytes()));
    else r.skip(tag & 7);
  }
  return { logs, logTags, ...(topic !== undefined ? { topic } : {}), ...(source !== undefined ? { source } : {}) };
}
