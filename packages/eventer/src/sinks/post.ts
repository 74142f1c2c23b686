import type { Agent, IncomingHttpHeaders } from 'node:http';
import { SinkError } from '../errors.ts';
import { httpText } from './http.ts';

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
  /** A keep-alive agent of the sink's own (TLS options, see httpsAgent), else the shared one. */
  readonly agent?: Agent;
  /** POST unless told otherwise (PUT for Elasticsearch index creation). */
  readonly method?: 'POST' | 'PUT';
}

/**
 * One POST bounded by a timeout, read to text. A network failure or timeout is a retryable
 * SinkError; an abort of the caller's signal is rethrown as is. Status mapping is the caller's.
 */
export async function postForText(url: string, options: PostOptions): Promise<PostReply> {
  try {
    return await httpText(url, {
      method: options.method ?? 'POST',
      headers: options.headers,
      body: options.body,
      ...(options.agent ? { agent: options.agent } : {}),
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
  } catch (error) {
    if (options.signal.aborted) throw error;
    const { message, cause } = options.describe(error as Error);
    throw new SinkError(options.sink, message, { retryable: true, cause });
  }
}
