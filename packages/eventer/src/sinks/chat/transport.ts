import type { IncomingHttpHeaders } from 'node:http';
import { SinkError } from '../../errors.ts';
import { postForText } from '../post.ts';

/**
 * One JSON POST to a chat service whose URL holds its credential (a webhook token, a
 * signature, an access token): failures name the service, never the URL.
 */
export interface ChatReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body as JSON, undefined when it is not JSON. */
  readonly json: unknown;
}

export async function postChatJson(
  url: string,
  body: unknown,
  options: { readonly sink: string; readonly service: string; readonly timeoutMs: number; readonly signal: AbortSignal },
): Promise<ChatReply> {
  const reply = await postForText(url, {
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    sink: options.sink,
    describe: (error) => ({
      message: `request to ${options.service} failed: ${error.name}`,
      cause: new Error((error as Error & { code?: string }).code ?? error.name),
    }),
  });
  let json: unknown;
  try {
    json = JSON.parse(reply.text);
  } catch {
    json = undefined;
  }
  return { ...reply, json };
}

/** Retry-After (seconds or an HTTP date) in ms, else `fallbackMs`. */
export function retryAfterMs(headers: IncomingHttpHeaders, fallbackMs: number, now = Date.now()): number {
  const value = headers['retry-after'];
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return fallbackMs;
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Math.ceil(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - now);
}

/** A rate-limit refusal: retry after `waitMs`, the delivery layer drains the bucket and folds. */
export function rateLimited(sink: string, what: string, waitMs: number): SinkError {
  return new SinkError(sink, what, { retryable: true, rateLimited: true, retryAfterMs: waitMs, code: 'ERR_SINK_RATE_LIMITED' });
}

/**
 * The HTTP status mapping every webhook-style service shares: 429 rate limited (Retry-After),
 * 408 / 5xx retryable, another non-2xx refused for good. Undefined for 2xx.
 */
export function httpStatusError(sink: string, service: string, reply: ChatReply, fallbackWaitMs: number): SinkError | undefined {
  const { status } = reply;
  if (status >= 200 && status < 300) return undefined;
  const detail = reply.text.slice(0, 200).replace(/\s+/g, ' ').trim();
  const what = `HTTP ${status} from ${service}${detail ? `: ${detail}` : ''}`;
  if (status === 429) return rateLimited(sink, what, retryAfterMs(reply.headers, fallbackWaitMs));
  if (status === 408 || status >= 500) return new SinkError(sink, what, { retryable: true });
  return new SinkError(sink, what, { retryable: false, code: 'ERR_SINK_REJECTED' });
}
