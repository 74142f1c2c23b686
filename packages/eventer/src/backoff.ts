/** Exponential backoff with full jitter (AWS style), capped; `random` is injectable for tests. */
export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly factor?: number;
  /** 0 = no jitter, 1 = full jitter (delay uniformly in [base*(1-jitter), base]). */
  readonly jitter?: number;
  readonly random?: () => number;
}

export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 60_000;
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.5;
  const random = options.random ?? Math.random;
  const base = Math.min(max, initial * factor ** Math.max(0, attempt));
  return Math.round(base * (1 - jitter * random()));
}

/** The delay before retry `attempt`, honouring a destination's Retry-After when it is longer. */
export function retryDelay(attempt: number, retryAfterMs: number | undefined, options: BackoffOptions = {}): number {
  const delay = backoffDelay(attempt, options);
  return retryAfterMs !== undefined && retryAfterMs > delay ? retryAfterMs : delay;
}
