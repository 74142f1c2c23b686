/**
 * PodOOMKilling: which pod (and container) a kernel OOM kill hit, from the kmsg record block.
 * The lead posts the event on the Pod; this file only parses.
 */

/** The reason the ack-kernel-monitor gives a pod's OOM kill; such events go on the Pod. */
export const POD_OOM_REASON = 'PodOOMKilling';

export interface PodOomKill {
  /** Pod UID with dashes, as the API shows it. */
  readonly podUid: string;
  /** Container ID (64 hex) when the task's cgroup is a container's. */
  readonly containerId?: string;
  /** The killed process's name and pid. */
  readonly process: string;
  readonly pid: number;
  /** The cgroup the evidence came from (task_memcg, or the "Task in" cgroup). */
  readonly cgroup: string;
}

const UID = '[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}';
/** cgroup v1 "pod<uid>" segment, or a systemd slice "kubepods[-qos]-pod<uid_with_underscores>.slice". */
const POD_SEGMENT = new RegExp(`(?:^|/)(?:pod(${UID})|kubepods(?:-[a-z]+)?-pod(${UID})\\.slice)(?:/|$)`, 'i');
/** The container segment following the pod: a bare 64-hex id (cgroupfs driver) or "<runtime>-<id>.scope" (systemd driver). */
const CONTAINER_SEGMENT = /\/(?:(?:cri-containerd|docker|crio|containerd)-)?([0-9a-f]{64})(?:\.scope)?$/i;

/** Pod UID and container id of a kubepods cgroup path; undefined for other cgroups. */
export function podFromCgroup(cgroup: string): { podUid: string; containerId?: string } | undefined {
  if (!cgroup.includes('kubepods')) return undefined;
  const pod = POD_SEGMENT.exec(cgroup);
  const raw = pod?.[1] ?? pod?.[2];
  if (!raw) return undefined;
  const podUid = raw.replaceAll('_', '-').toLowerCase();
  const container = CONTAINER_SEGMENT.exec(cgroup)?.[1];
  return container ? { podUid, containerId: container.toLowerCase() } : { podUid };
}

/**
 * Parses one OOM-kill block (the lines the kernel logs for one kill, in any order):
 * - "oom-kill:constraint=CONSTRAINT_MEMCG,...,oom_memcg=/kubepods/...,task_memcg=/kubepods/...,task=java,pid=1234,uid=0" (4.19+)
 * - "Task in /kubepods/burstable/pod<uid>/<id> killed as a result of limit of /kubepods/..." (older kernels)
 * - "Memory cgroup out of memory: Killed process 1234 (java) total-vm:..." / "Kill process 1234 (java) score ..."
 * Returns undefined when the block is not a pod's OOM kill.
 */
export function parsePodOomKill(block: string | readonly string[]): PodOomKill | undefined {
  const lines = typeof block === 'string' ? block.split('\n') : block;
  let cgroup: string | undefined;
  let limitCgroup: string | undefined;
  let process: string | undefined;
  let pid: number | undefined;
  for (const line of lines) {
    const oomKill = /oom-kill:(\S+)/.exec(line);
    if (oomKill?.[1]) {
      const fields = new Map<string, string>();
      for (const pair of oomKill[1].split(',')) {
        const eq = pair.indexOf('=');
        if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      cgroup = fields.get('task_memcg') ?? cgroup;
      limitCgroup = fields.get('oom_memcg') ?? limitCgroup;
      process = fields.get('task') ?? process;
      const p = Number(fields.get('pid'));
      if (Number.isInteger(p) && p > 0) pid = p;
      continue;
    }
    const taskIn = /Task in (\S+) killed as a result of limit of (\S+)/.exec(line);
    if (taskIn?.[1]) {
      cgroup ??= taskIn[1];
      limitCgroup ??= taskIn[2];
      continue;
    }
    const killed = /(?:Killed|Kill) process (\d+) \((.*?)\)/.exec(line);
    if (killed?.[1] && killed[2] !== undefined) {
      pid ??= Number(killed[1]);
      process ??= killed[2];
    }
  }
  if (pid === undefined || process === undefined) return undefined;
  for (const candidate of [cgroup, limitCgroup]) {
    if (!candidate) continue;
    const pod = podFromCgroup(candidate);
    if (pod) return { ...pod, process, pid, cgroup: candidate };
  }
  return undefined;
}

/**
 * The event message naming the pod (as the caller resolved it: "ns/name (uid)", or just the UID) and
 * the container, followed by the kernel's record block.
 */
export function podOomMessage(kill: PodOomKill, pod: string, block: string): string {
  const container = kill.containerId ? ` container ${kill.containerId}` : '';
  return `pod ${pod}${container} was OOM killed: process ${kill.process} pid ${kill.pid}\n${block}`;
}

/** A PodOOMKilling event with its message naming the pod UID and container; other events as they are. */
export function namePodOomKill<E extends { reason: string; message: string }>(event: E): E {
  const kill = event.reason === POD_OOM_REASON ? parsePodOomKill(event.message) : undefined;
  return kill ? { ...event, message: podOomMessage(kill, kill.podUid, event.message) } : event;
}
