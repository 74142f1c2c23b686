import { createHmac, timingSafeEqual } from 'node:crypto';
import { type PeerClock, type RunningPeer, sendJson, startPeer } from './http-peer.ts';

/**
 * A DingTalk custom-robot endpoint (`POST /robot/send?access_token=T[&timestamp=MS&sign=S]`)
 * that checks what the real one checks: the token, the signature and its 1-hour timestamp
 * window, custom keywords, the JSON body shape, and 20 messages a minute per robot.
 * It always answers HTTP 200 with `{"errcode","errmsg"}`, as DingTalk does.
 */

export interface DingTalkRobot {
  readonly accessToken: string;
  /** The `SEC...` secret of a robot in signature mode. */
  readonly secret?: string;
  /** Custom keywords: a message must contain at least one. */
  readonly keywords?: readonly string[];
}

export interface DingTalkServerOptions {
  readonly robots: readonly DingTalkRobot[];
  readonly clock?: PeerClock;
  /** Messages a minute per robot before 130101 (DingTalk: 20). */
  readonly perMinute?: number;
}

export interface DingTalkReceived {
  readonly accessToken: string;
  readonly query: URLSearchParams;
  readonly contentType: string;
  /** The body exactly as received. */
  readonly raw: string;
  readonly body: { msgtype: string; text?: { content: string }; markdown?: { title: string; text: string } };
  readonly at: number;
}

export interface DingTalkRefusal {
  readonly accessToken: string;
  readonly errcode: number;
  readonly errmsg: string;
}

export interface DingTalkServer extends RunningPeer {
  /** Messages accepted (errcode 0), in order. */
  readonly messages: readonly DingTalkReceived[];
  /** Requests refused with a non-zero errcode, in order. */
  readonly refusals: readonly DingTalkRefusal[];
  /** The next `count` requests get HTTP `status` (e.g. 502) instead of being handled. */
  failNext(count: number, status: number): void;
}

export const DINGTALK_ERR = {
  ok: { errcode: 0, errmsg: 'ok' },
  tokenNotExist: { errcode: 300001, errmsg: 'token is not exist' },
  keywords: { errcode: 310000, errmsg: 'keywords not in content' },
  signNotMatch: { errcode: 310000, errmsg: 'sign not match' },
  invalidTimestamp: { errcode: 310000, errmsg: 'invalid timestamp' },
  tooFast: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' },
  badParam: { errcode: 40035, errmsg: 'missing or invalid parameter' },
} as const;

/** Independent implementation of DingTalk's check (kept apart from the client's on purpose). */
export function expectedDingTalkSign(timestamp: string, secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(Buffer.from(`${timestamp}\n${secret}`, 'utf8'))
    .digest('base64');
}

export async function startDingTalkServer(options: DingTalkServerOptions): Promise<DingTalkServer> {
  const clock = options.clock ?? { now: () => Date.now() };
  const perMinute = options.perMinute ?? 20;
  const robots = new Map(options.robots.map((robot) => [robot.accessToken, robot]));
  const sent = new Map<string, number[]>();
  const messages: DingTalkReceived[] = [];
  const refusals: DingTalkRefusal[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 0 };

  const peer = await startPeer((request, body, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (failures.count > 0) {
      failures = { count: failures.count - 1, status: failures.status };
      response.writeHead(failures.status, { 'content-type': 'text/html' }).end('<html>bad gateway</html>');
      return;
    }
    if (url.pathname !== '/robot/send' || request.method !== 'POST') {
      response.writeHead(404).end();
      return;
    }
    const token = url.searchParams.get('access_token') ?? '';
    const refuse = (reply: { errcode: number; errmsg: string }) => {
      refusals.push({ accessToken: token, ...reply });
      sendJson(response, 200, reply);
    };
    const robot = robots.get(token);
    if (!robot) return refuse(DINGTALK_ERR.tokenNotExist);
    if (robot.secret !== undefined) {
      const timestamp = url.searchParams.get('timestamp');
      const sign = url.searchParams.get('sign');
      if (!timestamp || !/^\d+$/.test(timestamp) || Math.abs(clock.now() - Number(timestamp)) > 3_600_000) {
        return refuse(DINGTALK_ERR.invalidTimestamp);
      }
      const expected = Buffer.from(expectedDingTalkSign(timestamp, robot.secret));
      const given = Buffer.from(sign ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return refuse(DINGTALK_ERR.signNotMatch);
      }
    }
    const contentType = String(request.headers['content-type'] ?? '');
    const raw = body.toString('utf8');
    let parsed: DingTalkReceived['body'];
    try {
      if (!contentType.toLowerCase().startsWith('application/json')) throw new Error('content type');
      parsed = JSON.parse(raw) as DingTalkReceived['body'];
      if (!validBody(parsed)) throw new Error('shape');
    } catch {
      return refuse(DINGTALK_ERR.badParam);
    }
    const text = parsed.msgtype === 'markdown' ? `${parsed.markdown?.title}${parsed.markdown?.text}` : parsed.text?.content;
    if (robot.keywords && robot.keywords.length > 0 && !robot.keywords.some((k) => text?.includes(k))) {
      return refuse(DINGTALK_ERR.keywords);
    }
    const now = clock.now();
    const window = (sent.get(token) ?? []).filter((at) => now - at < 60_000);
    if (window.length >= perMinute) {
      sent.set(token, window);
      return refuse(DINGTALK_ERR.tooFast);
    }
    window.push(now);
    sent.set(token, window);
    messages.push({ accessToken: token, query: url.searchParams, contentType, raw, body: parsed, at: now });
    sendJson(response, 200, DINGTALK_ERR.ok);
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

function validBody(body: unknown): body is DingTalkReceived['body'] {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  const isString = (v: unknown): v is string => typeof v === 'string';
  if (b.msgtype === 'text') {
    const text = b.text as Record<string, unknown> | undefined;
    return isString(text?.content) && text.content.length > 0;
  }
  if (b.msgtype === 'markdown') {
    const md = b.markdown as Record<string, unknown> | undefined;
    return isString(md?.title) && isString(md?.text) && md.text.length > 0;
  }
  return false;
}
