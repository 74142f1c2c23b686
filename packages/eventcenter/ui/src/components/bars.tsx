import type { Histogram } from '../api.ts';
import { formatShort, formatTime } from '../time.ts';

const SERIES = [
  { key: 'Warning', color: 'var(--warn)' },
  { key: 'Normal', color: 'var(--normal)' },
] as const;

/** Counts over time as stacked SVG bars (Warning on top of Normal), one bar per API bucket. */
export function Bars({ histogram, height = 160 }: { histogram: Histogram; height?: number }) {
  const buckets = histogram.buckets;
  if (!buckets.length) return <p class="muted">No events in this window.</p>;
  const totals = buckets.map((b) => Object.values(b.counts).reduce((a, n) => a + n, 0));
  const max = Math.max(1, ...totals);
  const width = 1000;
  const left = 40;
  const bottom = 20;
  const plotH = height - bottom - 4;
  const step = (width - left) / buckets.length;
  const barW = Math.max(1, step * 0.8);
  const span = buckets.length * histogram.bucketSeconds;
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 8));
  const y = (n: number) => 4 + plotH - (n / max) * plotH;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label="events over time">
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={left} x2={width} y1={y(max * f)} y2={y(max * f)} class="grid" />
            <text x={left - 6} y={y(max * f) + 4} class="axis" text-anchor="end">
              {Math.round(max * f)}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          let base = 0;
          const x = left + i * step + (step - barW) / 2;
          const other = (totals[i] ?? 0) - SERIES.reduce((a, s) => a + (b.counts[s.key] ?? 0), 0);
          return (
            <g key={b.start}>
              <title>{`${formatTime(b.start)}: ${SERIES.map((s) => `${s.key} ${b.counts[s.key] ?? 0}`).join(', ')}${other ? `, other ${other}` : ''}`}</title>
              {[...SERIES].reverse().map((s) => {
                const n = b.counts[s.key] ?? 0;
                if (!n) return null;
                const rect = <rect key={s.key} x={x} width={barW} y={y(base + n)} height={y(base) - y(base + n)} fill={s.color} />;
                base += n;
                return rect;
              })}
              {i % labelEvery === 0 && (
                <text x={x + barW / 2} y={height - 4} class="axis" text-anchor="middle">
                  {formatShort(b.start, span)}
                </text>
              )}
            </g>
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
        <span class="muted">
          per {histogram.bucketSeconds >= 3600 ? `${histogram.bucketSeconds / 3600} h` : `${Math.round(histogram.bucketSeconds / 60)} min`}
        </span>
      </figcaption>
    </figure>
  );
}
