// The one place the UI talks to the event center: typed calls of the query API (see the
// server's /openapi.json). Nothing here computes what the API could answer.

/** An event as GET /api/v1/events shows it (`raw` only from GET /api/v1/events/{id}). */
export interface KubeEventRow {
  readonly id: string;
  readonly cluster: string;
  readonly uid: string;
  readonly count: number;
  /** ms since the epoch, and the same as RFC 3339 in `time`. */
  readonly timestamp: number;
  readonly time: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly objectUid: string;
  readonly node: string;
  readonly component: string;
  readonly host: string;
  readonly condition: { type: string; status: string; reason: string; message: string } | null;
  readonly raw?: unknown;
}

export interface EventPage {
  readonly events: KubeEventRow[];
  readonly nextCursor: string | null;
}

export interface CountRow {
  readonly key: string;
  readonly count: number;
}

export interface BucketRow {
  /** Bucket start, ms. */
  readonly bucket: number;
  readonly key: string;
  readonly count: number;
}

export interface OverviewData {
  readonly from: number;
  readonly to: number;
  readonly bucketMs: number;
  readonly total: number;
  readonly warnings: number;
  readonly byType: CountRow[];
  readonly series: BucketRow[];
  readonly topWarningReasons: CountRow[];
  readonly topNamespaces: CountRow[];
  readonly topWarningNodes: CountRow[];
  readonly topKinds: CountRow[];
}

export interface LifecycleEvent extends KubeEventRow {
  readonly role: 'pod' | 'owner' | 'node';
}

export interface Lifecycle {
  readonly namespace: string;
  readonly pod: string;
  readonly node: string;
  /** Nearest first: ReplicaSet, then Deployment (or Job, then CronJob; StatefulSet; DaemonSet). */
  readonly owners: { kind: string; name: string }[];
  readonly ownerSource: 'cluster' | 'names' | 'none';
  readonly from: number;
  readonly to: number;
  /** Oldest first. */
  readonly events: LifecycleEvent[];
  readonly phases: { phase: string; since: number; reason: string }[];
}

export interface NodeSummary {
  readonly node: string;
  readonly events: number;
  readonly warnings: number;
}

export interface ConditionHistory {
  readonly type: string;
  readonly status: string;
  readonly transitions: { status: string; reason: string; message: string; at: number }[];
}

export interface NodeView {
  readonly node: string;
  readonly from: number;
  readonly to: number;
  readonly conditions: ConditionHistory[];
  /** Newest first. */
  readonly events: KubeEventRow[];
  readonly podWarnings: CountRow[];
}

export const GROUP_FIELDS = ['type', 'reason', 'namespace', 'kind', 'name', 'node', 'component', 'cluster'] as const;
export type GroupField = (typeof GROUP_FIELDS)[number];

/** An alert rule: events matching `query` (search syntax), at least `threshold` within `windowMs`, per group. */
export interface AlertRule {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly template?: string;
  readonly query: string;
  readonly threshold: number;
  readonly windowMs: number;
  readonly groupBy: GroupField[];
  readonly severity: 'info' | 'warning' | 'critical';
  /** Names of the center's --notify sinks. */
  readonly notify: string[];
  readonly repeatMs: number;
  readonly enabled: boolean;
}

export type AlertRuleInput = Omit<AlertRule, 'id'> & { id?: string };

export interface Alert {
  readonly ruleId: string;
  readonly ruleName: string;
  readonly key: string;
  readonly group: Record<string, string>;
  readonly state: 'firing' | 'resolved';
  readonly silenced: boolean;
  readonly count: number;
  readonly since: number;
  readonly lastNotified?: number;
  readonly resolvedAt?: number;
}

export interface HistoryEntry {
  readonly id: string;
  readonly ruleId: string;
  readonly group: string;
  readonly state: 'firing' | 'resolved' | 'silenced';
  readonly at: number;
  readonly count: number;
  readonly message: string;
}

