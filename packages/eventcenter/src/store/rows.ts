import type { ConditionChange, StoredEvent } from '../model.ts';

/** A row as both schemas name the columns. */
export interface EventRow {
  id: string | number | bigint;
  cluster: string;
  uid: string;
  count: number;
  ts: number | string | Date;
  type: string;
  reason: string;
  message: string;
  namespace: string;
  kind: string;
  name: string;
  object_uid: string;
  node: string;
  component: string;
  host: string;
  condition: string | ConditionChange | null;
  raw: string | unknown;
}

export const EVENT_COLUMNS =
  'id, cluster, uid, count, ts, type, reason, message, namespace, kind, name, object_uid, node, component, host, condition, raw';

function json(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

export function fromRow(row: EventRow): StoredEvent {
  return {
    id: String(row.id),
    cluster: row.cluster,
    uid: row.uid,
    count: Number(row.count),
    timestamp: row.ts instanceof Date ? row.ts.getTime() : Number(row.ts),
    type: row.type,
    reason: row.reason,
    message: row.message,
    namespace: row.namespace,
    kind: row.kind,
    name: row.name,
    objectUid: row.object_uid,
    node: row.node,
    component: row.component,
    host: row.host,
    condition: (json(row.condition) as ConditionChange | null) ?? null,
    raw: json(row.raw) ?? null,
  };
}
