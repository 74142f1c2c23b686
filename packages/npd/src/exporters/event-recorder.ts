import type { Logger } from '@ack-npd/core';
import { KubeApiError } from '../errors.ts';
import type { ProblemEvent } from '../types.ts';
import type { ApiEvent } from './node-api.ts';

export interface InvolvedNode {
  readonly name: string;
  readonly uid: string;
}

/** What an event is about: the Node (default), or a Pod on it (PodOOMKilling), written in the Pod's namespace. */
export interface InvolvedObject extends InvolvedNode {
  readonly kind?: 'Node' | 'Pod';
  readonly namespace?: string;
  /** source.host / reportingInstance: the node name (default: `name`, for a Node). */
  readonly host?: string;
}

export interface EventRecorderOptions {
  readonly namespace?: string;
  readonly create: (namespace: string, event: ApiEvent) => Promise<void>;
  readonly patch: (namespace: string, name: string, patch: Partial<ApiEvent>) => Promise<void>;
  readonly logger: Logger;
  readonly onResult?: (result: 'created' | 'updated' | 'failed') => void;
  readonly onDrop?: (cause: 'spam_filter' | 'queue_full') => void;
  /** client-go's spam filter: a token bucket per source + object (burst 25, one token per 5 minutes). */
  readonly spamBurst?: number;
  readonly spamRefillMs?: number;
  /** client-go's aggregator: after this many similar events (same reason, other messages) within the window, combine them. */
  readonly aggregateThreshold?: number;
  readonly aggregateWindowMs?: number;
  readonly maxQueue?: number;
}

interface Seen {
  name: string;
  count: number;
}

const CACHE_SIZE = 4096;

/**
 * Writes problem events through the core/v1 events API the way client-go's recorder does:
 * a repeat (same source, object, type, reason, message) PATCHes the count and lastTimestamp;
 * many similar events are combined; a per-source spam filter caps what a flapping check can send.
 * Writes go one at a time through a bounded queue.
 */
export class EventRecorder {
  readonly #options: EventRecorderOptions;
  readonly #namespace: string;
  readonly #seen = new Map<string, Seen>();
  readonly #similar = new Map<string, { messages: Set<string>; since: number }>();
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #queue: (() => Promise<void>)[] = [];
  #draining: Promise<void> | undefined;
  #sequence = 0;

  constructor(options: EventRecorderOptions) {
    this.#options = options;
    this.#namespace = options.namespace ?? 'default';
  }

  /** Queues one event for the node (or a pod on it); returns at once (call `flush()` to wait for the writes). */
  record(node: InvolvedObject, source: string, event: ProblemEvent, now: number): void {
    const type = event.severity === 'warn' ? 'Warning' : 'Normal';
    const object = node.kind === 'Pod' ? `Pod/${node.namespace ?? ''}/${node.name}` : node.name;
    if (!this.#allow(`${source}/${object}`, now)) {
      this.#options.onDrop?.('spam_filter');
      this.#options.logger.debug({ source, reason: event.reason }, 'event dropped by spam filter');
      return;
    }
    let message = event.message;
    const similarKey = `${source}/${object}/${type}/${event.reason}`;
    const similar = this.#similar.get(similarKey);
    const windowMs = this.#options.aggregateWindowMs ?? 600_000;
    if (!similar || now - similar.since > windowMs) this.#similar.set(similarKey, { messages: new Set([message]), since: now });
    else {
      similar.messages.add(message);
      if (similar.messages.size >= (this.#options.aggregateThreshold ?? 10)) message = `(combined from similar events): ${message}`;
    }
    const key = message.startsWith('(combined from similar events)') ? `${similarKey}/*` : `${similarKey}/${message}`;
    if (this.#queue.length >= (this.#options.maxQueue ?? 1000)) {
      this.#options.onDrop?.('queue_full');
      return;
    }
    this.#queue.push(() => this.#write(key, node, source, type, event.reason, message, event.timestamp || now, now));
    this.#draining ??= this.#drain();
  }

  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  #allow(key: string, now: number): boolean {
    const burst = this.#options.spamBurst ?? 25;
    const refill = this.#options.spamRefillMs ?? 300_000;
    const bucket = this.#buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + Math.floor((now - bucket.at) / refill));
    if (now - bucket.at >= refill) bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens <= 0) return false;
    bucket.tokens--;
    return true;
  }

  async #drain(): Promise<void> {
    try {
      for (let job = this.#queue.shift(); job; job = this.#queue.shift()) await job();
    } finally {
      this.#draining = undefined;
    }
  }

  async #write(
    key: string,
    node: InvolvedObject,
    source: string,
    type: string,
    reason: string,
    message: string,
    at: number,
    now: number,
  ): Promise<void> {
    const seen = this.#seen.get(key);
    const namespace = node.kind === 'Pod' && node.namespace ? node.namespace : this.#namespace;
    const host = node.host ?? node.name;
    try {
      if (seen) {
        seen.count++;
        try {
          await this.#options.patch(namespace, seen.name, { count: seen.count, lastTimestamp: new Date(at), message });
          this.#touch(key, seen);
          this.#options.onResult?.('updated');
          return;
        } catch (error) {
          if (!(error instanceof KubeApiError && error.status === 404)) throw error;
          this.#seen.delete(key); // the event expired on the server: create it anew
        }
      }
      // client-go names events <object>.<unix nanos, hex>: the write time, plus a sequence for uniqueness.
      const name = `${node.name}.${(BigInt(now) * 1_000_000n + BigInt(this.#sequence++ % 1_000_000)).toString(16)}`;
      const body: ApiEvent = {
        metadata: { name, namespace },
        involvedObject:
          node.kind === 'Pod'
            ? { kind: 'Pod', namespace, name: node.name, uid: node.uid, apiVersion: 'v1' }
            : { kind: 'Node', name: node.name, uid: node.uid, apiVersion: 'v1' },
        reason,
        message,
        type,
        source: { component: source, host },
        firstTimestamp: new Date(at),
        lastTimestamp: new Date(at),
        count: 1,
        reportingComponent: source,
        reportingInstance: host,
      };
      await this.#options.create(namespace, body);
      this.#touch(key, { name, count: 1 });
      this.#options.onResult?.('created');
    } catch (error) {
      this.#options.onResult?.('failed');
      this.#options.logger.warn({ reason, err: error instanceof Error ? error.message : String(error) }, 'event write failed');
    }
  }

  #touch(key: string, seen: Seen): void {
    this.#seen.delete(key);
    this.#seen.set(key, seen);
    if (this.#seen.size > CACHE_SIZE) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }
}
