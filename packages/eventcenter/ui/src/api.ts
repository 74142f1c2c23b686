// The one place the UI talks to the event center: typed calls of the query API (see the
// server's /openapi.json). Nothing here computes what the API could answer.

export interface KubeEventRow {
  readonly id: string;
  readonly uid: string;
  readonly count: number;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly node?: string;
  readonly source?: { component?: string; host?: string };
  readonly firstTimestamp: string;
  readonly lastTimestamp: string;
  readonly raw?: unknown;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

export interface Histogram {
  readonly bucketSeconds: number;
  readonly buckets: { start: string; counts: Record<string, number> }[];
}

export interface TopItem {
  readonly value: string;
  readonly count: number;
}

export interface LifecycleEvent extends KubeEventRow {
  readonly role: 'pod' | 'owner' | 'node';
}

export interface Lifecycle {
  readonly pod: { namespace: string; name: string; uid?: string };
  readonly owners: { kind: string; name: string }[];
  readonly node?: string;
  readonly phases: { phase: string; at: string; reason?: string }[];
  readonly events: LifecycleEvent[];
}

export interface NodeSummary {
  readonly name: string;
  readonly events: number;
  readonly warnings: number;
  readonly lastSeen?: string;
}

export interface ConditionChange {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly at: string;
}

export interface NodeView {
  readonly name: string;
  readonly conditions: ConditionChange[];
  readonly events: KubeEventRow[];
}

export interface RuleFilter {
  type?: string;
  reason?: string;
  namespace?: string;
  kind?: string;
  node?: string;
  q?: string;
}

export interface RuleInput {
  name: string;
  filter: RuleFilter;
  threshold: number;
  window: string;
  groupBy: string[];
  sinks: string[];
  enabled: boolean;
}

export interface Rule extends RuleInput {
  readonly id: string;
  readonly template?: string;
  readonly state?: 'firing' | 'ok';
}

export interface Template {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly rule: RuleInput;
}

export interface AlertRecord {
  readonly id: string;
  readonly ruleId: string;
  readonly ruleName: string;
  readonly group: Record<string, string> | string;
  readonly state: 'firing' | 'resolved';
  readonly count: number;
  readonly firedAt: string;
  readonly resolvedAt?: string;
  readonly silenced: boolean;
  readonly notified?: boolean;
}

export interface Silence {
  readonly id: string;
  readonly matchers: Record<string, string>;
  readonly comment: string;
  readonly createdBy?: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly active: boolean;
}

export interface SilenceInput {
  matchers: Record<string, string>;
  comment: string;
  endsAt: string;
}

export interface SinkInfo {
  readonly name: string;
  readonly kind: string;
}

/** A failed call: the status and the server's message (shown next to the field that caused it). */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const TOKEN_KEY = 'eventcenter.token';

export function getToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(token: string): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

type Query = Record<string, string | number | undefined>;

function url(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const search = params.toString();
  return `api/v1${path}${search ? `?${search}` : ''}`;
}

async function call<T>(method: string, path: string, options: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url(path, options.query), {
    method,
    headers,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    signal: options.signal ?? null,
  });
  const text = await response.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const message = (data as { error?: unknown; message?: unknown } | undefined)?.error ?? (data as { message?: unknown })?.message;
    throw new ApiError(response.status, typeof message === 'string' ? message : `${response.status} ${response.statusText}`);
  }
  return data as T;
}

const enc = encodeURIComponent;

export const api = {
  events: (query: Query, signal?: AbortSignal) => call<Page<KubeEventRow>>('GET', '/events', { query, signal }),
  event: (id: string, signal?: AbortSignal) => call<KubeEventRow>('GET', `/events/${enc(id)}`, { signal }),
  histogram: (query: Query, signal?: AbortSignal) => call<Histogram>('GET', '/stats/histogram', { query, signal }),
  top: (field: string, query: Query, signal?: AbortSignal) =>
    call<{ items: TopItem[] }>('GET', '/stats/top', { query: { ...query, field }, signal }),
  lifecycle: (namespace: string, name: string, query: Query, signal?: AbortSignal) =>
    call<Lifecycle>('GET', `/pods/${enc(namespace)}/${enc(name)}/lifecycle`, { query, signal }),
  nodes: (query: Query, signal?: AbortSignal) => call<{ items: NodeSummary[] }>('GET', '/nodes', { query, signal }),
  node: (name: string, query: Query, signal?: AbortSignal) => call<NodeView>('GET', `/nodes/${enc(name)}`, { query, signal }),
  templates: (signal?: AbortSignal) => call<{ items: Template[] }>('GET', '/alerts/templates', { signal }),
  rules: (signal?: AbortSignal) => call<{ items: Rule[] }>('GET', '/alerts/rules', { signal }),
  rule: (id: string, signal?: AbortSignal) => call<Rule>('GET', `/alerts/rules/${enc(id)}`, { signal }),
  createRule: (rule: RuleInput) => call<Rule>('POST', '/alerts/rules', { body: rule }),
  updateRule: (id: string, rule: RuleInput) => call<Rule>('PUT', `/alerts/rules/${enc(id)}`, { body: rule }),
  deleteRule: (id: string) => call<void>('DELETE', `/alerts/rules/${enc(id)}`),
  history: (query: Query, signal?: AbortSignal) => call<{ items: AlertRecord[] }>('GET', '/alerts/history', { query, signal }),
  sinks: (signal?: AbortSignal) => call<{ items: SinkInfo[] }>('GET', '/alerts/sinks', { signal }),
  silences: (signal?: AbortSignal) => call<{ items: Silence[] }>('GET', '/silences', { signal }),
  createSilence: (silence: SilenceInput) => call<Silence>('POST', '/silences', { body: silence }),
  deleteSilence: (id: string) => call<void>('DELETE', `/silences/${enc(id)}`),
};
