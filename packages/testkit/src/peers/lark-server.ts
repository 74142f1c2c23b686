import { createHmac, timingSafeEqual } from 'node:crypto';
import { type PeerClock, parseJson, type RunningPeer, rateWindows, sendJson, startPeer } from './http-peer.ts';

/**
 * A Lark / Feishu custom-bot endpoint (`POST /open-apis/bot/v2/hook/{token}`) checking what
 * the real one checks: the token, the signature (`timestamp` + `sign` in the body,
 * base64(HMAC-SHA256(key = "{seconds}\n{secret}", msg = "")), within an hour), custom
 * keywords, the message shape (text, post, interactive card), the 20 KB body limit and
 * 100 messages a minute / 5 a second per bot. Always HTTP 200 with `{"code","msg","data"}`.
 */

export interface LarkBot {
  readonly token: string;
  readonly secret?: string;
  readonly keywords?: readonly string[];
}

export interface LarkServerOptions {
  readonly bots: readonly LarkBot[];
  readonly clock?: PeerClock;
  readonly perMinute?: number;
  readonly perSecond?: number;
}

export interface LarkReceived {
  readonly token: string;
  readonly body: {
    msg_type: string;
    content?: Record<string, unknown>;
    card?: Record<string, unknown>;
    timestamp?: string | number;
    sign?: string;
  };
  readonly raw: string;
  readonly at: number;
}

export interface LarkServer extends RunningPeer {
  readonly messages: readonly LarkReceived[];
  readonly refusals: readonly { readonly token: string; readonly code: number }[];
  failNext(count: number, status: number): void;
}

export const LARK_ERR = {
  ok: { code: 0, msg: 'success', data: {} },
  badRequest: { code: 9499, msg: 'Bad Request', data: {} },
  tooLarge: { code: 9499, msg: 'request body exceeds 20 KB', data: {} },
  tokenInvalid: { code: 19001, msg: 'param invalid: incoming webhook access token invalid', data: {} },
  sign: { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time', data: {} },
  keywords: { code: 19024, msg: 'Key Words Not Found', data: {} },
  throttled: { code: 11232, msg: 'frequency limited', data: {} },
} as const;

export const LARK_MAX_BODY_BYTES = 20 * 1024;

/** Independent implementation of the bot signature (kept apart from the client's on purpose). */
export function expectedLarkSign(timestampSeconds: string, secret: string): string {
  return createHmac('sha256', Buffer.from(`${timestampSeconds}\n${secret}`, 'utf8'))
    .update(Buffer.alloc(0))
    .digest('base64');
}

export async function startLarkServer(options: LarkServerOptions): Promise<LarkServer> {
  const clock = options.clock ?? { now: () => Date.now() };
  const bots = new Map(options.bots.map((bot) => [bot.token, bot]));
  const rates = rateWindows(clock);
  const messages: LarkReceived[] = [];
  const refusals: { token: string; code: number }[] = [];
  let failures = { count: 0, status: 0 };

  const peer = await startPeer((request, body, response) => {
    if (failures.count > 0) {
      failures = { count: failures.count - 1, status: failures.status };
      response.writeHead(failures.status, { 'content-type': 'text/html' }).end('<html>bad gateway</html>');
      return;
    }
    const match = /^\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (!match || request.method !== 'POST') {
      response.writeHead(404).end();
      return;
    }
    const token = match[1] as string;
    const refuse = (reply: { code: number; msg: string; data: object }) => {
      refusals.push({ token, code: reply.code });
      sendJson(response, 200, reply);
    };
    const bot = bots.get(token);
    if (!bot) return refuse(LARK_ERR.tokenInvalid);
    if (body.length > LARK_MAX_BODY_BYTES) return refuse(LARK_ERR.tooLarge);
    const raw = body.toString('utf8');
    const parsed = parseJson(raw) as LarkReceived['body'] | undefined;
    if (!parsed || typeof parsed !== 'object' || !validShape(parsed)) return refuse(LARK_ERR.badRequest);
    if (bot.secret !== undefined) {
      const ts = String(parsed.timestamp ?? '');
      if (!/^\d+$/.test(ts) || Math.abs(clock.now() / 1000 - Number(ts)) > 3600) return refuse(LARK_ERR.sign);
      const expected = Buffer.from(expectedLarkSign(ts, bot.secret));
      const given = Buffer.from(String(parsed.sign ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refuse(LARK_ERR.sign);
    }
    if (bot.keywords && bot.keywords.length > 0 && !bot.keywords.some((k) => raw.includes(k))) return refuse(LARK_ERR.keywords);
    if (rates.over(token, options.perSecond ?? 5, 1000) || rates.over(token, options.perMinute ?? 100, 60_000)) {
      return refuse(LARK_ERR.throttled);
    }
    messages.push({ token, body: parsed, raw, at: clock.now() });
    sendJson(response, 200, LARK_ERR.ok);
  });

  return {
    ...peer,
    messages,
    refusals,
    failNext(count, status) {
      failures = { count, status };
    },
  };
}

function validShape(body: LarkReceived['body']): boolean {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  switch (body.msg_type) {
    case 'text':
      return isObject(body.content) && typeof body.content.text === 'string' && body.content.text.length > 0;
    case 'post':
      return isObject(body.content) && isObject(body.content.post);
    case 'interactive': {
      const card = body.card;
      return isObject(card) && (Array.isArray(card.elements) || isObject(card.body) || isObject(card.header));
    }
    default:
      return false;
  }
}
