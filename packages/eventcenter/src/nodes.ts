import type { ConditionChange, StoredEvent } from './model.ts';
import type { CountRow } from './query.ts';
import type { EventStore } from './store/types.ts';

/** Event reasons that state a node condition (kubelet's and npd/ACK's), when the event carries no explicit condition. */
const REASON_CONDITIONS: Readonly<Record<string, readonly [string, 'True' | 'False']>> = {
  NodeReady: ['Ready', 'True'],
  NodeNotReady: ['Ready', 'False'],
  NodeHasSufficientMemory: ['MemoryPressure', 'False'],
  NodeHasInsufficientMemory: ['MemoryPressure', 'True'],
  NodeHasNoDiskPressure: ['DiskPressure', 'False'],
  NodeHasDiskPressure: ['DiskPressure', 'True'],
  NodeHasSufficientPID: ['PIDPressure', 'False'],
  NodeHasInsufficientPID: ['PIDPressure', 'True'],
  NodeHasNoFDPressure: ['FDPressure', 'False'],
  NodeHasFDPressure: ['FDPressure', 'True'],
  NodeHasNoInodesPressure: ['InodesPressure', 'False'],
  NodeHasInodesPressure: ['InodesPressure', 'True'],
  NTPIsUp: ['NTPProblem', 'False'],
  NTPIsDown: ['NTPProblem', 'True'],
  KernelHasNoDeadlock: ['KernelDeadlock', 'False'],
  DockerHung: ['KernelDeadlock', 'True'],
  AUFSUmountHung: ['KernelDeadlock', 'True'],
  FilesystemIsNotReadOnly: ['ReadonlyFilesystem', 'False'],
  FilesystemIsReadOnly: ['ReadonlyFilesystem', 'True'],
  NodeHasRAMRole: ['RAMRoleError', 'False'],
  NodeHasNoRAMRole: ['RAMRoleError', 'True'],
  NodeHasNoPIDPressure: ['NodePIDPressure', 'False'],
  NodeHasPIDPressure: ['NodePIDPressure', 'True'],
};

/** The condition an event reports: npd's explicit condition-change payload, else the reason's meaning. */
export function conditionOf(event: StoredEvent): ConditionChange | undefined {
  if (event.condition) return event.condition;
  const known = REASON_CONDITIONS[event.reason];
  return known ? { type: known[0], status: known[1], reason: event.reason, message: event.message } : undefined;
}

export interface ConditionHistory {
  readonly type: string;
  /** The latest status seen. */
  readonly status: string;
  readonly transitions: readonly { readonly status: string; readonly reason: string; readonly message: string; readonly at: number }[];
}

export interface NodeView {
  readonly node: string;
  readonly from: number;
  readonly to: number;
  readonly conditions: readonly ConditionHistory[];
  /** The Node's events, newest first. */
  readonly events: readonly StoredEvent[];
  /** Warnings of objects on this node (pods), by reason. */
  readonly podWarnings: readonly CountRow[];
}

export async function nodeView(
  store: EventStore,
  options: { node: string; from: number; to: number; cluster?: string; limit?: number },
): Promise<NodeView> {
  const cluster = options.cluster !== undefined ? { cluster: [options.cluster] } : {};
  const events = await store.search({
    filter: { from: options.from, to: options.to, include: { ...cluster, kind: ['Node'], name: [options.node] } },
    limit: options.limit ?? 5000,
    ascending: true,
  });
  const byType = new Map<string, { status: string; reason: string; message: string; at: number }[]>();
  for (const event of events) {
    const condition = conditionOf(event);
    if (!condition) continue;
    const list = byType.get(condition.type) ?? [];
    // A transition is a change of status; repeats (heartbeat re-reports) are folded.
    if (list.at(-1)?.status !== condition.status) {
      list.push({ status: condition.status, reason: condition.reason, message: condition.message, at: event.timestamp });
    }
    byType.set(condition.type, list);
  }
  const conditions = [...byType.entries()]
    .map(([type, transitions]) => ({ type, status: transitions.at(-1)?.status ?? 'Unknown', transitions }))
    .sort((a, b) => a.type.localeCompare(b.type));
  const podWarnings = await store.countBy(
    { from: options.from, to: options.to, include: { ...cluster, node: [options.node], type: ['Warning'] }, exclude: { kind: ['Node'] } },
    'reason',
    20,
  );
  return { node: options.node, from: options.from, to: options.to, conditions, events: [...events].reverse(), podWarnings };
}
