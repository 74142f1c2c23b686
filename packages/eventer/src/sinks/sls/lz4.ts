/**
 * LZ4 *block* compressor (no frame, no size prefix) for `x-log-compresstype: lz4`.
 *
 * Hand-written rather than a dependency: the block format is small and frozen, the pure
 * JavaScript packages on npm are unmaintained (lz4js: last release 2017) and the fast ones
 * are native add-ons. Greedy single-probe matching: a ratio close to the reference
 * `LZ4_compress_default` on JSON-heavy logs, and any valid block decodes anywhere. The
 * output is checked by decoding it with an independent decoder (the SLS test peer) and by
 * the official Python SDK's lz4 (the cross-check test).
 */

const MIN_MATCH = 4;
/** The last match must start at least 12 bytes before the end of the block. */
const MF_LIMIT = 12;
/** The last 5 bytes are always literals. */
const LAST_LITERALS = 5;
const MAX_OFFSET = 65_535;
const HASH_BITS = 16;

function read32(src: Uint8Array, i: number): number {
  return ((src[i] as number) | ((src[i + 1] as number) << 8) | ((src[i + 2] as number) << 16) | ((src[i + 3] as number) << 24)) >>> 0;
}

function hash(sequence: number): number {
  return Math.imul(sequence, 2654435761) >>> (32 - HASH_BITS);
}

/** Worst case: every byte a literal, plus one length byte per 255 and a token. */
export function lz4CompressBound(size: number): number {
  return size + Math.floor(size / 255) + 16;
}

export function lz4CompressBlock(src: Uint8Array): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(lz4CompressBound(n));
  let op = 0;
  let anchor = 0;

  const writeLength = (length: number) => {
    let rest = length - 15;
    while (rest >= 255) {
      out[op++] = 255;
      rest -= 255;
    }
    out[op++] = rest;
  };

  const writeSequence = (literalEnd: number, matchLength: number, offset: number) => {
    const literals = literalEnd - anchor;
    const tokenPos = op++;
    const litNibble = Math.min(literals, 15);
    if (literals >= 15) writeLength(literals);
    out.set(src.subarray(anchor, literalEnd), op);
    op += literals;
    if (matchLength === 0) {
      out[tokenPos] = litNibble << 4;
      return;
    }
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
    const m = matchLength - MIN_MATCH;
    out[tokenPos] = (litNibble << 4) | Math.min(m, 15);
    if (m >= 15) writeLength(m);
  };

  if (n >= MF_LIMIT + 1) {
    const table = new Int32Array(1 << HASH_BITS).fill(-1);
    const matchLimit = n - LAST_LITERALS;
    const lastMatchStart = n - MF_LIMIT;
    let ip = 0;
    while (ip < lastMatchStart) {
      const sequence = read32(src, ip);
      const h = hash(sequence);
      const ref = table[h] as number;
      table[h] = ip;
      if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== sequence) {
        ip++;
        continue;
      }
      let length = MIN_MATCH;
      while (ip + length < matchLimit && src[ref + length] === src[ip + length]) length++;
      writeSequence(ip, length, ip - ref);
      ip += length;
      anchor = ip;
    }
  }
  writeSequence(n, 0, 0);
  return out.slice(0, op);
}
