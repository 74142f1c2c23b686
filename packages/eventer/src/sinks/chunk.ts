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
