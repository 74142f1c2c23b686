import { z } from 'zod';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { type EventCard, eventCard, fitMessage } from './chat/card.ts';
import { type ChatOptions, chatFilter, parseChatOptions, serviceUrl } from './chat/options.ts';
import { httpStatusError, postChatJson, rateLimited } from './chat/transport.ts';

/**
 * Microsoft Teams: the "post to a channel when a webhook request is received" workflow URL
 * (or a legacy incoming-webhook URL), kept with its own query (`api-version`, `sp`, `sv`,
 * `sig`): `teams:https://prod-00.westus.logic.azure.com/workflows/ID/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=$TEAMS_SIG&level=Warning`.
 * Posts a message with one Adaptive Card (title, FactSet, message, footer), within the 28 KB
 * message limit. 429 (Retry-After) is a rate limit; a legacy connector's HTTP 200 whose text
 * reports "HTTP error 429" too.
 */

export const TEAMS_PER_MINUTE = 60;
export const TEAMS_MAX_BYTES = 28 * 1024;

export interface TeamsOptions extends ChatOptions {
  readonly url: string;
}

export function parseTeamsOptions(spec: SinkSpec): TeamsOptions {
  return parseChatOptions(
    spec,
    { url: z.string({ error: 'the workflow (or incoming webhook) URL is required: teams:https://...' }).url() },
    { url: serviceUrl(spec, []) },
  );
}

export function renderTeamsMessage(card: EventCard): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body: [
            {
              type: 'TextBlock',
              size: 'Medium',
              weight: 'Bolder',
              wrap: true,
              color: card.warning ? 'Attention' : 'Good',
              text: card.title,
            },
            { type: 'FactSet', facts: card.facts.map(([title, value]) => ({ title, value })) },
            { type: 'TextBlock', wrap: true, text: card.message || '(no message)' },
            { type: 'TextBlock', wrap: true, isSubtle: true, size: 'Small', text: card.footer },
          ],
        },
      },
    ],
  };
}

export const createTeamsSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseTeamsOptions(spec);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  const body = (event: KubeEvent) =>
    fitMessage(
      eventCard(event, options),
      TEAMS_MAX_BYTES - 256,
      (card) => JSON.stringify(renderTeamsMessage(card)),
      (text) => Buffer.byteLength(text),
    );
  return {
    name: spec.name,
    limits: { perMinute: TEAMS_PER_MINUTE, maxBatch: 1 },
    filter: chatFilter(options),
    async send(batch, signal) {
      for (const event of batch) {
        const reply = await postChatJson(options.url, body(event), {
          sink: spec.name,
          service: 'Teams',
          timeoutMs: options.timeoutMs,
          signal,
        });
        let failure = httpStatusError(spec.name, 'Teams', reply, 1000);
        if (!failure && /HTTP error 429/i.test(reply.text)) failure = rateLimited(spec.name, 'Teams: HTTP error 429', 1000);
        if (failure) {
          logger.warn({ status: reply.status }, 'teams refused a message');
          throw failure;
        }
      }
    },
    async close() {},
  };
};
