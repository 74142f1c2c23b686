const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;

/**
 * Parses a Go-style duration ("30s", "1m30s", "500ms", "0") into milliseconds,
 * the format every NPD and kube-eventer config uses. Returns undefined when malformed.
 */
export function parseDuration(text: string): number | undefined {
  const input = text.trim();
  if (input === '0') return 0;
  if (input === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  let consumed = 0;
  for (let match = PART.exec(input); match !== null; match = PART.exec(input)) {
    const [whole, amount, unit] = match;
    total += Number(amount) * (UNIT_MS[unit as string] ?? Number.NaN);
    consumed += whole.length;
  }
  return consumed === input.length && Number.isFinite(total) ? total : undefined;
}

/** Formats milliseconds the way Go prints a time.Duration, for messages users compare with NPD's. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return `${hours ? `${hours}h` : ''}${hours || minutes ? `${minutes}m` : ''}${seconds}s`;
}
