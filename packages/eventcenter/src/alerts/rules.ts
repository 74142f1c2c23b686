import { z } from 'zod';
import { GROUP_FIELDS, parseSearch, QueryError } from '../query.ts';

export const ruleSchema = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  template: z.string().max(100).optional(),
  query: z
    .string()
    .max(4096)
    .superRefine((q, ctx) => {
      try {
        parseSearch(q);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof QueryError ? error.message : 'invalid search' });
      }
    }),
  threshold: z.number().int().min(1).max(1_000_000),
  windowMs: z
    .number()
    .int()
    .min(1000)
    .max(31 * 86_400_000),
  groupBy: z.array(z.enum(GROUP_FIELDS)).max(5).default([]),
  /** Cluster ids the rule watches; empty = every cluster. Each cluster alerts on its own. */
  clusters: z.array(z.string().min(1).max(256)).max(100).default([]),
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
  notify: z.array(z.string().max(100)).max(20).default([]),
  repeatMs: z.number().int().min(0).default(0),
  enabled: z.boolean().default(true),
});

export type RuleInput = z.input<typeof ruleSchema>;
export type AlertRule = z.output<typeof ruleSchema> & { readonly id: string };

export const silenceSchema = z.object({
  ruleId: z.string().max(100).default(''),
  matchers: z.record(z.string().max(100), z.string().max(1024)).default({}),
  comment: z.string().max(2000).default(''),
  startsAt: z.number().int().optional(),
  expiresAt: z.number().int().min(0),
});

export interface Silence {
  readonly id: string;
  readonly ruleId: string;
  readonly matchers: Readonly<Record<string, string>>;
  readonly comment: string;
  readonly createdBy: string;
  readonly startsAt: number;
  readonly expiresAt: number;
}

const MIN = 60_000;

/**
 * Built-in rules after the SLS Kubernetes event center's alert templates. Queries use the
 * search syntax; free-text words are whole words (`image` matches "Failed to pull image").
 */
export const TEMPLATES: readonly (RuleInput & { id: string })[] = [
  {
    id: 'pod-oom',
    name: 'Pod OOM',
    description: 'A container was killed for running out of memory (kernel OOMKilling, npd PodOOMKilling)',
    query: 'reason:OOMKilling,PodOOMKilling,OOMKilled',
    threshold: 1,
    windowMs: 5 * MIN,
    groupBy: ['namespace', 'name'],
    severity: 'critical',
  },
  {
    id: 'pod-start-failure',
    name: 'Pod start failure',
    description: 'Containers restarting in a back-off loop (BackOff, CrashLoopBackOff)',
    query: 'kind:Pod reason:BackOff,CrashLoopBackOff -image',
    threshold: 3,
    windowMs: 10 * MIN,
    groupBy: ['namespace', 'name'],
    severity: 'warning',
  },
  {
    id: 'image-pull-failure',
    name: 'Image pull failure',
    description: 'An image cannot be pulled (ErrImagePull, ImagePullBackOff)',
    query: 'kind:Pod reason:Failed,ErrImagePull,ImagePullBackOff,BackOff image',
    threshold: 1,
    windowMs: 10 * MIN,
    groupBy: ['namespace', 'name'],
    severity: 'warning',
  },
  {
    id: 'failed-scheduling',
    name: 'Scheduling failed: insufficient resources',
    description: 'FailedScheduling because no node has enough CPU, memory or pods left',
    query: 'reason:FailedScheduling insufficient',
    threshold: 1,
    windowMs: 10 * MIN,
    groupBy: ['namespace', 'name'],
    severity: 'warning',
  },
  {
    id: 'pod-eviction',
    name: 'Pod eviction',
    description: 'Pods evicted by the kubelet (node pressure) or the taint manager, or preempted',
    query: 'reason:Evicted,Evicting,EvictionThresholdMet,TaintManagerEviction,Preempted',
    threshold: 1,
    windowMs: 10 * MIN,
    groupBy: ['namespace', 'reason'],
    severity: 'warning',
  },
  {
    id: 'node-not-ready',
    name: 'Node not ready',
    description: 'A node turned NotReady',
    query: 'kind:Node reason:NodeNotReady',
    threshold: 1,
    windowMs: 5 * MIN,
    groupBy: ['name'],
    severity: 'critical',
  },
  {
    id: 'npd-node-problems',
    name: 'Node problems (npd)',
    description: 'Problems the node problem detector reports: kernel deadlock, read-only filesystem, fd/inode pressure, NTP, GPU Xid, ...',
    query:
      'kind:Node type:Warning reason:KernelDeadlock,DockerHung,AUFSUmountHung,ReadonlyFilesystem,FilesystemIsReadOnly,NodeHasFDPressure,FDPressure,NodeHasInodesPressure,NTPIsDown,NTPProblem,NodeHasNoRAMRole,NvidiaXidError,TaskHung,KernelOops,Ext4Error,IOError,ConntrackFull,PSProcessIsHung,IOHang,SoftLockUp,RCUStall,NodeHasPIDPressure',
    threshold: 1,
    windowMs: 10 * MIN,
    groupBy: ['name', 'reason'],
    severity: 'critical',
  },
  {
    id: 'volume-failure',
    name: 'Volume mount/attach failure',
    description: 'FailedMount, FailedAttachVolume, FailedMapVolume',
    query: 'reason:FailedMount,FailedAttachVolume,FailedMapVolume,VolumeFailedMount,FailedBinding',
    threshold: 1,
    windowMs: 10 * MIN,
    groupBy: ['namespace', 'name'],
    severity: 'warning',
  },
  {
    id: 'warning-burst',
    name: 'Warning burst',
    description: 'Many Warning events in one namespace in a short time',
    query: 'type:Warning',
    threshold: 50,
    windowMs: 5 * MIN,
    groupBy: ['namespace'],
    severity: 'warning',
  },
];

export function groupKey(group: Readonly<Record<string, string>>): string {
  return Object.keys(group)
    .sort()
    .map((k) => `${k}=${group[k]}`)
    .join(',');
}

export function silenceMatches(silence: Silence, ruleId: string, group: Readonly<Record<string, string>>, now: number): boolean {
  if (now < silence.startsAt || now >= silence.expiresAt) return false;
  if (silence.ruleId !== '' && silence.ruleId !== ruleId) return false;
  return Object.entries(silence.matchers).every(([k, v]) => group[k] === v);
}
