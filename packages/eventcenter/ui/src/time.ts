// Time windows as the URL keeps them: `range=1h` (relative to now, the shareable default) or
// `from=...&to=...` (absolute, RFC 3339).
export const RANGES = ['15m', '1h', '6h', '24h', '7d', '30d'] as const;

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export function rangeMs(range: string): number | undefined {
  const match = /^(\d+)([mhd])$/.exec(range);
  return match?.[1] && match[2] ? Number(match[1]) * (UNIT_MS[match[2]] ?? 0) : undefined;
}

/** The API's `from`/`to` for the URL's window (default: the last `fallback`). */
export function window(params: URLSearchParams, fallback = '24h'): { from: string; to?: string } {
  const from = params.get('from');
  if (from) return { from, to: params.get('to') ?? undefined };
  const ms = rangeMs(params.get('range') ?? fallback) ?? rangeMs(fallback) ?? 86_400_000;
  return { from: new Date(Date.now() - ms).toISOString() };
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatShort(iso: string, spanSeconds: number): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return spanSeconds > 2 * 86_400 ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}` : hm;
}
