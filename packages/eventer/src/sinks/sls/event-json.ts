import type { CoreV1Event } from '@kubernetes/client-node';

/**
 * The core/v1 Event as Go's encoding/json writes it, which is what kube-eventer ships:
 * the SLS sink's `eventId` field is `json.MarshalIndent(event, "", " ")` and the
 * EventBridge sink's `data` is `json.Marshal(event)`.
 *
 * Key order follows the object (the apiserver's, when the event came from a watch);
 * `Date` values (from @kubernetes/client-node's deserializer) are written as metav1.Time
 * (RFC 3339, seconds) or, for `eventTime` / `lastObservedTime`, metav1.MicroTime
 * (6 fractional digits); `<`, `>`, `&`, U+2028 and U+2029 are escaped as Go does.
 */
export function goEventJson(raw: CoreV1Event, indent?: string): string {
  const text = JSON.stringify(raw, goTimeReplacer, indent);
  return goEscape(text);
}

/** Go's json.Marshal HTML-escapes these characters; JSON.stringify does not. */
export function goEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const MICRO_TIME_FIELDS = new Set(['eventTime', 'lastObservedTime']);

function goTimeReplacer(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Date) {
    if (Number.isNaN(original.getTime())) return null;
    return MICRO_TIME_FIELDS.has(key) ? formatMicroTime(original) : formatTime(original);
  }
  return value;
}

/** metav1.Time: `2006-01-02T15:04:05Z` (UTC, no fraction). */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** metav1.MicroTime: `2006-01-02T15:04:05.000000Z`. */
export function formatMicroTime(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}
