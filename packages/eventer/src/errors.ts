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
