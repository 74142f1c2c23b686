import { z } from 'zod';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { type EventCard, eventCard, fitMessage, truncateChars } from './chat/card.ts';
import { type ChatOptions, chatFilter, parseChatOptions, serviceUrl } from './chat/options.ts';
import { httpStatusError, postChatJson } from './chat/transport.ts';

/**
 * Slack incoming webhook: `slack:https://hooks.slack.com/services/T000/B000/XXXX?level=Warning&cluster_id=c1`.
 * Posts Block Kit (header, fields, the message, a context footer) with a plain `text`
 * fallback for notifications. Slack allows about one message a second per hook: 429 with
 * Retry-After is a rate limit (the delivery layer waits and folds); 400 invalid_payload /
 * no_text / invalid_blocks, 403, 404 no_service and 410 channel_is_archived are for good.
 */

export const SLACK_PER_MINUTE = 60;
const SECTION_MAX = 3000;

export interface SlackOptions extends ChatOptions {
  readonly url: string;
}

export function parseSlackOptions(spec: SinkSpec): SlackOptions {
  return parseChatOptions(
    spec,
    { url: z.string({ error: 'the incoming webhook URL is required: slack:https://hooks.slack.com/services/T/B/X' }).url() },
    { url: serviceUrl(spec, []) },
  );
}

/** Slack mrkdwn needs &, < and > escaped. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function renderSlackMessage(card: EventCard): Record<string, unknown> {
  const icon = card.warning ? ':warning:' : ':information_source:';
  return {
    text: truncateChars(`${card.title}: ${card.message}`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncateChars(card.title, 150), emoji: true } },
      {
        type: 'section',
        fields: card.facts.slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn', text: truncateChars(`*${k}*\n${escapeMrkdwn(v)}`, 2000) })),
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: truncateChars(`${icon} ${escapeMrkdwn(card.message || '(no message)')}`, SECTION_MAX) },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(card.footer) }] },
    ],
  };
}

export const createSlackSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseSlackOptions(spec);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  const body = (event: KubeEvent) =>
    fitMessage(
      eventCard(event, options),
      40_000,
      (card) => JSON.stringify(renderSlackMessage(card)),
      (text) => text.length,
    );
  return {
    name: spec.name,
    limits: { perMinute: SLACK_PER_MINUTE, maxBatch: 1 },
    filter: chatFilter(options),
    async send(batch, signal) {
      for (const event of batch) {
        const reply = await postChatJson(options.url, body(event), {
          sink: spec.name,
          service: 'Slack',
          timeoutMs: options.timeoutMs,
          signal,
        });
        const failure = httpStatusError(spec.name, 'Slack', reply, 1000);
        if (failure) {
          logger.warn({ status: reply.status, error: reply.text.slice(0, 100) }, 'slack refused a message');
          throw failure;
        }
      }
    },
    async close() {},
  };
};
