import type { IncomingHttpHeaders } from 'node:http';
import { type Dispatcher, request } from 'undici';
import { SinkError } from '../errors.ts';

export interface PostReply {
  readonly status: number;
  readonly text: string;
  readonly headers: IncomingHttpHeaders;
}

export interface PostOptions {
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** The sink's name, for the SinkError. */
  readonly sink: string;
  /** How a network failure is reported (a URL may carry a token: never put it in the message). */
  readonly describe: (error: Error) => { readonly message: string; readonly cause?: unknown };
  /** A connection pool of the sink's own (TLS options), else undici's global one. */
  readonly dispatcher?: Dispatcher;
  /** POST unless told otherwise (PUT for Elasticsearch index creation). */
  readonly method?: 'POST' | 'PUT';
}

/**
 * One POST bounded by a timeout, read to text. A network failure or timeout is a retryable
 * SinkError; an abort of the caller's signal is rethrown as is. Status mapping is the caller's.
 */
export async function postForText(url: string, options: PostOptions): Promise<PostReply> {
  try {
    const response = await request(url, {
      method: options.method ?? 'POST',
      headers: options.headers,
      body: options.body,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
    return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
  } catch (error) {
    if (options.signal.aborted) throw error;
    const { message, cause } = options.describe(error as Error);
    throw new SinkError(options.sink, message, { retryable: true, cause });
  }
}
