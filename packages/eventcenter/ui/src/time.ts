// Time windows as the URL keeps them: `range=1h` (relative to now, the shareable default) or
// `from=...&to=...` (absolute, RFC 3339).
export const RANGES = ['15m', '1h', '6h', '24h', '7d', '30d'] as const;

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export function rangeMs(range: string): number | undefined {
  const match = /^(\d+)([mhd])$/.exec(range);
  return match?.[1] && match[2] ? Number(match[1]) * (UNIT_MS[match[2]] ?? 0) : undefined;
}

/** The API's `from`/`to` for the URL's window: the API takes `from=-24h` (relative to its clock) as it is. */
export function window(params: URLSearchParams, fallback = '24h'): { from: string; to?: string } {
  const from = params.get('from');
  if (from) return { from, to: params.get('to') ?? undefined };
  const range = params.get('range') ?? fallback;
  return { from: `-${rangeMs(range) === undefined ? fallback : range}` };
}

export function formatTime(time: string | number | undefined): string {
  if (time === undefined || time === '') return '';
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return String(time);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatShort(time: number, spanSeconds: number): string {
  const d = new Date(time);
  const pad = (n: number) => String(n).padStart(2, '0');
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return spanSeconds > 2 * 86_400 ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}` : hm;
}

/** `90000` → `1m30s` (the form shows rule windows as the durations people type). */
export function formatDuration(ms: number): string {
  if (!ms) return '0s';
  let rest = Math.round(ms / 1000);
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/** `1h30m`, `45s`, `2d` → ms; undefined when it is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+[dhms])+$/.test(trimmed)) return undefined;
  let ms = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+)([dhms])/g))
    ms += Number(n) * ({ d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[unit ?? 's'] ?? 0);
  return ms;
}
