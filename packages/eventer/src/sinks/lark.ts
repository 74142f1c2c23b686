import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { SinkError } from '../errors.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { type EventCard, eventCard, fitMessage } from './chat/card.ts';
import { type ChatOptions, chatFilter, parseChatOptions, serviceUrl } from './chat/options.ts';
import { httpStatusError, postChatJson, rateLimited } from './chat/transport.ts';

/**
 * Lark / Feishu custom bot:
 * `lark:https://open.feishu.cn/open-apis/bot/v2/hook/TOKEN?sign=$LARK_SECRET&level=Warning&cluster_id=c1`
 * (`feishu:` is the same sink). Posts an interactive card (red header for Warning), or plain
 * text with `msg_type=text`; signs with the bot's secret when `sign` is set. Always HTTP 200:
 * the verdict is `code` (or the older `StatusCode`); 11232 = throttled.
 */

export const LARK_PER_MINUTE = 100;
export const LARK_MAX_BODY_BYTES = 20 * 1024;
const THROTTLED = new Set([11232, 99991400]);

export interface LarkOptions extends ChatOptions {
  readonly url: string;
  readonly secret: string | undefined;
  readonly msgType: 'interactive' | 'text';
}

export function parseLarkOptions(spec: SinkSpec): LarkOptions {
  const parsed = parseChatOptions(
    spec,
    {
      url: z.string({ error: 'the bot webhook URL is required: lark:https://open.feishu.cn/open-apis/bot/v2/hook/TOKEN' }).url(),
      sign: z.string().min(1, 'sign must not be empty').optional(),
      msg_type: z.enum(['interactive', 'text'], { error: 'msg_type must be interactive or text' }).default('interactive'),
    },
    {
      url: serviceUrl(spec, ['sign', 'msg_type']),
      sign: spec.query.get('sign') ?? undefined,
      msg_type: spec.query.get('msg_type') ?? undefined,
    },
  );
  return { ...parsed, secret: parsed.sign, msgType: parsed.msg_type };
}

/** sign = base64(HMAC-SHA256(key = "{seconds}\n{secret}", message = "")). */
export function larkSign(timestampSeconds: number, secret: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

/** The message body without signature fields. */
export function renderLarkMessage(card: EventCard, msgType: LarkOptions['msgType']): Record<string, unknown> {
  if (msgType === 'text') {
    const facts = card.facts.map(([k, v]) => `${k}: ${v}`).join('\n');
    return { msg_type: 'text', content: { text: `${card.title}\n${facts}\n${card.message}` } };
  }
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: { template: card.warning ? 'red' : 'blue', title: { tag: 'plain_text', content: card.title } },
      elements: [
        {
          tag: 'div',
          fields: card.facts.map(([k, v]) => ({ is_short: true, text: { tag: 'lark_md', content: `**${k}**\n${escapeLarkMd(v)}` } })),
        },
        { tag: 'hr' },
        { tag: 'div', text: { tag: 'plain_text', content: card.message || '(no message)' } },
        { tag: 'note', elements: [{ tag: 'plain_text', content: card.footer }] },
      ],
    },
  };
}

function escapeLarkMd(text: string): string {
  return text.replace(/[*_~`[\]<>]/g, (c) => `\\${c}`);
}

/** Maps a Lark reply to a SinkError (undefined = delivered). */
export function larkError(sink: string, reply: Awaited<ReturnType<typeof postChatJson>>): SinkError | undefined {
  const http = httpStatusError(sink, 'Lark', reply, 10_000);
  if (http) return http;
  const body = reply.json as { code?: number; msg?: string; StatusCode?: number; StatusMessage?: string } | undefined;
  if (!body || (typeof body.code !== 'number' && typeof body.StatusCode !== 'number')) {
    return new SinkError(sink, 'Lark answered without a code', { retryable: true });
  }
  const code = body.code ?? body.StatusCode ?? 0;
  if (code === 0) return undefined;
  const what = `Lark code ${code}: ${body.msg ?? body.StatusMessage ?? ''}`;
  if (THROTTLED.has(code)) return rateLimited(sink, what, 10_000);
  // 19001 token, 19021 signature/timestamp, 19024 keywords, 9499 bad request: a retry cannot help.
  return new SinkError(sink, what, { retryable: false, code: 'ERR_SINK_REJECTED' });
}

export const createLarkSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseLarkOptions(spec);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });

  function body(event: KubeEvent): string {
    const signed = (message: Record<string, unknown>) => {
      if (!options.secret) return message;
      const seconds = Math.floor(context.clock.now() / 1000);
      return { timestamp: String(seconds), sign: larkSign(seconds, options.secret), ...message };
    };
    const rendered = fitMessage(
      eventCard(event, options),
      LARK_MAX_BODY_BYTES - 512,
      (card) => JSON.stringify(signed(renderLarkMessage(card, options.msgType))),
      (text) => Buffer.byteLength(text),
    );
    return rendered;
  }

  return {
    name: spec.name,
    limits: { perMinute: LARK_PER_MINUTE, maxBatch: 1 },
    filter: chatFilter(options),
    async send(batch, signal) {
      for (const event of batch) {
        const reply = await postChatJson(options.url, body(event), {
          sink: spec.name,
          service: 'Lark',
          timeoutMs: options.timeoutMs,
          signal,
        });
        const failure = larkError(spec.name, reply);
        if (failure) {
          logger.warn({ status: reply.status, code: (reply.json as { code?: number } | undefined)?.code }, 'lark refused a message');
          throw failure;
        }
      }
    },
    async close() {},
  };
};
