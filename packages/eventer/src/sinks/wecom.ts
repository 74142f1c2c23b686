import { z } from 'zod';
import { SinkError } from '../errors.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { type EventCard, eventCard, truncateUtf8 } from './chat/card.ts';
import { type ChatOptions, chatFilter, parseChatOptions } from './chat/options.ts';
import { httpStatusError, postChatJson, rateLimited } from './chat/transport.ts';

/**
 * WeCom (企业微信) group robot:
 * `wecom:https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=$WECOM_KEY&msg_type=markdown&level=Warning`.
 * Markdown (≤ 4096 bytes, colored level) or text (≤ 2048 bytes, with `mentioned_list` /
 * `mentioned_mobile_list`); 20 messages a minute per robot. Always HTTP 200 with errcode:
 * 45009 = over the limit (wait a minute, fold), 93000 = invalid webhook (for good), -1 = busy.
 * kube-eventer's `wechat` sink (the application-message API) is ./wechat.ts.
 */

export const WECOM_DEFAULT_ENDPOINT = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send';
export const WECOM_ROBOT_PER_MINUTE = 20;
export const WECOM_LIMITS = { text: 2048, markdown: 4096 } as const;

export interface WeComRobotOptions extends ChatOptions {
  readonly url: string;
  readonly msgType: 'markdown' | 'text';
  readonly mentionedList: readonly string[];
  readonly mentionedMobileList: readonly string[];
}

const csv = z
  .string()
  .optional()
  .transform((value) => (value ? value.split(',').filter(Boolean) : []));

export function parseWeComRobotOptions(spec: SinkSpec): WeComRobotOptions {
  const q = spec.query;
  const endpoint = spec.endpoint ? `${spec.endpoint.origin}${spec.endpoint.pathname}` : WECOM_DEFAULT_ENDPOINT;
  const parsed = parseChatOptions(
    spec,
    {
      key: z.string({ error: 'key is required (the robot webhook key)' }).min(1, 'key is required (the robot webhook key)'),
      endpoint: z.string().url('endpoint must be an http(s) URL'),
      msg_type: z.enum(['markdown', 'text'], { error: 'msg_type must be markdown or text' }).default('markdown'),
      mentioned_list: csv,
      mentioned_mobile_list: csv,
    },
    {
      key: q.get('key') ?? undefined,
      endpoint,
      msg_type: q.get('msg_type') ?? undefined,
      mentioned_list: q.get('mentioned_list') ?? undefined,
      mentioned_mobile_list: q.get('mentioned_mobile_list') ?? undefined,
    },
  );
  return {
    ...parsed,
    url: `${parsed.endpoint}?key=${encodeURIComponent(parsed.key)}`,
    msgType: parsed.msg_type,
    mentionedList: parsed.mentioned_list,
    mentionedMobileList: parsed.mentioned_mobile_list,
  };
}

export function renderWeComRobotMessage(
  card: EventCard,
  options: Pick<WeComRobotOptions, 'msgType' | 'mentionedList' | 'mentionedMobileList'>,
): Record<string, unknown> {
  if (options.msgType === 'text') {
    const head = `${card.title}\n${card.facts.map(([k, v]) => `${k}: ${v}`).join('\n')}\n`;
    const content = head + truncateUtf8(card.message, Math.max(16, WECOM_LIMITS.text - Buffer.byteLength(head)));
    return {
      msgtype: 'text',
      text: {
        content: truncateUtf8(content, WECOM_LIMITS.text),
        ...(options.mentionedList.length > 0 ? { mentioned_list: options.mentionedList } : {}),
        ...(options.mentionedMobileList.length > 0 ? { mentioned_mobile_list: options.mentionedMobileList } : {}),
      },
    };
  }
  const color = card.warning ? 'warning' : 'info';
  const head =
    `### <font color="${color}">${card.title}</font>\n` +
    card.facts.map(([k, v]) => `> ${k}: <font color="comment">${v}</font>`).join('\n') +
    '\n\n';
  const content = head + truncateUtf8(card.message, Math.max(16, WECOM_LIMITS.markdown - Buffer.byteLength(head)));
  return { msgtype: 'markdown', markdown: { content: truncateUtf8(content, WECOM_LIMITS.markdown) } };
}

/** Maps a WeCom reply (group robot or application API) to a SinkError (undefined = delivered). */
export function weComError(sink: string, reply: Awaited<ReturnType<typeof postChatJson>>): SinkError | undefined {
  const http = httpStatusError(sink, 'WeCom', reply, 60_000);
  if (http) return http;
  const body = reply.json as { errcode?: number; errmsg?: string } | undefined;
  if (!body || typeof body.errcode !== 'number') return new SinkError(sink, 'WeCom answered without an errcode', { retryable: true });
  if (body.errcode === 0) return undefined;
  const what = `WeCom errcode ${body.errcode}: ${body.errmsg ?? ''}`;
  if (body.errcode === 45009 || body.errcode === 45033) return rateLimited(sink, what, 60_000);
  if (body.errcode === -1) return new SinkError(sink, what, { retryable: true });
  return new SinkError(sink, what, { retryable: false, code: 'ERR_SINK_REJECTED' });
}

export const createWeComRobotSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseWeComRobotOptions(spec);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  const body = (event: KubeEvent) => renderWeComRobotMessage(eventCard(event, options), options);
  return {
    name: spec.name,
    limits: { perMinute: WECOM_ROBOT_PER_MINUTE, maxBatch: 1 },
    filter: chatFilter(options),
    async send(batch, signal) {
      for (const event of batch) {
        const reply = await postChatJson(options.url, body(event), {
          sink: spec.name,
          service: 'WeCom',
          timeoutMs: options.timeoutMs,
          signal,
        });
        const failure = weComError(spec.name, reply);
        if (failure) {
          logger.warn(
            { status: reply.status, errcode: (reply.json as { errcode?: number } | undefined)?.errcode },
            'wecom refused a message',
          );
          throw failure;
        }
      }
    },
    async close() {},
  };
};
