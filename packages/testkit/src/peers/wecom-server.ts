import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type PeerClock, parseJson, type RunningPeer, rateWindows, sendJson, startPeer } from './http-peer.ts';

/**
 * WeCom (企业微信) as the eventer meets it, on one loopback server:
 * - the application-message API kube-eventer's `wechat` sink uses:
 *   `GET /cgi-bin/gettoken?corpid&corpsecret` → `{access_token, expires_in}` and
 *   `POST /cgi-bin/message/send?access_token=T` with `{touser|toparty|totag, msgtype, agentid, text, safe}`;
 *   it checks the corp id and secret, the token (40014 unknown, 42001 expired), the agentid of
 *   the app the secret belongs to (40056), the recipients (81013), the text size (2048 bytes)
 *   and a per-app rate (45009);
 * - the group robot: `POST /cgi-bin/webhook/send?key=K` with text (≤ 2048 bytes) or markdown
 *   (≤ 4096 bytes), 20 messages a minute (45009), 93000 for an unknown key.
 * Always HTTP 200 with `{"errcode","errmsg"}`, as WeCom answers.
 */

export interface WeComApp {
  readonly corpId: string;
  readonly corpSecret: string;
  readonly agentId: number;
}

export interface WeComServerOptions {
  readonly apps?: readonly WeComApp[];
  /** Group robot keys. */
  readonly robotKeys?: readonly string[];
  readonly clock?: PeerClock;
  /** Seconds a token lives (WeCom: 7200). */
  readonly tokenTtlSeconds?: number;
  /** App messages a minute before 45009 (per app). */
  readonly appPerMinute?: number;
  /** Robot messages a minute before 45009 (WeCom: 20). */
  readonly robotPerMinute?: number;
}

export interface WeComAppMessage {
  readonly corpId: string;
  readonly body: {
    touser?: string;
    toparty?: string;
    totag?: string;
    msgtype: string;
    agentid: number;
    text?: { content: string };
    safe?: number;
  };
  readonly raw: string;
  readonly at: number;
}

export interface WeComRobotMessage {
  readonly key: string;
  readonly body: { msgtype: string; text?: { content: string }; markdown?: { content: string } };
  readonly raw: string;
  readonly at: number;
}

export interface WeComServer extends RunningPeer {
  readonly appMessages: readonly WeComAppMessage[];
  readonly robotMessages: readonly WeComRobotMessage[];
  /** errcodes answered (non-zero), in order. */
  readonly refusals: readonly { readonly path: string; readonly errcode: number }[];
  /** gettoken calls that returned a token. */
  readonly tokensIssued: number;
  /** Every token issued so far expires now (the next send gets 42001). */
  expireTokens(): void;
  /** Every token issued so far is forgotten (the next send gets 40014). */
  revokeTokens(): void;
  /** The next `count` requests get HTTP `status` instead of being handled. */
  failNext(count: number, status: number): void;
}

export const WECOM_ERR = {
  ok: { errcode: 0, errmsg: 'ok' },
  invalidCorpId: { errcode: 40013, errmsg: 'invalid corpid' },
  invalidSecret: { errcode: 40001, errmsg: 'invalid credential' },
  invalidToken: { errcode: 40014, errmsg: 'invalid access_token' },
  expiredToken: { errcode: 42001, errmsg: 'access_token expired' },
  invalidAgentId: { errcode: 40056, errmsg: 'invalid agentid' },
  noRecipient: { errcode: 81013, errmsg: 'user & party & tag all invalid' },
  emptyContent: { errcode: 44004, errmsg: 'empty content' },
  tooLong: { errcode: 45002, errmsg: 'content size out of limit' },
  robotTooLong: { errcode: 40058, errmsg: 'content exceed max length' },
  badJson: { errcode: 40035, errmsg: 'invalid json' },
  badMsgType: { errcode: 40008, errmsg: 'invalid message type' },
  tooFast: { errcode: 45009, errmsg: 'api freq out of limit' },
  invalidWebhook: { errcode: 93000, errmsg: 'invalid webhook url' },
} as const;

export const WECOM_LIMITS = { appTextBytes: 2048, robotTextBytes: 2048, robotMarkdownBytes: 4096 } as const;

