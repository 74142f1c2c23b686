import type { KubeEvent } from './types.ts';

/**
 * Folds several events into one summary event, e.g. when a sink is over its rate limit
 * (DingTalk: 20 messages a minute) or inside a repeat-fold window. The summary is a Warning
 * when any folded event is, its message lists the top reasons, and `folded` tells how many.
 */
export function foldEvents(events: readonly KubeEvent[]): KubeEvent {
  if (events.length === 0) throw new RangeError('foldEvents needs at least one event');
  const first = events[0] as KubeEvent;
  if (events.length === 1 && !first.folded) return first;
  const byReason = new Map<string, number>();
  let total = 0;
  let minTs = Number.POSITIVE_INFINITY;
  let maxTs = 0;
  for (const event of events) {
    const n = event.folded?.events ?? 1;
    total += n;
    const key = `${event.involvedObject.kind}/${event.reason}`;
    byReason.set(key, (byReason.get(key) ?? 0) + n);
    minTs = Math.min(minTs, event.folded?.first ?? event.timestamp);
    maxTs = Math.max(maxTs, event.folded?.last ?? event.timestamp);
  }
  const top = [...byReason.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([key, n]) => `${n}x ${key}`)
    .join(', ');
  const more = byReason.size > 10 ? `, and ${byReason.size - 10} more reasons` : '';
  const warning = events.some((event) => event.type === 'Warning');
  const namespaces = new Set(events.map((event) => event.namespace));
  const namespace = namespaces.size === 1 ? first.namespace : '';
  const message = `${total} events folded (rate limit or repeat window): ${top}${more}`;
  const uid = `folded-${first.uid}-${total}`;
  return {
    raw: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `eventer-folded.${maxTs}`, namespace, uid },
      involvedObject: { kind: 'EventSummary', name: 'eventer', namespace },
      reason: 'EventsFolded',
      message,
      type: warning ? 'Warning' : 'Normal',
      count: total,
      lastTimestamp: new Date(maxTs),
      firstTimestamp: new Date(minTs),
      source: { component: 'eventer' },
    },
    uid,
    namespace,
    name: `eventer-folded.${maxTs}`,
    type: warning ? 'Warning' : 'Normal',
    reason: 'EventsFolded',
    message,
    count: total,
    timestamp: maxTs,
    involvedObject: { kind: 'EventSummary', namespace, name: 'eventer', uid: '', apiVersion: 'v1', fieldPath: '' },
    source: { component: 'eventer', host: '' },
    resourceVersion: '',
    change: 'added',
    folded: { events: total, first: minTs, last: maxTs },
  };
}
