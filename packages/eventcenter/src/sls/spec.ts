import { TEMPLATES } from '../alerts/rules.ts';
import { type EventFilter, type FilterField, parseSearch } from '../query.ts';

/** Where the eventer's SLS sink puts each field (kube-eventer's layout: the Event JSON under `eventId`). */
const SLS_FIELDS: Partial<Record<FilterField, string>> = {
  type: 'level',
  reason: 'eventId.reason',
  namespace: 'eventId.metadata.namespace',
  kind: 'eventId.involvedObject.kind',
  name: 'eventId.involvedObject.name',
  node: 'hostname',
  uid: 'eventId.metadata.uid',
  objectUid: 'eventId.involvedObject.uid',
  component: 'eventId.source.component',
};

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The event center's search syntax as an SLS search statement (same selection over the eventer's fields). */
export function toSlsQuery(query: string): string {
  const filter: EventFilter = parseSearch(query);
  const parts: string[] = [];
  const term = (field: FilterField, value: string) => {
    const key = SLS_FIELDS[field];
    if (!key) throw new Error(`field ${field} has no SLS equivalent`);
    return value.endsWith('*') && value.length > 1 ? `${key}: ${quote(value.slice(0, -1))}*` : `${key}: ${quote(value)}`;
  };
  for (const [field, values] of Object.entries(filter.include ?? {}) as [FilterField, string[]][]) {
    const terms = values.map((v) => term(field, v));
    parts.push(terms.length === 1 ? (terms[0] as string) : `(${terms.join(' or ')})`);
  }
  for (const [field, values] of Object.entries(filter.exclude ?? {}) as [FilterField, string[]][]) {
    for (const v of values) parts.push(`not ${term(field, v)}`);
  }
  for (const text of filter.text ?? []) parts.push(quote(text));
  for (const text of filter.notText ?? []) parts.push(`not ${quote(text)}`);
  return parts.length === 0 ? '*' : parts.join(' and ');
}

const token = [',', ' ', "'", '"', ';', '=', '(', ')', '[', ']', '{', '}', '?', '@', '&', '<', '>', '/', ':', '\n', '\t', '\r'];
const text = { type: 'text', token, caseSensitive: false, chn: false, alias: '', doc_value: true };
const long = { type: 'long', alias: '', doc_value: true };

/** The logstore index: the fields the eventer's SLS sink writes, the Event JSON's keys analysed. */
export function indexConfig(): Record<string, unknown> {
  return {
    line: { token, caseSensitive: false, chn: false },
    keys: {
      level: text,
      hostname: text,
      pod_name: text,
      pod_id: text,
      eventId: {
        type: 'json',
        token,
        caseSensitive: false,
        chn: false,
        alias: '',
        doc_value: true,
        index_all: true,
        max_depth: -1,
        json_keys: {
          type: text,
          reason: text,
          message: text,
          count: long,
          'metadata.namespace': text,
          'metadata.name': text,
          'metadata.uid': text,
          'involvedObject.kind': text,
          'involvedObject.name': text,
          'involvedObject.namespace': text,
          'involvedObject.uid': text,
          'source.component': text,
          'source.host': text,
          firstTimestamp: text,
          lastTimestamp: text,
        },
      },
    },
  };
}

export interface SlsObjects {
  readonly savedsearches: Record<string, unknown>[];
  readonly dashboard: Record<string, unknown>;
  readonly jobs: Record<string, unknown>[];
}

