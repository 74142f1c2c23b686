import type { StoredEvent } from './model.ts';
import type { EventStore } from './store/types.ts';

export interface OwnerRef {
  readonly kind: string;
  readonly name: string;
}

/** Reads owner references from a cluster (given a kubeconfig); undefined when the object is gone or unreachable. */
export type OwnerLookup = (namespace: string, kind: string, name: string) => Promise<OwnerRef[] | undefined>;

export interface Phase {
  readonly phase: string;
  readonly since: number;
  readonly reason: string;
}

export interface PodLifecycle {
  readonly namespace: string;
  readonly pod: string;
  readonly node: string;
  /** Nearest first: ReplicaSet, then Deployment (or Job, then CronJob; or StatefulSet / DaemonSet). */
  readonly owners: readonly OwnerRef[];
  /** `cluster`: ownerReferences read from the apiserver; `names`: inferred from naming conventions and stored events. */
  readonly ownerSource: 'cluster' | 'names' | 'none';
  readonly from: number;
  readonly to: number;
  /** The pod's, its owners' and its node's events in the window, oldest first; `role` says whose. */
  readonly events: readonly (StoredEvent & { role: 'pod' | 'owner' | 'node' })[];
  readonly phases: readonly Phase[];
}

const OWNER_KINDS = ['ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];
const PARENT_KINDS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'],
  ReplicaSet: ['Deployment'],
  Job: ['CronJob'],
};

/** Names a parent of `kind/name` may have under the controllers' naming conventions. */
export function parentNameCandidates(kind: string, name: string): string[] {
  const out: string[] = [];
  const cut = (pattern: RegExp) => {
    const m = pattern.exec(name);
    if (m?.[1]) out.push(m[1]);
  };
  if (kind === 'Pod') {
    cut(/^(.+)-[bcdfghjklmnpqrstvwxz2456789]{5}$/); // ReplicaSet, DaemonSet, Job: generateName + 5 random chars
    cut(/^(.+)-\d+$/); // StatefulSet ordinal
  } else if (kind === 'ReplicaSet') {
    cut(/^(.+)-[bcdfghjklmnpqrstvwxz2456789]{6,10}$/); // pod-template-hash
  } else if (kind === 'Job') {
    cut(/^(.+)-\d{8,10}$/); // CronJob: scheduled time in minutes
  }
  return out;
}

/** Phases the pod's own events imply, in order; consecutive repeats collapsed. */
export function impliedPhases(events: readonly StoredEvent[]): Phase[] {
  const phases: Phase[] = [];
  for (const e of events) {
    const phase = phaseOf(e);
    if (phase && phases.at(-1)?.phase !== phase) phases.push({ phase, since: e.timestamp, reason: e.reason });
  }
  return phases;
}

function phaseOf(e: StoredEvent): string | undefined {
  const message = e.message.toLowerCase();
  switch (e.reason) {
    case 'FailedScheduling':
      return 'Pending: unschedulable';
    case 'Scheduled':
      return 'Scheduled';
    case 'Pulling':
      return 'Pulling image';
    case 'Pulled':
      return 'Image pulled';
    case 'ErrImagePull':
    case 'ImagePullBackOff':
      return 'Image pull failing';
    case 'Failed':
      return message.includes('pull') || message.includes('image') ? 'Image pull failing' : 'Failed';
    case 'BackOff':
      return message.includes('pull') ? 'Image pull failing' : 'CrashLoopBackOff';
    case 'Created':
      return 'Container created';
    case 'Started':
      return 'Running';
    case 'Unhealthy':
      return 'Unhealthy';
    case 'OOMKilling':
    case 'PodOOMKilling':
      return 'OOMKilled';
    case 'Evicted':
      return 'Evicted';
    case 'Preempted':
    case 'Preempting':
      return 'Preempted';
    case 'Killing':
      return 'Terminating';
    case 'FailedMount':
    case 'FailedAttachVolume':
      return 'Volume failing';
    default:
      return undefined;
  }
}

async function ownerChain(store: EventStore, namespace: string, pod: string, lookup: OwnerLookup | undefined) {
  if (lookup) {
    const owners: OwnerRef[] = [];
    let current: OwnerRef | undefined = { kind: 'Pod', name: pod };
    let found = false;
    while (current && owners.length < 4) {
      const refs: OwnerRef[] | undefined = await lookup(namespace, current.kind, current.name).catch(() => undefined);
      if (refs === undefined) break;
      found = true;
      current = refs.find((r) => OWNER_KINDS.includes(r.kind));
      if (current) owners.push(current);
    }
    if (found) return { owners, source: 'cluster' as const };
  }
  const owners: OwnerRef[] = [];
  let current: OwnerRef = { kind: 'Pod', name: pod };
  for (;;) {
    const kinds = PARENT_KINDS[current.kind];
    const candidates = parentNameCandidates(current.kind, current.name);
    if (!kinds || candidates.length === 0) break;
    const seen = await store.objectsNamed(namespace, kinds, candidates);
    // The longest candidate name is the nearest parent (a ReplicaSet hash over a StatefulSet ordinal).
    const parent = seen.sort((a, b) => b.name.length - a.name.length)[0];
    if (!parent) break;
    owners.push(parent);
    current = parent;
  }
  return { owners, source: owners.length > 0 ? ('names' as const) : ('none' as const) };
}

const PAD_MS = 10 * 60_000;

/** The pod's story: its events, its owners', its node's, in one ordered list with the phases they imply. */
export async function podLifecycle(
  store: EventStore,
  options: { namespace: string; pod: string; from?: number; to?: number; cluster?: string; lookup?: OwnerLookup; limit?: number },
): Promise<PodLifecycle | undefined> {
  const limit = options.limit ?? 2000;
  const cluster = options.cluster !== undefined ? { cluster: [options.cluster] } : {};
  const podFilter = {
    ...(options.from !== undefined ? { from: options.from } : {}),
    ...(options.to !== undefined ? { to: options.to } : {}),
    include: { ...cluster, namespace: [options.namespace], kind: ['Pod'], name: [options.pod] },
  };
  const podEvents = await store.search({ filter: podFilter, limit, ascending: true });
  if (podEvents.length === 0) return undefined;
  const from = options.from ?? (podEvents[0] as StoredEvent).timestamp - PAD_MS;
  const to = options.to ?? (podEvents.at(-1) as StoredEvent).timestamp + PAD_MS;
  const node = [...podEvents].reverse().find((e) => e.node !== '')?.node ?? '';
  const { owners, source } = await ownerChain(store, options.namespace, options.pod, options.lookup);
  const tagged: (StoredEvent & { role: 'pod' | 'owner' | 'node' })[] = podEvents.map((e) => ({ ...e, role: 'pod' }));
  for (const owner of owners) {
    const events = await store.search({
      filter: { from, to, include: { ...cluster, namespace: [options.namespace], kind: [owner.kind], name: [owner.name] } },
      limit,
      ascending: true,
    });
    tagged.push(...events.map((e) => ({ ...e, role: 'owner' as const })));
  }
  if (node) {
    const events = await store.search({
      filter: { from, to, include: { ...cluster, kind: ['Node'], name: [node] } },
      limit,
      ascending: true,
    });
    tagged.push(...events.map((e) => ({ ...e, role: 'node' as const })));
  }
  tagged.sort((a, b) => a.timestamp - b.timestamp || Number(a.id) - Number(b.id));
  return {
    namespace: options.namespace,
    pod: options.pod,
    node,
    owners,
    ownerSource: source,
    from,
    to,
    events: tagged,
    phases: impliedPhases(podEvents),
  };
}
