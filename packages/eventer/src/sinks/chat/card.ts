import type { KubeEvent } from '../../types.ts';

/**
 * The readable layout every chat sink renders (Lark card, Slack blocks, Teams Adaptive Card,
 * WeCom markdown): a title line, facts (level, kind, namespace/name, reason, count, time,
 * node, cluster, labels) and the message. Formatting only; each sink maps it to its service.
 */
export interface EventCard {
  /** e.g. "Warning BackOff: Pod default/web-1" or "37 events folded". */
  readonly title: string;
  readonly warning: boolean;
  readonly facts: readonly (readonly [string, string])[];
  readonly message: string;
  /** "2023-11-14 22:13:20 UTC · cluster c1", for a footer line. */
  readonly footer: string;
}

export interface CardOptions {
  readonly labels: readonly string[];
  readonly clusterId: string;
}

export function eventCard(event: KubeEvent, options: CardOptions): EventCard {
  const object = event.involvedObject;
  const where = [object.namespace || event.namespace, object.name].filter(Boolean).join('/');
  const warning = event.type === 'Warning';
  const time = utcTime(event.timestamp);
  const title = event.folded
    ? `${event.folded.events} events folded`
    : `${event.type || 'Event'} ${event.reason}: ${object.kind}${where ? ` ${where}` : ''}`;
  const facts: [string, string][] = [
    ['Level', event.type || 'Unknown'],
    ['Kind', object.kind || '-'],
    ['Namespace', object.namespace || event.namespace || '(cluster)'],
    ['Name', object.name || event.name],
    ['Reason', event.reason || '-'],
  ];
  if (event.folded) facts.push(['Between', `${utcTime(event.folded.first)} and ${time}`]);
  else if (event.count > 1) facts.push(['Count', `${event.count}${event.change === 'updated' ? ' (repeat)' : ''}`]);
  facts.push(['Time', time]);
  if (event.source.host) facts.push(['Node', event.source.host]);
  if (options.clusterId) facts.push(['Cluster', options.clusterId]);
  const labels = options.labels.filter((label) => label.trim().length > 0);
  if (labels.length > 0) facts.push(['Labels', labels.join(', ')]);
  const footer = [time, options.clusterId ? `cluster ${options.clusterId}` : '', event.source.component].filter(Boolean).join(' · ');
  return { title, warning, facts, message: event.message, footer };
}

/** "2023-11-14 22:13:20 UTC". */
export function utcTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Cuts `text` so its UTF-8 form fits `maxBytes`, marking the cut with "…" (never splits a character). */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const ellipsis = '…';
  let budget = maxBytes - Buffer.byteLength(ellipsis);
  let out = '';
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (size > budget) break;
    budget -= size;
    out += char;
  }
  return out + ellipsis;
}

/** Cuts `text` to `maxChars` characters (code points), marking the cut with "…". */
export function truncateChars(text: string, maxChars: number): string {
  const chars = [...text];
  return chars.length <= maxChars ? text : `${chars.slice(0, maxChars - 1).join('')}…`;
}

/**
 * Renders a card into a body that must fit `maxBytes`: when it does not, the message is cut
 * (binary search on its length), the rest of the card is kept.
 */
export function fitMessage<T>(card: EventCard, maxBytes: number, render: (card: EventCard) => T, size: (body: T) => number): T {
  const full = render(card);
  if (size(full) <= maxBytes) return full;
  let low = 0;
  let high = card.message.length;
  let best = render({ ...card, message: '…' });
  while (low <= high) {
    const mid = (low + high) >> 1;
    const candidate = render({ ...card, message: `${card.message.slice(0, mid)}…` });
    if (size(candidate) <= maxBytes) {
      best = candidate;
      low = mid + 1;
    } else high = mid - 1;
  }
  return best;
}
