// Go's time.ParseDuration and time.Duration.String, ported as they are (nanoseconds in a bigint,
// the same int64 range and overflow rules, the same float64 step for fractions), because NPD and
// kube-eventer users write durations for Go programs: "-1s", ".5s", "1.5h", "1h2m3.5s", "500µs".

const NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_U = 1n << 63n; // |min int64|
const MAX_INT64 = MAX_U - 1n;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** The reason ParseDuration fails, in Go's words ("time: missing unit in duration \"3\""). */
export function goDurationError(text: string): string | undefined {
  const result = parse(text);
  return typeof result === 'string' ? `time: ${result} ${JSON.stringify(text)}` : undefined;
}

/** Go's time.ParseDuration: nanoseconds, or undefined where Go returns an error. */
export function parseGoDuration(text: string): bigint | undefined {
  const result = parse(text);
  return typeof result === 'bigint' ? result : undefined;
}

function parse(orig: string): bigint | string {
  let s = orig;
  let d = 0n;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return 'invalid duration';
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return 'invalid duration';
    // [0-9]*
    let i = 0;
    let v = 0n;
    for (; isDigit(s[i]); i++) {
      if (v > MAX_U / 10n) return 'invalid duration';
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > MAX_U) return 'invalid duration';
    }
    const pre = i > 0;
    s = s.slice(i);
    // (\.[0-9]*)? — precision stops accumulating (not an error) once it would overflow.
    let post = false;
    let f = 0n;
    let scale = 1;
    if (s[0] === '.') {
      s = s.slice(1);
      let overflow = false;
      let j = 0;
      for (; isDigit(s[j]); j++) {
        if (overflow) continue;
        if (f > MAX_INT64 / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
        if (y > MAX_U) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) return 'invalid duration';
    let k = 0;
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++;
    if (k === 0) return 'missing unit in duration';
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = NS[u];
    if (unit === undefined) return `unknown unit ${JSON.stringify(u)} in duration`;
    if (v > MAX_U / unit) return 'invalid duration';
    v *= unit;
    if (f > 0n) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale)) — float64 keeps fractions of hours exact to the ns.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX_U) return 'invalid duration';
    }
    d += v;
    if (d > MAX_U) return 'invalid duration';
  }
  if (neg) return -d;
  if (d > MAX_INT64) return 'invalid duration';
  return d;
}

/**
 * A Go duration in milliseconds (fractions kept: "500us" → 0.5), the unit the rest of the code
 * uses; undefined where Go's ParseDuration fails. Negative durations parse, as in Go: callers
 * that need a positive one say so in their own error.
 */
export function parseDuration(text: string): number | undefined {
  const ns = parseGoDuration(text.trim());
  return ns === undefined ? undefined : Number(ns) / 1e6;
}

/** Go's Duration.String of a nanosecond count ("1h0m0s", "1.5s", "500µs", "0s"). */
export function formatGoDuration(ns: bigint): string {
  let u = ns < 0n ? -ns : ns;
  const sign = ns < 0n ? '-' : '';
  // fmtFrac: `prec` digits of u after the decimal point, trailing zeros (and the point) dropped.
  const frac = (prec: number): string => {
    let digits = '';
    let print = false;
    for (let i = 0; i < prec; i++) {
      const digit = u % 10n;
      print ||= digit !== 0n;
      if (print) digits = `${digit}${digits}`;
      u /= 10n;
    }
    return print ? `.${digits}` : '';
  };
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s';
    const [prec, unit] = u < 1_000n ? [0, 'ns'] : u < 1_000_000n ? [3, 'µs'] : [6, 'ms'];
    const fraction = frac(prec);
    return `${sign}${u}${fraction}${unit}`;
  }
  const fraction = frac(9);
  const seconds = `${u % 60n}${fraction}s`;
  u /= 60n;
  if (u === 0n) return `${sign}${seconds}`;
  const minutes = `${u % 60n}m`;
  u /= 60n;
  return u === 0n ? `${sign}${minutes}${seconds}` : `${sign}${u}h${minutes}${seconds}`;
}

/** Go's Duration.String of milliseconds, for messages users compare with NPD's ("20m0s"). */
export function formatDuration(ms: number): string {
  return formatGoDuration(BigInt(Math.round(ms * 1e6)));
}
