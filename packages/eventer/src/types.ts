import type { CoreV1Event } from '@kubernetes/client-node';

/**
 * One cluster event as the pipeline sees it: the raw core/v1 Event (sinks that ship
 * "the event JSON" ship this, as kube-eventer does) plus normalized fields every filter,
 * route and sink reads.
 */
export interface KubeEvent {
  /** The Event object as the apiserver returned it. */
  readonly raw: CoreV1Event;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** "Normal" | "Warning" (anything else is kept as is). */
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  /** Repeat count (count, or series.count for events.k8s.io-style events); 1 when absent. */
  readonly count: number;
  /** lastTimestamp, else eventTime / series.lastObservedTime, else firstTimestamp, else the time it was seen (ms). */
  readonly timestamp: number;
  readonly involvedObject: {
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    readonly uid: string;
    readonly apiVersion: string;
    readonly fieldPath: string;
  };
  readonly source: { readonly component: string; readonly host: string };
  readonly resourceVersion: string;
  /** "added" for a new event, "updated" when the same event changed (count bump, new message). */
  readonly change: 'added' | 'updated';
  /** Set on a summary made by folding several events (rate limit or repeat window). */
  readonly folded?: { readonly events: number; readonly first: number; readonly last: number };
}

/** A destination. Queueing, retry, rate limits and spooling wrap every sink; a sink only sends. */
export interface Sink {
  readonly name: string;
  /**
   * Sends one batch. Resolves when the destination accepted all of it; rejects with a
   * SinkError telling whether a retry can succeed.
   */
  send(batch: readonly KubeEvent[], signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
  /**
   * What the destination tolerates. The delivery loop never hands `send` more than
   * `maxBatch` events, and never calls `send` more than `perMinute` times a minute
   * (a token bucket per sink); events that arrive over the rate are folded into one
   * summary (see `fold`) instead of being dropped.
   */
  readonly limits?: { readonly maxBatch?: number; readonly perMinute?: number };
  /**
   * Per-sink filter from the sink's own URI options (level, namespaces, kinds, reason); the
   * delivery loop applies it before queueing, so filtered events use no rate-limit tokens.
   */
  readonly filter?: import('./filter.ts').FilterSpec;
  /**
   * Folds events held back by the rate limit into one summary event (e.g. a DingTalk
   * message "37 more events: 20x BackOff, ..."). Without it the delivery loop uses
   * `foldEvents` from fold.ts.
   */
  fold?(events: readonly KubeEvent[]): KubeEvent;
  /**
   * A chat sink pages people: count bumps of an event it sent are held for the bump window
   * and ship once, marked "(×N)" (delivery.ts markRepeat). Defaults by sink key
   * (sinks/index.ts CHAT_SINK_KEYS); data sinks ship every bump with its count.
   */
  readonly chat?: boolean;
}

export interface Source {
  run(signal: AbortSignal): AsyncIterable<KubeEvent>;
}

/**
 * One `--sink=KEY:URI` as kube-eventer users write it, e.g.
 * `dingtalk:https://oapi.dingtalk.com/robot/send?access_token=T&level=Warning` or
 * `wechat:?corp_id=..`. `$VAR` references are already expanded.
 */
export interface SinkSpec {
  /** The sink kind: dingtalk, sls, webhook, ... */
  readonly key: string;
  /** Unique name for metrics and logs (the key, or key-N when a kind repeats, or a configured name). */
  readonly name: string;
  /** The part after `KEY:` as written (may hold secrets: never log it). */
  readonly uri: string;
  /** Scheme+host+path when the URI has one (`https://oapi.dingtalk.com/robot/send`), else undefined. */
  readonly endpoint: URL | undefined;
  /** Query parameters; repeatable ones (label, header) keep every value. */
  readonly query: URLSearchParams;
  /**
   * The part after `KEY:` as written, `$VAR`s expanded verbatim, for sinks whose URI is not a URL
   * (`mysql:?user:pw@tcp(host:3306)/db?charset=utf8`, `mongo:?mongodb://...`). May hold secrets.
   */
  readonly opaque?: string;
}

export interface SinkContext {
  readonly logger: import('@ack-npd/core').Logger;
  readonly clock: import('@ack-npd/core').Clock;
  readonly env: NodeJS.ProcessEnv;
  /** For sinks that read Secrets/ConfigMaps (webhook custom_body_configmap, SLS alibaba-addon-secret). */
  readonly kube: import('@ack-npd/core/kube-lite').KubeClient | undefined;
}

/** Builds a sink from its spec; throws ConfigError naming the sink and option on bad input. */
export type SinkFactory = (spec: SinkSpec, context: SinkContext) => Sink | Promise<Sink>;
