import { FILTER_FIELDS, GROUP_FIELDS } from './query.ts';

const filterParams = [
  { name: 'from', in: 'query', schema: { type: 'string' }, description: 'ms since epoch, ISO-8601, or -DURATION (e.g. -24h); inclusive' },
  { name: 'to', in: 'query', schema: { type: 'string' }, description: 'same forms as from; exclusive' },
  ...FILTER_FIELDS.map((field) => ({
    name: field,
    in: 'query',
    schema: { type: 'string' },
    description: `exact ${field}; comma or repetition = either; trailing * = prefix`,
  })),
  {
    name: 'q',
    in: 'query',
    schema: { type: 'string', maxLength: 4096 },
    description:
      'search syntax: field:value, -field:value, "quoted phrase", bare words (free text over reason, message, kind, name), -word',
  },
];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const errors = {
  '400': json(ref('Error'), 'bad parameter (the message names it)'),
  '401': json(ref('Error'), 'no or bad bearer token'),
  '403': json(ref('Error'), 'role missing'),
};
const str = { type: 'string' };
const int = { type: 'integer' };
const countRow = { type: 'object', properties: { key: str, count: int } };

/** The OpenAPI 3 document served at /openapi.json: the contract the web UI is written against. */
export const openapi = {
  openapi: '3.0.3',
  info: {
    title: 'ack-npd event center',
    version: '1',
    description:
      'Keeps cluster events; query, aggregate, pod lifecycle, node view, alerts. Auth: Authorization: Bearer <token> (none on loopback by default).',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: { type: 'object', properties: { error: str, field: str }, required: ['error'] },
      Condition: { type: 'object', nullable: true, properties: { type: str, status: str, reason: str, message: str } },
      Event: {
        type: 'object',
        properties: {
          id: str,
          cluster: str,
          uid: str,
          count: int,
          timestamp: { type: 'integer', description: 'ms since epoch' },
          time: { type: 'string', format: 'date-time' },
          type: str,
          reason: str,
          message: str,
          namespace: str,
          kind: str,
          name: str,
          objectUid: str,
          node: str,
          component: str,
          host: str,
          condition: ref('Condition'),
          raw: { type: 'object', description: 'detail view only: the core/v1 Event as the apiserver sent it' },
        },
      },
      IngestEvent: {
        type: 'object',
        required: ['uid', 'count', 'timestamp'],
        description: "the eventer's normalized KubeEvent JSON; extra fields ignored",
        properties: {
          uid: str,
          count: int,
          timestamp: int,
          cluster: { type: 'string', description: 'cluster id (the eventer sends its clusterId or kube-system namespace UID)' },
          clusterName: { type: 'string', description: "the cluster's display name" },
          namespace: str,
          name: str,
          type: str,
          reason: str,
          message: str,
          involvedObject: { type: 'object', properties: { kind: str, namespace: str, name: str, uid: str } },
          source: { type: 'object', properties: { component: str, host: str } },
          condition: ref('Condition'),
          raw: { type: 'object' },
        },
      },
      AlertRule: {
        type: 'object',
        required: ['name', 'query', 'threshold', 'windowMs'],
        properties: {
          id: str,
          name: str,
          description: str,
          template: { type: 'string', description: 'built-in template id it came from' },
          query: { type: 'string', description: 'search syntax selecting the events' },
          threshold: { type: 'integer', minimum: 1 },
          windowMs: { type: 'integer', minimum: 1000 },
          groupBy: { type: 'array', items: { type: 'string', enum: [...GROUP_FIELDS] } },
          clusters: { type: 'array', items: str, description: 'cluster ids the rule watches; empty = all' },
          severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
          notify: { type: 'array', items: str, description: 'notification sink names (the center’s --notify)' },
          repeatMs: { type: 'integer', description: 'renotify a still-firing alert after this long; 0 = never' },
          enabled: { type: 'boolean' },
        },
      },
      Alert: {
        type: 'object',
        properties: {
          ruleId: str,
          group: { type: 'object', additionalProperties: str },
          key: str,
          state: { type: 'string', enum: ['firing', 'resolved'] },
          silenced: { type: 'boolean' },
          count: int,
          since: int,
          lastNotified: int,
        },
      },
      Silence: {
        type: 'object',
        required: ['expiresAt'],
        properties: {
          id: str,
          ruleId: { type: 'string', description: 'empty = every rule' },
          matchers: { type: 'object', additionalProperties: str, description: 'group labels that must all equal' },
          comment: str,
          createdBy: str,
          startsAt: int,
          expiresAt: int,
        },
      },
      HistoryEntry: {
        type: 'object',
        properties: {
          id: str,
          ruleId: str,
          group: str,
          state: { type: 'string', enum: ['firing', 'resolved', 'silenced'] },
          at: int,
          count: int,
          message: str,
        },
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/api/v1/ingest': {
      post: {
        summary: 'Store a batch of events (idempotent on cluster+uid+count); role ingest',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'object', properties: { events: { type: 'array', maxItems: 10000, items: ref('IngestEvent') } } },
            },
          },
        },
        responses: { '200': json({ type: 'object', properties: { accepted: int, inserted: int, duplicates: int } }), ...errors },
      },
    },
    '/api/v1/events': {
      get: {
        summary: 'Search events, newest first, cursor paged',
        parameters: [
          ...filterParams,
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          { name: 'cursor', in: 'query', schema: str, description: 'nextCursor of the previous page' },
        ],
        responses: {
          '200': json({
            type: 'object',
            properties: { events: { type: 'array', items: ref('Event') }, nextCursor: { type: 'string', nullable: true } },
          }),
          ...errors,
        },
      },
    },
    '/api/v1/events/{id}': {
      get: {
        summary: 'One event with its raw object',
        parameters: [{ name: 'id', in: 'path', required: true, schema: str }],
        responses: { '200': json(ref('Event')), '404': json(ref('Error')), ...errors },
      },
    },
    '/api/v1/stats/histogram': {
      get: {
        summary: 'Counts by a field per time bucket (default range: last 24h)',
        parameters: [
          ...filterParams,
          { name: 'by', in: 'query', schema: { type: 'string', enum: [...GROUP_FIELDS], default: 'type' } },
          {
            name: 'bucket',
            in: 'query',
            schema: { type: 'integer', minimum: 1000 },
            description: 'bucket width ms (default: ~60 buckets)',
          },
        ],
        responses: {
          '200': json({
            type: 'object',
            properties: {
              from: int,
              to: int,
              bucketMs: int,
              by: str,
              buckets: { type: 'array', items: { type: 'object', properties: { bucket: int, key: str, count: int } } },
            },
          }),
          ...errors,
        },
      },
    },
    '/api/v1/stats/top': {
      get: {
        summary: 'Largest counts by a field',
        parameters: [
          ...filterParams,
          { name: 'by', in: 'query', schema: { type: 'string', enum: [...GROUP_FIELDS], default: 'reason' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', default: 10 } },
        ],
        responses: {
          '200': json({ type: 'object', properties: { from: int, to: int, by: str, top: { type: 'array', items: countRow } } }),
          ...errors,
        },
      },
    },
    '/api/v1/stats/top-warnings': {
      get: {
        summary: 'Warning events grouped by reason+object, largest first',
        parameters: [...filterParams, { name: 'limit', in: 'query', schema: { type: 'integer', default: 10 } }],
        responses: {
          '200': json({
            type: 'object',
            properties: {
              warnings: {
                type: 'array',
                items: { type: 'object', properties: { reason: str, namespace: str, kind: str, name: str, count: int, last: int } },
              },
            },
          }),
          ...errors,
        },
      },
    },
    '/api/v1/overview': {
      get: {
        summary: 'Dashboard: totals, counts by type over time, top warning reasons, namespaces, nodes, kinds (default last 24h)',
        parameters: filterParams,
        responses: {
          '200': json({
            type: 'object',
            properties: {
              from: int,
              to: int,
              bucketMs: int,
              total: int,
              warnings: int,
              byType: { type: 'array', items: countRow },
              series: { type: 'array', items: { type: 'object', properties: { bucket: int, key: str, count: int } } },
              topWarningReasons: { type: 'array', items: countRow },
              topNamespaces: { type: 'array', items: countRow },
              topWarningNodes: { type: 'array', items: countRow },
              topKinds: { type: 'array', items: countRow },
            },
          }),
          ...errors,
        },
      },
    },
    '/api/v1/pods/{namespace}/{name}/lifecycle': {
      get: {
        summary:
          "The pod's events, its owners' (ReplicaSet→Deployment, Job→CronJob, StatefulSet, DaemonSet) and its node's, oldest first, with implied phases",
        parameters: [
          { name: 'namespace', in: 'path', required: true, schema: str },
          { name: 'name', in: 'path', required: true, schema: str },
          { name: 'from', in: 'query', schema: str },
          { name: 'to', in: 'query', schema: str },
          { name: 'cluster', in: 'query', schema: str },
        ],
        responses: {
          '200': json({
            type: 'object',
            properties: {
              namespace: str,
              pod: str,
              node: str,
              owners: { type: 'array', items: { type: 'object', properties: { kind: str, name: str } } },
              ownerSource: { type: 'string', enum: ['cluster', 'names', 'none'] },
              from: int,
              to: int,
              events: {
                type: 'array',
                items: {
                  allOf: [ref('Event'), { type: 'object', properties: { role: { type: 'string', enum: ['pod', 'owner', 'node'] } } }],
                },
              },
              phases: { type: 'array', items: { type: 'object', properties: { phase: str, since: int, reason: str } } },
            },
          }),
          '404': json(ref('Error')),
          ...errors,
        },
      },
    },
    '/api/v1/nodes': {
      get: {
        summary: 'Nodes with events in the range (default last 24h)',
        parameters: filterParams,
        responses: {
          '200': json({
            type: 'object',
            properties: { nodes: { type: 'array', items: { type: 'object', properties: { node: str, events: int, warnings: int } } } },
          }),
          ...errors,
        },
      },
    },
    '/api/v1/nodes/{name}': {
      get: {
        summary:
          "A node: condition history (npd condition changes, kubelet's node events), its events, warnings of its pods (default last 7 days)",
        parameters: [
          { name: 'name', in: 'path', required: true, schema: str },
          ...filterParams.slice(0, 2),
          { name: 'cluster', in: 'query', schema: str },
        ],
        responses: {
          '200': json({
            type: 'object',
            properties: {
              node: str,
              from: int,
              to: int,
              conditions: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    type: str,
                    status: str,
                    transitions: {
                      type: 'array',
                      items: { type: 'object', properties: { status: str, reason: str, message: str, at: int } },
                    },
                  },
                },
              },
              events: { type: 'array', items: ref('Event') },
              podWarnings: { type: 'array', items: countRow },
            },
          }),
          ...errors,
        },
      },
    },
    '/api/v1/clusters': {
      get: {
        summary: 'Clusters that shipped events, with their names',
        responses: {
          '200': json({
            type: 'object',
            properties: {
              clusters: {
                type: 'array',
                items: { type: 'object', properties: { id: str, name: str, firstSeen: int, lastSeen: int } },
              },
            },
          }),
        },
      },
    },
    '/api/v1/whoami': {
      get: {
        summary: 'Roles of the caller',
        responses: { '200': json({ type: 'object', properties: { roles: { type: 'array', items: str }, auth: str } }) },
      },
    },
    '/api/v1/alert-templates': {
      get: {
        summary: 'Built-in rule templates (after the SLS event center)',
        responses: { '200': json({ type: 'object', properties: { templates: { type: 'array', items: ref('AlertRule') } } }) },
      },
    },
    '/api/v1/alert-rules': {
      get: {
        summary: 'Rules',
        responses: { '200': json({ type: 'object', properties: { rules: { type: 'array', items: ref('AlertRule') } } }) },
      },
      post: {
        summary: 'Create a rule (editor); from a template: {"template": "pod-oom"}',
        requestBody: { required: true, content: { 'application/json': { schema: ref('AlertRule') } } },
        responses: { '201': json(ref('AlertRule')), ...errors },
      },
    },
    '/api/v1/alert-rules/{id}': {
      get: {
        summary: 'One rule',
        parameters: [{ name: 'id', in: 'path', required: true, schema: str }],
        responses: { '200': json(ref('AlertRule')) },
      },
      put: {
        summary: 'Replace a rule (editor)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: str }],
        requestBody: { required: true, content: { 'application/json': { schema: ref('AlertRule') } } },
        responses: { '200': json(ref('AlertRule')), ...errors },
      },
      delete: {
        summary: 'Delete a rule (editor)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: str }],
        responses: { '204': { description: 'deleted' } },
      },
    },
    '/api/v1/alerts': {
      get: {
        summary: 'Current alert states (firing and recently resolved)',
        responses: { '200': json({ type: 'object', properties: { alerts: { type: 'array', items: ref('Alert') } } }) },
      },
    },
    '/api/v1/alerts/evaluate': {
      post: {
        summary: 'Evaluate every rule now (editor)',
        responses: { '200': json({ type: 'object', properties: { alerts: { type: 'array', items: ref('Alert') } } }) },
      },
    },
    '/api/v1/alert-history': {
      get: {
        summary: 'Transitions, newest first',
        parameters: [
          { name: 'ruleId', in: 'query', schema: str },
          { name: 'limit', in: 'query', schema: int },
        ],
        responses: { '200': json({ type: 'object', properties: { history: { type: 'array', items: ref('HistoryEntry') } } }) },
      },
    },
    '/api/v1/silences': {
      get: {
        summary: 'Silences (expired ones included, flagged)',
        responses: { '200': json({ type: 'object', properties: { silences: { type: 'array', items: ref('Silence') } } }) },
      },
      post: {
        summary: 'Create a silence (editor)',
        requestBody: { required: true, content: { 'application/json': { schema: ref('Silence') } } },
        responses: { '201': json(ref('Silence')), ...errors },
      },
    },
    '/api/v1/silences/{id}': {
      delete: {
        summary: 'Expire a silence now (editor)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: str }],
        responses: { '204': { description: 'deleted' } },
      },
    },
  },
} as const;
