import { timingSafeEqual } from 'node:crypto';
import { type PeerClock, parseJson, type RunningPeer, rateWindows, sendJson, startPeer } from './http-peer.ts';

/**
 * A Microsoft Teams "post to a channel when a webhook request is received" workflow trigger
 * (`POST /workflows/{id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=...&sv=1.0&sig=S`),
 * the replacement of the retired Office 365 connectors. It checks the shared-access `sig`
 * (401 DirectApiAuthorizationRequired), the message shape Teams renders
 * (`{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard",...}}]}`),
 * the 28 KB message limit (413), and 4 requests a second (429 with Retry-After); accepted
 * messages get 202 Accepted with an empty body, as the workflow trigger answers.
 */

export interface TeamsWorkflow {
  readonly id: string;
  readonly sig: string;
}

export interface TeamsServerOptions {
  readonly workflows: readonly TeamsWorkflow[];
  readonly clock?: PeerClock;
  readonly perSecond?: number;
}

export interface TeamsReceived {
  readonly workflow: string;
  readonly card: Record<string, unknown> & { body: Record<string, unknown>[] };
  readonly raw: string;
  readonly at: number;
}

export interface TeamsServer extends RunningPeer {
  readonly messages: readonly TeamsReceived[];
  readonly refusals: readonly { readonly workflow: string; readonly status: number; readonly code: string }[];
  /** The URL to configure for a workflow (as Teams shows it, with the loopback host). */
  urlFor(id: string): string;
  failNext(count: number, status: number): void;
}

export const TEAMS_MAX_BYTES = 28 * 1024;
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';

export async function startTeamsServer(options: TeamsServerOptions): Promise<TeamsServer> {
  const clock = options.clock ?? { now: () => Date.now() };
  const workflows = new Map(options.workflows.map((w) => [w.id, w]));
  const rates = rateWindows(clock);
  const messages: TeamsReceived[] = [];
  const refusals: { workflow: string; status: number; code: string }[] = [];
  let failures = { count: 0, status: 0 };

  const peer = await startPeer((request, body, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = /^\/workflows\/([^/]+)\/triggers\/manual\/paths\/invoke$/.exec(url.pathname);
    const id = match?.[1] ?? '';
    const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      refusals.push({ workflow: id, status, code });
      sendJson(response, status, { error: { code, message } }, headers);
    };
    if (failures.count > 0) {
      failures = { count: failures.count - 1, status: failures.status };
      return refuse(failures.status, 'ServiceUnavailable', 'injected failure');
    }
    const workflow = workflows.get(id);
    if (!match || request.method !== 'POST' || !workflow) return refuse(404, 'WorkflowNotFound', 'The workflow could not be found.');
    const given = Buffer.from(url.searchParams.get('sig') ?? '');
    const expected = Buffer.from(workflow.sig);
    if (
      url.searchParams.get('api-version') !== '2016-06-01' ||
      url.searchParams.get('sp') !== '/triggers/manual/run' ||
      given.length !== expected.length ||
      !timingSafeEqual(given, expected)
    ) {
      return refuse(401, 'DirectApiAuthorizationRequired', 'The request must be authenticated only by Shared Access scheme.');
    }
    if (body.length > TEAMS_MAX_BYTES) return refuse(413, 'MessageSizeTooLarge', `The message exceeds ${TEAMS_MAX_BYTES} bytes.`);
    const raw = body.toString('utf8');
    const card = adaptiveCard(parseJson(raw));
    if (!card) return refuse(400, 'InvalidRequestContent', 'The message is not a Teams message with an Adaptive Card attachment.');
    if (rates.over(id, options.perSecond ?? 4, 1000))
      return refuse(429, 'TooManyRequests', 'Rate limit is exceeded.', { 'retry-after': '1' });
    messages.push({ workflow: id, card, raw, at: clock.now() });
    response.writeHead(202, { 'content-length': '0' }).end();
  });

  return {
    ...peer,
    messages,
    refusals,
    urlFor(id) {
      const sig = workflows.get(id)?.sig ?? '';
      return `${peer.url}/workflows/${id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${encodeURIComponent(sig)}`;
    },
    failNext(count, status) {
      failures = { count, status };
    },
  };
}

function adaptiveCard(body: unknown): TeamsReceived['card'] | undefined {
  const message = body as { type?: unknown; attachments?: { contentType?: unknown; content?: Record<string, unknown> }[] } | undefined;
  if (message?.type !== 'message' || !Array.isArray(message.attachments) || message.attachments.length === 0) return undefined;
  const attachment = message.attachments[0];
  const card = attachment?.content;
  if (attachment?.contentType !== ADAPTIVE || !card || card.type !== 'AdaptiveCard') return undefined;
  if (typeof card.version !== 'string' || !Array.isArray(card.body) || card.body.length === 0) return undefined;
  const known = new Set(['TextBlock', 'FactSet', 'Container', 'ColumnSet', 'Image', 'ActionSet', 'RichTextBlock']);
  const elementsOk = (card.body as Record<string, unknown>[]).every((element) => {
    if (typeof element !== 'object' || element === null || !known.has(String(element.type))) return false;
    if (element.type === 'TextBlock') return typeof element.text === 'string';
    if (element.type === 'FactSet') {
      return (
        Array.isArray(element.facts) &&
        (element.facts as { title?: unknown; value?: unknown }[]).every((f) => typeof f.title === 'string' && typeof f.value === 'string')
      );
    }
    return true;
  });
  return elementsOk ? (card as TeamsReceived['card']) : undefined;
}
