import { ProjectError } from '@ack-npd/core';

/** A sink could not deliver a batch. `retryable` tells the delivery loop whether to try again. */
export class SinkError extends ProjectError {
  readonly sink: string;
  readonly retryable: boolean;
  /** The destination asked us to wait this long (Retry-After, a rate-limit errcode). */
  readonly retryAfterMs: number | undefined;
  /** The destination refused because of a rate limit (DingTalk 130101, HTTP 429, SLS WriteQuotaExceed). */
  readonly rateLimited: boolean;
  constructor(
    sink: string,
    message: string,
    options: { retryable: boolean; retryAfterMs?: number; rateLimited?: boolean; code?: string; cause?: unknown },
  ) {
    super(options.code ?? 'ERR_SINK', `${sink}: ${message}`, { cause: options.cause });
    this.sink = sink;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.rateLimited = options.rateLimited ?? false;
  }
}

/** The apiserver answered with an error status (or a watch ERROR event). */
export class KubeApiError extends ProjectError {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string, options?: ErrorOptions) {
    super('ERR_KUBE_API', message, options);
    this.status = status;
    this.reason = reason;
  }
}

/** The watch's resourceVersion is too old (410 Gone / Expired): the source must relist. */
export class ResourceExpiredError extends ProjectError {
  constructor(message: string) {
    super('ERR_RESOURCE_EXPIRED', message);
  }
}
