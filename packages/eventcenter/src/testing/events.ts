import type { NewEvent } from '../model.ts';

let seq = 0;

/** A stored-event input with defaults; every call a new uid unless given. */
export function newEvent(fields: Partial<NewEvent> = {}): NewEvent {
  seq++;
  return {
    cluster: '',
    uid: `uid-${seq}`,
    count: 1,
    timestamp: Date.UTC(2026, 0, 10, 12, 0, 0) + seq,
    type: 'Normal',
    reason: 'Started',
    message: 'Started container app',
    namespace: 'default',
    kind: 'Pod',
    name: `pod-${seq}`,
    objectUid: `obj-${seq}`,
    node: 'node-1',
    component: 'kubelet',
    host: 'node-1',
    condition: null,
    raw: { metadata: { name: `event-${seq}` } },
    ...fields,
  };
}
