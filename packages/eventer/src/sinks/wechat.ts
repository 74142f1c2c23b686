import { z } from 'zod';
import { SinkError } from '../errors.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { truncateUtf8 } from './chat/card.ts';
import { type ChatOptions, chatFilter, parseChatOptions } from './chat/options.ts';
import { postChatJson } from './chat/transport.ts';
import { goTimeString } from './dingtalk/message.ts';
import { httpText } from './http.ts';
import { goEscape } from './sls/event-json.ts';
import { weComError } from './wecom.ts';

/**
 * kube-eventer's `wechat` sink: a WeCom application message.
 * `wechat:?corp_id=C&corp_secret=$WECHAT_SECRET&agent_id=1000012&to_user=zhangsan,lisi&label=c1&level=Warning`
 * (an `https://host` before `?` replaces `https://qyapi.weixin.qq.com`). The body is what
 * kube-eventer posts (`{"touser","toparty","totag","msgtype":"text","agentid","text":{"content"},"safe"}`,
 * its text template, labels prepended); unlike kube-eventer, the access token is cached until
 * it expires (not fetched for every event), refreshed when WeCom answers 40014 / 42001, errcodes
 * are read (45009 = over the rate: wait and fold), and the users get one message
 * (`touser=a|b`, WeCom's own list syntax) instead of one request each.
 */

export const WECHAT_DEFAULT_ENDPOINT = 'https://qyapi.weixin.qq.com';
/** WeCom lets an application send one member at most 30 messages a minute. */
export const WECHAT_PER_MINUTE = 30;
const TEXT_MAX_BYTES = 2048;
/** Refresh this long before WeCom's expiry, so a token never dies in flight. */
const TOKEN_MARGIN_MS = 5 * 60_000;
const TOKEN_ERRCODES = new Set([40014, 42001, 40082]);

export interface WeChatOptions extends ChatOptions {
  readonly endpoint: string;
  readonly corpId: string;
  readonly corpSecret: string;
  readonly agentId: number;
  readonly toUser: string;
  readonly toParty: string;
  readonly toTag: string;
}

export function parseWeChatOptions(spec: SinkSpec): WeChatOptions {
  const q = spec.query;
  const required = (name: string) => z.string({ error: `${name} is required` }).min(1, `${name} is required`);
  const parsed = parseChatOptions(
    spec,
    {
      endpoint: z.string().url('endpoint must be an http(s) URL'),
      corp_id: required('corp_id'),
      corp_secret: required('corp_secret'),
      agent_id: z.string({ error: 'agent_id is required' }).regex(/^\d+$/, 'agent_id must be a number (the application AgentId)'),
      to_user: z.string().default(''),
      to_party: z.string().default(''),
      to_tag: z.string().default(''),
    },
    {
      endpoint: spec.endpoint ? spec.endpoint.origin : WECHAT_DEFAULT_ENDPOINT,
      corp_id: q.get('corp_id') ?? undefined,
      corp_secret: q.get('corp_secret') ?? undefined,
      agent_id: q.get('agent_id') ?? undefined,
      to_user: q.get('to_user') ?? undefined,
      to_party: q.get('to_party') ?? undefined,
      to_tag: q.get('to_tag') ?? undefined,
    },
  );
  const users = parsed.to_user.split(',').filter(Boolean);
  const toParty = parsed.to_party.replaceAll(',', '|');
  const toTag = parsed.to_tag.replaceAll(',', '|');
  return {
    ...parsed,
    corpId: parsed.corp_id,
    corpSecret: parsed.corp_secret,
    agentId: Number(parsed.agent_id),
    // kube-eventer: an empty to_user means everyone in the application's visible range.
    toUser: users.length > 0 ? users.join('|') : toParty || toTag ? '' : '@all',
    toParty,
    toTag,
  };
}

const TEMPLATE = 'Level:%s \nKind:%s \nNamespace:%s \nName:%s \nReason:%s \nTimestamp:%s \nMessage:%s';

