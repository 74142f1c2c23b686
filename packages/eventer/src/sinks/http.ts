import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export interface HttpOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly signal?: AbortSignal;
  /** A keep-alive agent of the URL's protocol (custom TLS); a shared keep-alive one otherwise. */
  readonly agent?: HttpAgent;
  /** Longest answer read; the rest is cut off (sinks only read status lines and short JSON). */
  readonly maxBytes?: number;
}

let sharedHttp: HttpAgent | undefined;
let sharedHttps: HttpsAgent | undefined;

function sharedAgent(https: boolean): HttpAgent {
  if (https) {
    sharedHttps ??= new HttpsAgent({ keepAlive: true });
    return sharedHttps;
  }
  sharedHttp ??= new HttpAgent({ keepAlive: true });
  return sharedHttp;
}

/** A keep-alive HTTPS agent with the given TLS options (the webhook's `ca=` / `insecure=`). */
export function httpsAgent(options: { ca?: string; rejectUnauthorized?: boolean }): HttpsAgent {
  return new HttpsAgent({ keepAlive: true, ...options });
}

/**
 * One HTTP request through node:http(s) with keep-alive, read to text (bounded). Sinks use it
 * instead of a client library: it loads nothing beyond Node's own modules. Rejects on network
 * errors and when `signal` aborts; status handling is the caller's.
 */
export async function httpText(url: string | URL, options: HttpOptions = {}): Promise<HttpReply> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const https = target.protocol === 'https:';
  const agent = options.agent ?? sharedAgent(https);
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  const headers: Record<string, string> = { ...options.headers };
  if (body) headers['content-length'] = String(body.byteLength);
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      target,
      { method: options.method ?? 'GET', headers, agent, ...(options.signal ? { signal: options.signal } : {}) },
      resolve,
    );
    req.once('error', reject);
    req.end(body);
  });
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (size < maxBytes) chunks.push(chunk);
    size += chunk.length;
  }
  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    text: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'),
  };
}
