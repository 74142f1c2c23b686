import { type PeerClock, parseJson, type RunningPeer, rateWindows, startPeer } from './http-peer.ts';

/**
 * A Slack incoming-webhook endpoint (`POST /services/T/B/X`) answering as Slack does: `200 ok`
 * (text/html), `400 invalid_payload` (not JSON), `400 no_text` (neither text nor blocks),
 * `400 invalid_blocks` (more than 50 blocks, a section text over 3000 characters, a header
 * over 150), `404 no_service` (unknown hook), `410 channel_is_archived`,
 * and `429` with `Retry-After` beyond one message a second (a short burst is allowed).
 */

export interface SlackServerOptions {
  /** Hook paths that exist, e.g. `/services/T000/B000/XXXX`. */
  readonly hooks: readonly string[];
  /** Hooks whose channel is archived (410). */
  readonly archived?: readonly string[];
  readonly clock?: PeerClock;
  /** Messages a second per hook before 429 (Slack: 1, with bursts). */
  readonly perSecond?: number;
  readonly burst?: number;
}

export interface SlackReceived {
  readonly hook: string;
  readonly body: { text?: string; blocks?: Record<string, unknown>[]; attachments?: unknown[] };
  readonly raw: string;
  readonly contentType: string;
  readonly at: number;
}

export interface SlackServer extends RunningPeer {
  readonly messages: readonly SlackReceived[];
  readonly refusals: readonly { readonly hook: string; readonly status: number; readonly error: string }[];
  failNext(count: number, status: number): void;
}

export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, text: 40_000 } as const;

export async function startSlackServer(options: SlackServerOptions): Promise<SlackServer> {
  const clock = options.clock ?? { now: () => Date.now() };
  const hooks = new Set(options.hooks);
  const archived = new Set(options.archived ?? []);
  const rates = rateWindows(clock);
  const messages: SlackReceived[] = [];
  const refusals: { hook: string; status: number; error: string }[] = [];
  let failures = { count: 0, status: 0 };

  const peer = await startPeer((request, body, response) => {
    const hook = new URL(request.url ?? '/', 'http://localhost').pathname;
    const answer = (status: number, text: string, headers: Record<string, string> = {}) => {
      if (status !== 200) refusals.push({ hook, status, error: text });
      response.writeHead(status, { 'content-type': 'text/html', ...headers }).end(text);
    };
    if (failures.count > 0) {
      failures = { count: failures.count - 1, status: failures.status };
      return answer(failures.status, 'rollup_error');
    }
    if (request.method !== 'POST') return answer(405, 'invalid_method');
    if (!hooks.has(hook)) return answer(404, 'no_service');
    if (archived.has(hook)) return answer(410, 'channel_is_archived');
    const contentType = String(request.headers['content-type'] ?? '');
    let raw = body.toString('utf8');
    // Slack also takes a form post with the JSON in `payload`.
    if (contentType.startsWith('application/x-www-form-urlencoded')) raw = new URLSearchParams(raw).get('payload') ?? '';
    const parsed = parseJson(raw) as SlackReceived['body'] | undefined;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return answer(400, 'invalid_payload');
    const hasBlocks = Array.isArray(parsed.blocks) && parsed.blocks.length > 0;
    const hasText = typeof parsed.text === 'string' && parsed.text.trim().length > 0;
    if (!hasText && !hasBlocks && !(Array.isArray(parsed.attachments) && parsed.attachments.length > 0)) {
      return answer(400, 'no_text');
    }
    if (parsed.blocks !== undefined && !validBlocks(parsed.blocks)) return answer(400, 'invalid_blocks');
    const perSecond = options.perSecond ?? 1;
    if (rates.over(hook, (options.burst ?? 5) + perSecond, 1000)) {
      return answer(429, 'rate_limited', { 'retry-after': '1' });
    }
    messages.push({ hook, body: parsed, raw, contentType, at: clock.now() });
    answer(200, 'ok');
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

function validBlocks(blocks: unknown): boolean {
  if (!Array.isArray(blocks) || blocks.length > SLACK_LIMITS.blocks) return false;
  return blocks.every((block: Record<string, unknown>) => {
    if (typeof block !== 'object' || block === null || typeof block.type !== 'string') return false;
    const text = block.text as { type?: string; text?: string } | undefined;
    const fields = block.fields as { text?: string }[] | undefined;
    switch (block.type) {
      case 'header':
        return text?.type === 'plain_text' && typeof text.text === 'string' && text.text.length <= SLACK_LIMITS.headerText;
      case 'section':
        if (text !== undefined && (typeof text.text !== 'string' || text.text.length > SLACK_LIMITS.sectionText)) return false;
        if (fields !== undefined && (!Array.isArray(fields) || fields.length > 10 || fields.some((f) => (f.text?.length ?? 0) > 2000))) {
          return false;
        }
        return text !== undefined || fields !== undefined;
      case 'context':
        return Array.isArray(block.elements) && block.elements.length > 0 && block.elements.length <= 10;
      case 'divider':
        return true;
      default:
        return ['actions', 'image', 'rich_text', 'input', 'file', 'video'].includes(block.type);
    }
  });
}
