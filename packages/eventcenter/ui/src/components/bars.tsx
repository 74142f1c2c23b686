import type { BucketRow } from '../api.ts';
import { formatShort, formatTime } from '../time.ts';

const SERIES = [
  { key: 'Warning', color: 'var(--warn)' },
  { key: 'Normal', color: 'var(--normal)' },
] as const;

/**
 * Counts over time as stacked SVG bars (Warning on top of Normal): one slot per bucket of the
 * API's answer from `from` to `to`; buckets the API did not return (no events) stay empty.
 */
export function Bars({
  series,
  bucketMs,
  from,
  to,
  link,
  height = 170,
}: {
  series: readonly BucketRow[];
  bucketMs: number;
  from: number;
  to: number;
  /** Where a click on a bucket goes (the search over that bucket's time). */
  link?: (from: number, to: number) => string;
  height?: number;
}) {
  const first = Math.floor(from / bucketMs) * bucketMs;
  const slots = Math.max(1, Math.min(500, Math.ceil((to - first) / bucketMs)));
  const counts: Record<string, number>[] = Array.from({ length: slots }, () => ({}));
  for (const row of series) {
    const slot = counts[Math.floor((row.bucket - first) / bucketMs)];
    if (slot) slot[row.key] = (slot[row.key] ?? 0) + row.count;
  }
  const totals = counts.map((c) => Object.values(c).reduce((a, n) => a + n, 0));
  const max = Math.max(1, ...totals);
  const width = 1000;
  const left = 40;
  const bottom = 20;
  const plotH = height - bottom - 6;
  const step = (width - left) / slots;
  const barW = Math.max(1, step * 0.8);
  const span = (slots * bucketMs) / 1000;
  const labelEvery = Math.max(1, Math.ceil(slots / 8));
  const y = (n: number) => 6 + plotH - (n / max) * plotH;
  const ticks = max >= 2 ? [0, Math.round(max / 2), max] : [0, max];
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label="events over time">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={left} x2={width} y1={y(t)} y2={y(t)} class="grid" />
            <text x={left - 6} y={y(t) + 4} class="axis" text-anchor="end">
              {t}
            </text>
          </g>
        ))}
        {counts.map((c, i) => {
          const start = first + i * bucketMs;
          const x = left + i * step + (step - barW) / 2;
          let base = 0;
          const other = (totals[i] ?? 0) - SERIES.reduce((a, s) => a + (c[s.key] ?? 0), 0);
          return (
            <a key={start} data-bucket={start} href={link && totals[i] ? link(start, start + bucketMs) : undefined}>
              <title>{`${formatTime(start)}: ${SERIES.map((s) => `${s.key} ${c[s.key] ?? 0}`).join(', ')}${other ? `, other ${other}` : ''}`}</title>
              <rect x={left + i * step} width={step} y={6} height={plotH} fill="transparent" />
              {[...SERIES].reverse().map((s) => {
                const n = c[s.key] ?? 0;
                if (!n) return null;
                const rect = (
                  <rect
                    key={s.key}
                    class={`bar ${s.key}`}
                    x={x}
                    width={barW}
                    y={y(base + n)}
                    height={y(base) - y(base + n)}
                    fill={s.color}
                  />
                );
                base += n;
                return rect;
              })}
              {i % labelEvery === 0 && (
                <text x={x + barW / 2} y={height - 4} class="axis" text-anchor="middle">
                  {formatShort(start, span)}
                </text>
              )}
            </a>
          );
        })}
      </svg>
      <figcaption>
        {SERIES.map((s) => (
          <span key={s.key} class="legend">
            <i style={{ background: s.color }} />
            {s.key}
          </span>
        ))}
        <span class="muted">per {bucketMs >= 3_600_000 ? `${bucketMs / 3_600_000} h` : `${Math.round(bucketMs / 60_000)} min`}</span>
      </figcaption>
    </figure>
  );
}
