import { createHmac } from 'node:crypto';
import { SinkError } from '../../errors.ts';
import { postForText } from '../post.ts';

/** Signing, query string, POST and reply mapping: DingTalk's robot API, independent of message shape. */

const RATE_LIMIT_RETRY_MS = 60_000;

/** sign = base64(HMAC-SHA256(key = secret, "{timestampMs}\n{secret}")), before URL-encoding. */
export function dingTalkSign(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** The query string kube-eventer sends (Go url.Values.Encode: keys sorted). */
export function dingTalkQuery(accessToken: string, secret: string | undefined, nowMs: number): string {
  const parts = [`access_token=${goQueryEscape(accessToken)}`];
  if (secret) {
    parts.push(`sign=${goQueryEscape(dingTalkSign(nowMs, secret))}`);
    parts.push(`timestamp=${nowMs}`);
  }
  return parts.join('&');
}

function goQueryEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

interface DingTalkReply {
  readonly errcode?: number;
  readonly errmsg?: string;
}

/** Maps a DingTalk reply or HTTP status to a SinkError (undefined = delivered). */
export function dingTalkError(sink: string, status: number, reply: DingTalkReply | undefined): SinkError | undefined {
  if (status === 429) {
    return new SinkError(sink, 'HTTP 429 from DingTalk', {
      retryable: true,
      rateLimited: true,
      retryAfterMs: RATE_LIMIT_RETRY_MS,
      code: 'ERR_SINK_RATE_LIMITED',
    });
  }
  if (status >= 500) return new SinkError(sink, `HTTP ${status} from DingTalk`, { retryable: true });
  if (status !== 200) return new SinkError(sink, `HTTP ${status} from DingTalk`, { retryable: false });
  if (!reply || typeof reply.errcode !== 'number') {
    return new SinkError(sink, 'DingTalk answered without an errcode', { retryable: true });
  }
  const { errcode } = reply;
  const errmsg = String(reply.errmsg ?? '');
  if (errcode === 0) return undefined;
  if (errcode === 130101) {
    return new SinkError(sink, `DingTalk errcode 130101: ${errmsg}`, {
      retryable: true,
      rateLimited: true,
      retryAfterMs: RATE_LIMIT_RETRY_MS,
      code: 'ERR_SINK_RATE_LIMITED',
    });
  }
  // -1: "system busy" (transient). 310000 (keywords / sign / timestamp / IP list), 300001 and
  // 300005 (token does not exist), 400xx (bad body) cannot succeed on retry.
  const retryable = errcode === -1;
  return new SinkError(sink, `DingTalk errcode ${errcode}: ${errmsg}`, {
    retryable,
    code: retryable ? 'ERR_SINK' : 'ERR_SINK_REJECTED',
  });
}

/** POSTs one body; resolves when DingTalk answered errcode 0, else throws the mapped SinkError. */
export async function postDingTalk(
  url: string,
  body: string,
  options: {
    timeoutMs: number;
    signal: AbortSignal;
    sink: string;
    onRefused: (info: { status: number; errcode?: number; errmsg?: string }) => void;
  },
): Promise<void> {
  const { status, text } = await postForText(url, {
    headers: { 'content-type': 'application/json;charset=utf-8' },
    body,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    sink: options.sink,
    // The URL carries the token: report only the error's kind.
    describe: (error) => ({
      message: `request to DingTalk failed: ${error.name}`,
      cause: new Error((error as Error & { code?: string }).code ?? error.name),
    }),
  });
  let reply: DingTalkReply | undefined;
  try {
    reply = JSON.parse(text) as DingTalkReply;
  } catch {
    reply = undefined;
  }
  const failure = dingTalkError(options.sink, status, reply);
  if (failure) {
    options.onRefused({
      status,
      ...(reply?.errcode !== undefined ? { errcode: reply.errcode } : {}),
      ...(reply?.errmsg !== undefined ? { errmsg: reply.errmsg } : {}),
    });
    throw failure;
  }
}