export interface Silence {
  readonly id: string;
  /** '' = every rule. */
  readonly ruleId: string;
  readonly matchers: Record<string, string>;
  readonly comment: string;
  readonly createdBy: string;
  readonly startsAt: number | string;
  readonly expiresAt: number | string;
  readonly active: boolean;
}

export interface SilenceInput {
  ruleId?: string;
  matchers?: Record<string, string>;
  comment?: string;
  /** ms since the epoch. */
  expiresAt: number;
}

export interface NotifySink {
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

/** The clusters every event query is scoped to (`cluster=a,b` in the page URL); '' = all. */
let clusterScope = '';
export function setClusterScope(clusters: string): void {
  clusterScope = clusters;
}
const SCOPED = /^\/(events|overview|stats|pods|nodes)(\/|$)/;

export interface ClusterInfo {
  readonly id: string;
  readonly name: string;
  readonly lastSeen: number;
}

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
  const query = clusterScope && method === 'GET' && SCOPED.test(path) ? { cluster: clusterScope, ...options.query } : options.query;
  const response = await fetch(url(path, query), {
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
  events: (query: Query, signal?: AbortSignal) => call<EventPage>('GET', '/events', { query, signal }),
  event: (id: string, signal?: AbortSignal) => call<KubeEventRow>('GET', `/events/${enc(id)}`, { signal }),
  overview: (query: Query, signal?: AbortSignal) => call<OverviewData>('GET', '/overview', { query, signal }),
  lifecycle: (namespace: string, name: string, query: Query, signal?: AbortSignal) =>
    call<Lifecycle>('GET', `/pods/${enc(namespace)}/${enc(name)}/lifecycle`, { query, signal }),
  nodes: (query: Query, signal?: AbortSignal) => call<{ nodes: NodeSummary[] }>('GET', '/nodes', { query, signal }),
  node: (name: string, query: Query, signal?: AbortSignal) => call<NodeView>('GET', `/nodes/${enc(name)}`, { query, signal }),
  clusters: (signal?: AbortSignal) => call<{ clusters: ClusterInfo[] }>('GET', '/clusters', { signal }),
  top: (query: Query, signal?: AbortSignal) => call<{ top: CountRow[] }>('GET', '/stats/top', { query, signal }),
  whoami: (signal?: AbortSignal) => call<{ roles: string[]; auth: string }>('GET', '/whoami', { signal }),
  templates: (signal?: AbortSignal) => call<{ templates: AlertRule[] }>('GET', '/alert-templates', { signal }),
  rules: (signal?: AbortSignal) => call<{ rules: AlertRule[] }>('GET', '/alert-rules', { signal }),
  rule: (id: string, signal?: AbortSignal) => call<AlertRule>('GET', `/alert-rules/${enc(id)}`, { signal }),
  createRule: (rule: AlertRuleInput) => call<AlertRule>('POST', '/alert-rules', { body: rule }),
  updateRule: (id: string, rule: AlertRuleInput) => call<AlertRule>('PUT', `/alert-rules/${enc(id)}`, { body: rule }),
  deleteRule: (id: string) => call<void>('DELETE', `/alert-rules/${enc(id)}`),
  alerts: (signal?: AbortSignal) => call<{ alerts: Alert[] }>('GET', '/alerts', { signal }),
  history: (query: Query, signal?: AbortSignal) => call<{ history: HistoryEntry[] }>('GET', '/alert-history', { query, signal }),
  notifySinks: (signal?: AbortSignal) => call<{ sinks: NotifySink[] }>('GET', '/notify-sinks', { signal }),
  silences: (signal?: AbortSignal) => call<{ silences: Silence[] }>('GET', '/silences', { signal }),
  createSilence: (silence: SilenceInput) => call<Silence>('POST', '/silences', { body: silence }),
  deleteSilence: (id: string) => call<void>('DELETE', `/silences/${enc(id)}`),
};