export async function startWeComServer(options: WeComServerOptions): Promise<WeComServer> {
  const clock = options.clock ?? { now: () => Date.now() };
  const ttlMs = (options.tokenTtlSeconds ?? 7200) * 1000;
  const apps = new Map((options.apps ?? []).map((app) => [app.corpId, app]));
  const robotKeys = new Set(options.robotKeys ?? []);
  const tokens = new Map<string, { app: WeComApp; expires: number }>();
  const rates = rateWindows(clock);
  const appMessages: WeComAppMessage[] = [];
  const robotMessages: WeComRobotMessage[] = [];
  const refusals: { path: string; errcode: number }[] = [];
  let tokensIssued = 0;
  let failures = { count: 0, status: 0 };

  const overRate = (key: string, perMinute: number) => rates.over(key, perMinute, 60_000);

  const peer = await startPeer((request, body, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (failures.count > 0) {
      failures = { count: failures.count - 1, status: failures.status };
      response.writeHead(failures.status, { 'content-type': 'text/html' }).end('<html>bad gateway</html>');
      return;
    }
    const refuse = (reply: { errcode: number; errmsg: string }) => {
      refusals.push({ path: url.pathname, errcode: reply.errcode });
      sendJson(response, 200, reply);
    };
    const q = url.searchParams;
    if (url.pathname === '/cgi-bin/gettoken' && request.method === 'GET') {
      const app = apps.get(q.get('corpid') ?? '');
      if (!app) return refuse(WECOM_ERR.invalidCorpId);
      if (q.get('corpsecret') !== app.corpSecret) return refuse(WECOM_ERR.invalidSecret);
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, { app, expires: clock.now() + ttlMs });
      tokensIssued++;
      return sendJson(response, 200, { ...WECOM_ERR.ok, access_token: token, expires_in: ttlMs / 1000 });
    }
    if (url.pathname === '/cgi-bin/message/send' && request.method === 'POST') {
      const grant = tokens.get(q.get('access_token') ?? '');
      if (!grant) return refuse(WECOM_ERR.invalidToken);
      if (grant.expires <= clock.now()) return refuse(WECOM_ERR.expiredToken);
      const raw = body.toString('utf8');
      const parsed = parseJson(raw) as WeComAppMessage['body'] | undefined;
      if (!parsed || typeof parsed !== 'object') return refuse(WECOM_ERR.badJson);
      if (parsed.agentid !== grant.app.agentId) return refuse(WECOM_ERR.invalidAgentId);
      if (parsed.msgtype !== 'text') return refuse(WECOM_ERR.badMsgType);
      if (![parsed.touser, parsed.toparty, parsed.totag].some((to) => typeof to === 'string' && to.length > 0)) {
        return refuse(WECOM_ERR.noRecipient);
      }
      const content = parsed.text?.content;
      if (typeof content !== 'string' || content.length === 0) return refuse(WECOM_ERR.emptyContent);
      if (Buffer.byteLength(content) > WECOM_LIMITS.appTextBytes) return refuse(WECOM_ERR.tooLong);
      if (overRate(`app:${grant.app.corpId}:${grant.app.agentId}`, options.appPerMinute ?? 1000)) return refuse(WECOM_ERR.tooFast);
      appMessages.push({ corpId: grant.app.corpId, body: parsed, raw, at: clock.now() });
      return sendJson(response, 200, { ...WECOM_ERR.ok, invaliduser: '', msgid: randomBytes(8).toString('hex') });
    }
    if (url.pathname === '/cgi-bin/webhook/send' && request.method === 'POST') {
      return robot(q.get('key') ?? '', body, response, refuse);
    }
    response.writeHead(404).end();
  });

  function robot(key: string, body: Buffer, response: ServerResponse, refuse: (reply: { errcode: number; errmsg: string }) => void) {
    if (!robotKeys.has(key)) return refuse(WECOM_ERR.invalidWebhook);
    const raw = body.toString('utf8');
    const parsed = parseJson(raw) as WeComRobotMessage['body'] | undefined;
    if (!parsed || typeof parsed !== 'object') return refuse(WECOM_ERR.badJson);
    let content: unknown;
    let limit: number;
    if (parsed.msgtype === 'text') {
      content = parsed.text?.content;
      limit = WECOM_LIMITS.robotTextBytes;
    } else if (parsed.msgtype === 'markdown') {
      content = parsed.markdown?.content;
      limit = WECOM_LIMITS.robotMarkdownBytes;
    } else return refuse(WECOM_ERR.badMsgType);
    if (typeof content !== 'string' || content.length === 0) return refuse(WECOM_ERR.emptyContent);
    if (Buffer.byteLength(content) > limit) return refuse(WECOM_ERR.robotTooLong);
    if (overRate(`robot:${key}`, options.robotPerMinute ?? 20)) return refuse(WECOM_ERR.tooFast);
    robotMessages.push({ key, body: parsed, raw, at: clock.now() });
    sendJson(response, 200, WECOM_ERR.ok);
  }

  return {
    ...peer,
    appMessages,
    robotMessages,
    refusals,
    get tokensIssued() {
      return tokensIssued;
    },
    expireTokens() {
      for (const grant of tokens.values()) grant.expires = clock.now();
    },
    revokeTokens() {
      tokens.clear();
    },
    failNext(count, status) {
      failures = { count, status };
    },
  };
}