/** Saved searches, the dashboard and alert jobs for one project/logstore, from the center's alert templates. */
export function slsObjects(project: string, logstore: string): SlsObjects {
  const savedsearches = [
    { id: 'warnings', name: 'Warning events', query: 'type:Warning' },
    ...TEMPLATES.map((t) => ({ id: t.id, name: t.name, query: t.query })),
  ].map((s) => ({
    savedsearchName: `k8s-event-${s.id}`,
    displayName: s.name,
    searchQuery: toSlsQuery(s.query),
    logstore,
    topic: '',
  }));
  const chart = (title: string, type: string, query: string, position: [number, number, number, number]) => ({
    title,
    type,
    search: { logstore, topic: '', query, start: '-86400s', end: 'now', timeSpanType: 'custom' },
    display: { xPos: position[0], yPos: position[1], width: position[2], height: position[3], displayName: title },
  });
  const dashboard = {
    dashboardName: `k8s-event-center-${logstore}`.toLowerCase().replace(/[^a-z0-9_-]/g, '-'),
    displayName: 'Kubernetes event center',
    description: 'Cluster events shipped by ack-npd eventer: counts over time, top warning reasons, namespaces and nodes',
    charts: [
      chart(
        'Events by level',
        'line',
        "* | select date_trunc('minute', __time__) as t, level, count(1) as c group by t, level order by t limit 10000",
        [0, 0, 12, 8],
      ),
      chart(
        'Top warning reasons',
        'bar',
        'level: Warning | select "eventId.reason" as reason, count(1) as c group by reason order by c desc limit 10',
        [12, 0, 12, 8],
      ),
      chart(
        'Top namespaces',
        'pie',
        '* | select "eventId.metadata.namespace" as namespace, count(1) as c group by namespace order by c desc limit 10',
        [0, 8, 12, 8],
      ),
      chart(
        'Warnings by node',
        'bar',
        'level: Warning | select hostname, count(1) as c group by hostname order by c desc limit 10',
        [12, 8, 12, 8],
      ),
      chart(
        'Latest warnings',
        'table',
        'level: Warning | select __time__, "eventId.metadata.namespace" as namespace, "eventId.involvedObject.kind" as kind, "eventId.involvedObject.name" as name, "eventId.reason" as reason, "eventId.message" as message order by __time__ desc limit 100',
        [0, 16, 24, 10],
      ),
    ],
  };
  const severity: Record<string, number> = { info: 2, warning: 6, critical: 10 };
  const jobs = TEMPLATES.map((t) => {
    const minutes = Math.max(1, Math.round(t.windowMs / 60_000));
    const groups = (t.groupBy ?? []).map((g) =>
      g === 'type' ? 'level' : g === 'node' ? 'hostname' : `"${SLS_FIELDS[g as FilterField] ?? g}"`,
    );
    const select =
      groups.length > 0
        ? `${groups.map((g, i) => `${g} as g${i}`).join(', ')}, count(1) as cnt group by ${groups.map((_, i) => `g${i}`).join(', ')}`
        : 'count(1) as cnt';
    return {
      name: `k8s-event-${t.id}`,
      displayName: t.name,
      description: t.description ?? '',
      type: 'Alert',
      state: 'Enabled',
      schedule: { type: 'FixedRate', interval: `${Math.min(minutes, 5)}m` },
      configuration: {
        version: '2.0',
        type: 'default',
        dashboard: 'internal-alert-analysis',
        queryList: [
          {
            storeType: 'log',
            project,
            store: logstore,
            query: `${toSlsQuery(t.query)} | select ${select}`,
            timeSpanType: 'Relative',
            start: `-${minutes}m`,
            end: 'now',
            powerSqlMode: 'auto',
          },
        ],
        groupConfiguration:
          groups.length > 0 ? { type: 'custom', fields: groups.map((_, i) => `g${i}`) } : { type: 'no_group', fields: [] },
        joinConfigurations: [],
        severityConfigurations: [
          { severity: severity[t.severity ?? 'warning'] ?? 6, evalCondition: { condition: `cnt >= ${t.threshold}`, countCondition: '' } },
        ],
        labels: [{ key: 'source', value: 'ack-npd-eventcenter' }],
        annotations: [
          { key: 'title', value: t.name },
          { key: 'desc', value: `${t.description ?? t.name}: \${cnt} events in ${minutes}m` },
        ],
        autoAnnotation: true,
        sendResolved: true,
        threshold: 1,
        noDataFire: false,
        noDataSeverity: 6,
        policyConfiguration: { alertPolicyId: 'sls.builtin.dynamic', actionPolicyId: '', repeatInterval: '1h', useDefault: false },
      },
    };
  });
  return { savedsearches, dashboard, jobs };
}
