import type { KubeEvent } from '../../types.ts';

/**
 * One line summing up events held back by the rate limit, e.g.
 * `and 37 more events: 30 BackOff, 7 Unhealthy` (top 5 reasons, then `, ...`).
 */
export function foldMessage(events: readonly KubeEvent[]): string {
  const { byReason, total } = countReasons(events);
  const sorted = [...byReason.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const top = sorted
    .slice(0, 5)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
  return `and ${total} more event${total === 1 ? '' : 's'}: ${top}${sorted.length > 5 ? ', ...' : ''}`;
}

/** Reason counts inside the summaries this module made, so folding a summary again keeps them. */
const summaryReasons = new WeakMap<KubeEvent, ReadonlyMap<string, number>>();

function countReasons(events: readonly KubeEvent[]): { byReason: Map<string, number>; total: number } {
  const byReason = new Map<string, number>();
  let total = 0;
  for (const event of events) {
    const inner = summaryReasons.get(event);
    const counts = inner ?? new Map([[event.reason || '(no reason)', event.folded?.events ?? 1]]);
    for (const [reason, n] of counts) {
      total += n;
      byReason.set(reason, (byReason.get(reason) ?? 0) + n);
    }
  }
  return { byReason, total };
}

/** A summary event carrying {@link foldMessage}, shipped through `send` like any other. */
export function foldDingTalkEvents(events: readonly KubeEvent[]): KubeEvent {
  if (events.length === 0) throw new RangeError('foldDingTalkEvents needs at least one event');
  const first = events[0] as KubeEvent;
  let total = 0;
  let firstTs = Number.POSITIVE_INFINITY;
  let lastTs = 0;
  for (const event of events) {
    total += event.folded?.events ?? 1;
    firstTs = Math.min(firstTs, event.folded?.first ?? event.timestamp);
    lastTs = Math.max(lastTs, event.folded?.last ?? event.timestamp);
  }
  const namespaces = new Set(events.map((event) => event.namespace));
  const namespace = namespaces.size === 1 ? first.namespace : '';
  const type = events.some((event) => event.type === 'Warning') ? 'Warning' : 'Normal';
  const kinds = new Set(events.map((event) => event.involvedObject.kind));
  const kind = kinds.size === 1 ? first.involvedObject.kind : 'EventSummary';
  const message = foldMessage(events);
  const name = `eventer-folded.${lastTs}`;
  const summary: KubeEvent = {
    raw: {
      metadata: { name, namespace },
      involvedObject: { kind, namespace },
      reason: 'EventsFolded',
      message,
      type,
      count: total,
      lastTimestamp: new Date(lastTs),
      firstTimestamp: new Date(firstTs),
      source: { component: 'eventer' },
    },
    uid: `folded-${first.uid}-${total}`,
    namespace,
    name,
    type,
    reason: 'EventsFolded',
    message,
    count: total,
    timestamp: lastTs,
    involvedObject: { kind, namespace, name: '', uid: '', apiVersion: '', fieldPath: '' },
    source: { component: 'eventer', host: '' },
    resourceVersion: '',
    change: 'added',
    folded: { events: total, first: firstTs, last: lastTs },
  };
  summaryReasons.set(summary, countReasons(events).byReason);
  return summary;
}