/** kube-eventer's wechat text: labels as leading lines, then its template; the message is cut to fit 2048 bytes. */
export function renderWeChatText(event: KubeEvent, labels: readonly string[]): string {
  let template = TEMPLATE;
  for (const label of labels) template = `${label}\n${template}`;
  const values = [event.type, event.involvedObject.kind, event.namespace, event.name, event.reason, goTimeString(event.timestamp)];
  let i = 0;
  const head = template.replace(/%s/g, () => values[i++] ?? '');
  return head + truncateUtf8(event.message, Math.max(16, TEXT_MAX_BYTES - Buffer.byteLength(head)));
}

/** The JSON kube-eventer posts (Go struct order, HTML characters escaped). */
export function weChatBody(options: WeChatOptions, content: string): string {
  return goEscape(
    JSON.stringify({
      touser: options.toUser,
      toparty: options.toParty,
      totag: options.toTag,
      msgtype: 'text',
      agentid: options.agentId,
      text: { content },
      safe: 0,
    }),
  );
}

interface Token {
  readonly value: string;
  readonly expires: number;
}

export const createWeChatSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseWeChatOptions(spec);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  let token: Token | undefined;
  let fetching: Promise<Token> | undefined;

  async function fetchToken(signal: AbortSignal): Promise<Token> {
    const url = `${options.endpoint}/cgi-bin/gettoken?corpid=${encodeURIComponent(options.corpId)}&corpsecret=${encodeURIComponent(options.corpSecret)}`;
    let status: number;
    let text: string;
    try {
      const response = await httpText(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]) });
      status = response.status;
      text = response.text;
    } catch (error) {
      if (signal.aborted) throw error;
      throw new SinkError(spec.name, `WeCom gettoken failed: ${(error as Error).name}`, { retryable: true });
    }
    let reply: { errcode?: number; errmsg?: string; access_token?: string; expires_in?: number } | undefined;
    try {
      reply = JSON.parse(text);
    } catch {
      reply = undefined;
    }
    if (status !== 200 || !reply)
      throw new SinkError(spec.name, `WeCom gettoken: HTTP ${status}`, { retryable: status >= 500 || status === 429 });
    if (reply.errcode || !reply.access_token) {
      // 40013 invalid corpid, 40001 invalid secret, 60020 IP not allowed: fix the configuration. -1 busy.
      const retryable = reply.errcode === -1;
      throw new SinkError(spec.name, `WeCom gettoken errcode ${reply.errcode}: ${reply.errmsg ?? ''}`, {
        retryable,
        code: retryable ? 'ERR_SINK' : 'ERR_SINK_REJECTED',
      });
    }
    const lifetimeMs = (reply.expires_in ?? 7200) * 1000;
    logger.debug({ expiresIn: reply.expires_in }, 'wechat access token fetched');
    return { value: reply.access_token, expires: context.clock.now() + Math.max(lifetimeMs - TOKEN_MARGIN_MS, lifetimeMs / 2) };
  }

  async function currentToken(signal: AbortSignal): Promise<Token> {
    if (token && token.expires > context.clock.now()) return token;
    fetching ??= fetchToken(signal).finally(() => {
      fetching = undefined;
    });
    token = await fetching;
    return token;
  }

  async function post(event: KubeEvent, signal: AbortSignal): Promise<void> {
    const body = weChatBody(options, renderWeChatText(event, options.labels));
    for (let attempt = 0; ; attempt++) {
      const used = await currentToken(signal);
      const reply = await postChatJson(`${options.endpoint}/cgi-bin/message/send?access_token=${encodeURIComponent(used.value)}`, body, {
        sink: spec.name,
        service: 'WeCom',
        timeoutMs: options.timeoutMs,
        signal,
      });
      const errcode = (reply.json as { errcode?: number } | undefined)?.errcode;
      if (reply.status === 200 && errcode !== undefined && TOKEN_ERRCODES.has(errcode) && attempt === 0) {
        // The token expired early or was revoked (another client fetched a new one): fetch once more.
        if (token === used) token = undefined;
        continue;
      }
      const failure = weComError(spec.name, reply);
      if (failure) {
        logger.warn({ status: reply.status, errcode }, 'wechat refused a message');
        throw failure;
      }
      return;
    }
  }

  return {
    name: spec.name,
    limits: { perMinute: WECHAT_PER_MINUTE, maxBatch: 1 },
    filter: chatFilter(options),
    async send(batch, signal) {
      for (const event of batch) await post(event, signal);
    },
    async close() {},
  };
};
