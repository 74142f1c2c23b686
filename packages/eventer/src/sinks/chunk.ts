import type { KubeEvent } from '../types.ts';

/**
 * Greedy split of items into requests that stay within a count and a byte bound (an item larger
 * than the byte bound still gets a request of its own). `baseBytes` is what an empty request costs.
 */
export function chunkBySize<T>(
  items: readonly T[],
  limits: { readonly maxCount: number; readonly maxBytes: number; readonly sizeOf: (item: T) => number; readonly baseBytes?: number },
): T[][] {
  const base = limits.baseBytes ?? 0;
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = base;
  for (const item of items) {
    const add = limits.sizeOf(item);
    if (current.length > 0 && (current.length >= limits.maxCount || size + add > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      size = base;
    }
    current.push(item);
    size += add;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Sends a batch as several requests without resending, on a retry, the requests the
 * destination already accepted: the delivery layer retries a failed batch with the same event
 * objects, so events whose request succeeded are remembered (weakly) and skipped.
 */
export function sendInRequests<T>(options: {
  readonly encode: (event: KubeEvent) => T;
  readonly split: (items: T[]) => T[][];
  readonly send: (chunk: T[], signal: AbortSignal) => Promise<void>;
}): (batch: readonly KubeEvent[], signal: AbortSignal) => Promise<void> {
  const accepted = new WeakSet<KubeEvent>();
  return async (batch, signal) => {
    const pending = batch.filter((event) => !accepted.has(event));
    const owner = new Map<T, KubeEvent>();
    const encoded = pending.map((event) => {
      const item = options.encode(event);
      owner.set(item, event);
      return item;
    });
    for (const chunk of options.split(encoded)) {
      await options.send(chunk, signal);
      for (const item of chunk) {
        const event = owner.get(item);
        if (event) accepted.add(event);
      }
    }
  };
}
