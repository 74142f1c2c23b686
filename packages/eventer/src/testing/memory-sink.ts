import { SinkError } from '../errors.ts';
import type { KubeEvent, Sink } from '../types.ts';

/** An in-memory sink for tests: records batches; `failWith` makes the next sends fail. */
export class MemorySink implements Sink {
  readonly name: string;
  readonly limits: { maxBatch?: number; perMinute?: number } | undefined;
  readonly batches: KubeEvent[][] = [];
  /** Errors thrown by the next sends, one per send, in order. */
  readonly failures: Error[] = [];
  /** When set, every send fails with it (a destination that is down). */
  down: Error | undefined;
  /** A send waits for this before resolving (a slow destination). */
  gate: Promise<void> | undefined;
  sends = 0;

  constructor(name = 'memory', limits?: { maxBatch?: number; perMinute?: number }) {
    this.name = name;
    this.limits = limits;
  }

  get events(): KubeEvent[] {
    return this.batches.flat();
  }

  async send(batch: readonly KubeEvent[]): Promise<void> {
    this.sends++;
    if (this.gate) await this.gate;
    const failure = this.failures.shift() ?? this.down;
    if (failure) throw failure;
    this.batches.push([...batch]);
  }

  async close(): Promise<void> {}

  static retryable(message = 'unavailable', retryAfterMs?: number): SinkError {
    return new SinkError('memory', message, { retryable: true, ...(retryAfterMs ? { retryAfterMs } : {}) });
  }
}

let counter = 0;

/** A KubeEvent for tests. */
export function testEvent(
  overrides: Partial<Omit<KubeEvent, 'involvedObject'>> & { kind?: string; objectNamespace?: string } = {},
): KubeEvent {
  counter++;
  const uid = overrides.uid ?? `uid-${counter}`;
  const namespace = overrides.namespace ?? 'default';
  const kind = overrides.kind ?? 'Pod';
  const objectNamespace = overrides.objectNamespace ?? (kind === 'Node' ? '' : namespace);
  const reason = overrides.reason ?? 'BackOff';
  const message = overrides.message ?? 'Back-off restarting failed container';
  const type = overrides.type ?? 'Warning';
  const count = overrides.count ?? 1;
  const resourceVersion = overrides.resourceVersion ?? String(1000 + counter);
  const timestamp = overrides.timestamp ?? 1_700_000_000_000;
  const name = overrides.name ?? `obj-${counter}.17a`;
  return {
    raw: {
      metadata: { uid, namespace, name, resourceVersion },
      involvedObject: { kind, name: `obj-${counter}`, namespace: objectNamespace || undefined },
      reason,
      message,
      type,
      count,
      lastTimestamp: new Date(timestamp),
    },
    uid,
    namespace,
    name,
    type,
    reason,
    message,
    count,
    timestamp,
    involvedObject: { kind, namespace: objectNamespace, name: `obj-${counter}`, uid: '', apiVersion: 'v1', fieldPath: '' },
    source: { component: 'kubelet', host: 'node-1' },
    resourceVersion,
    change: overrides.change ?? 'added',
  };
}
