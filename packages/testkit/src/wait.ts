import { setTimeout as delay } from 'node:timers/promises';

/** Polls `probe` every `intervalMs` until it returns true; throws with `describe()` after the timeout. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean> | boolean,
  options: { timeoutMs: number; intervalMs?: number; describe?: () => string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = options.describe?.() ?? '';
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${cause}${detail ? `\n${detail}` : ''}`);
    }
    await delay(options.intervalMs ?? 200);
  }
}
