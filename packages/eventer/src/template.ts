import { ConfigError } from '@ack-npd/core';
import { eventAction } from './normalize.ts';
import type { KubeEvent } from './types.ts';

/**
 * A small subset of Go's text/template, enough for kube-eventer's documented webhook bodies:
 * `{{ .Type }}`, `{{ .InvolvedObject.Kind }}`, `{{ .Reason }}`, `{{ .Message }}`,
 * `{{ .LastTimestamp }}`, `{{ .Namespace }}`, `{{ .Name }}`, `{{ .Count }}`, `{{ .Source.Host }}`...
 * Field lookup follows Go's view of a core/v1 Event: ObjectMeta is embedded, so `.Name`
 * and `.Namespace` read metadata; names match the JSON fields case-insensitively.
 * Time fields print like Go's time.Time.String() ("2024-01-02 03:04:05 +0000 UTC").
 * A missing field prints "<no value>" as Go does. `{{- ... -}}` trims whitespace. Besides field
 * references, `{{ printf "%q" .Message }}` (verbs %s %v %d %q) is supported, as used by
 * templates that build JSON safely; anything else (`if`, `range`, pipelines) is a ConfigError
 * at start-up.
 */
export interface Template {
  render(event: KubeEvent): string;
}

export type TemplateEscape = 'none' | 'json';

const ACTION = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/gs;
const FIELD_PATH = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const PRINTF = /^printf\s+"((?:[^"\\]|\\.)*)"((?:\s+(?:\.[A-Za-z_][A-Za-z0-9_]*)+)*)$/;
const TIME_FIELDS = new Set(['lasttimestamp', 'firsttimestamp', 'eventtime', 'creationtimestamp', 'lastobservedtime']);

type Part = string | { readonly path: readonly string[] } | { readonly format: string; readonly args: readonly (readonly string[])[] };

export function compileTemplate(text: string, options: { source: string; escape?: TemplateEscape }): Template {
  const parts: Part[] = [];
  let last = 0;
  let trimNext = false;
  for (const match of text.matchAll(ACTION)) {
    const [whole, trimLeft, action = '', trimRight] = match;
    let literal = text.slice(last, match.index);
    if (trimNext) literal = literal.replace(/^\s+/, '');
    if (trimLeft) literal = literal.replace(/\s+$/, '');
    parts.push(literal);
    trimNext = trimRight === '-';
    last = match.index + whole.length;
    if (FIELD_PATH.test(action)) {
      parts.push({ path: action.slice(1).split('.') });
      continue;
    }
    const printf = PRINTF.exec(action);
    if (printf) {
      const format = JSON.parse(`"${printf[1] ?? ''}"`) as string;
      const args = (printf[2] ?? '')
        .trim()
        .split(/\s+/)
        .filter((arg) => arg !== '')
        .map((arg) => arg.slice(1).split('.'));
      parts.push({ format, args });
      continue;
    }
    throw new ConfigError(options.source, [
      {
        path: options.source,
        message: `unsupported template action "{{ ${action} }}": only field references like {{ .Reason }} and {{ printf "%q" .Message }} are supported`,
      },
    ]);
  }
  let tail = text.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  parts.push(tail);
  const escaping = options.escape ?? 'none';
  return {
    render(event) {
      let out = '';
      for (const part of parts) {
        if (typeof part === 'string') out += part;
        else if ('format' in part)
          out += goSprintf(
            part.format,
            part.args.map((path) => lookup(event, path)),
            part.args,
          );
        else {
          const value = formatValue(lookup(event, part.path), part.path.at(-1) ?? '');
          out += escaping === 'json' ? JSON.stringify(value).slice(1, -1) : value;
        }
      }
      return out;
    },
  };
}

/** Go's fmt verbs the templates use: %s %v %d %q (%q as a JSON string literal, equal to Go's for printable text) and %%. */
function goSprintf(format: string, values: readonly unknown[], paths: readonly (readonly string[])[]): string {
  let index = 0;
  return format.replace(/%([%sqvd])/g, (_whole, verb: string) => {
    if (verb === '%') return '%';
    const i = index++;
    const text = formatValue(values[i], paths[i]?.at(-1) ?? '');
    return verb === 'q' ? JSON.stringify(text) : text;
  });
}

function lookup(event: KubeEvent, path: readonly string[]): unknown {
  let current: unknown = event.raw;
  for (const [index, segment] of path.entries()) {
    if (index === 0) {
      const own = getField(event.raw, segment);
      // ObjectMeta is embedded in Go's Event: .Name, .Namespace, .UID, .Labels...
      current = own !== undefined ? own : getField(event.raw.metadata, segment);
      if (current === undefined || current === null) current = fallback(event, segment.toLowerCase());
      continue;
    }
    current = getField(current, segment);
  }
  return current;
}

/**
 * Values Go's kube-eventer fills in before rendering: LastTimestamp falls back to eventTime
 * (events.k8s.io/v1 events such as the scheduler's Scheduled have only that), then to the
 * time the event was first seen (its firstTimestamp, else the moment the eventer read it);
 * Count to the normalized count (series.count, else 1). Never Go's zero time. Ours:
 * EventAction, "create" for an event seen for the first time, "update" for a change of one
 * already shipped (a count bump).
 */
function fallback(event: KubeEvent, field: string): unknown {
  if (field === 'count') return event.count;
  if (field === 'eventaction') return eventAction(event);
  if (field === 'lasttimestamp') return event.raw.eventTime ?? event.timestamp;
  return undefined;
}

function getField(object: unknown, name: string): unknown {
  if (object === null || typeof object !== 'object') return undefined;
  const record = object as Record<string, unknown>;
  if (name in record) return record[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(record)) if (key.toLowerCase() === lower) return record[key];
  return undefined;
}

function formatValue(value: unknown, field: string): string {
  if (value === undefined || value === null) return TIME_FIELDS.has(field.toLowerCase()) ? goZeroTime : '<no value>';
  if (TIME_FIELDS.has(field.toLowerCase()) && (typeof value === 'string' || typeof value === 'number' || value instanceof Date)) {
    const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
    // MicroTime (eventTime) keeps its microseconds as Go prints them.
    const fraction = typeof value === 'string' ? /T[\d:]+\.(\d+)/.exec(value)?.[1] : undefined;
    if (Number.isFinite(ms)) return goTimeString(ms, fraction);
  }
  if (typeof value === 'object') {
    if (Array.isArray(value)) return `[${value.map((item) => formatValue(item, '')).join(' ')}]`;
    return JSON.stringify(value);
  }
  return String(value);
}

const goZeroTime = '0001-01-01 00:00:00 +0000 UTC';

/** Go's time.Time.String() for a UTC time, as kube-eventer's templates print metav1.Time. */
export function goTimeString(ms: number, digits?: string): string {
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
  const fraction = (digits ?? iso.slice(20, 23)).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''} +0000 UTC`;
}
