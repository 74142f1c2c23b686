import { formatDuration } from '@ack-npd/core';
import { bootTime } from '../hostfs.ts';
import { type JournalctlOptions, type JournalEntry, journalEntries } from '../logmonitor/journald.ts';
import type { ProbeCheck, ProbeCondition } from './probe.ts';

/** One counted service, as upstream config/systemd-monitor-counter.json runs log-counter for it. */
export interface RestartCounterRule {
  readonly condition: string;
  readonly reason: string;
  /** Healthy reason/message. */
  readonly defaultReason: string;
  readonly defaultMessage: string;
  readonly service: string;
  readonly pattern: RegExp;
  readonly count: number;
  readonly lookbackMs: number;
  /** Ignore lines logged within this long after boot (the service's own start at boot). */
  readonly delayMs: number;
}

/** upstream systemd-monitor-counter.json: 5 starts in 20 minutes (kubelet: ignoring the first 5 minutes after boot). */
export const defaultRestartRules: readonly RestartCounterRule[] = [
  {
    condition: 'FrequentKubeletRestart',
    reason: 'FrequentKubeletRestart',
    defaultReason: 'NoFrequentKubeletRestart',
    defaultMessage: 'kubelet is functioning properly',
    service: 'kubelet',
    pattern: /Started (Kubernetes kubelet|kubelet\.service|kubelet\.service - Kubernetes kubelet)\./,
    count: 5,
    lookbackMs: 20 * 60_000,
    delayMs: 5 * 60_000,
  },
  {
    condition: 'FrequentDockerRestart',
    reason: 'FrequentDockerRestart',
    defaultReason: 'NoFrequentDockerRestart',
    defaultMessage: 'docker is functioning properly',
    service: 'docker',
    pattern: /Starting (Docker Application Container Engine|docker\.service|docker\.service - Docker Application Container Engine)\.\.\./,
    count: 5,
    lookbackMs: 20 * 60_000,
    delayMs: 0,
  },
  {
    condition: 'FrequentContainerdRestart',
    reason: 'FrequentContainerdRestart',
    defaultReason: 'NoFrequentContainerdRestart',
    defaultMessage: 'containerd is functioning properly',
    service: 'containerd',
    pattern: /Starting (containerd container runtime|containerd\.service|containerd\.service - containerd container runtime)\.\.\./,
    count: 5,
    lookbackMs: 20 * 60_000,
    delayMs: 0,
  },
];

export interface RestartCounterOptions {
  readonly rules?: readonly RestartCounterRule[];
  readonly interval?: number;
  /** Reads journal entries (no follow); journalctl by default. */
  readonly journal?: (options: JournalctlOptions, signal: AbortSignal) => AsyncIterable<JournalEntry>;
  readonly journalctl?: string;
  readonly logPath?: string;
}

/** Counts systemd's "Started/Starting <service>" lines in the journal window, like NPD's log-counter. */
export function countRestarts(entries: readonly JournalEntry[], rule: RestartCounterRule, now: number, boot: number): number {
  const since = Math.max(now - rule.lookbackMs, boot + rule.delayMs);
  return entries.filter((e) => e.timestamp >= since && rule.pattern.test(e.message)).length;
}

/** FrequentKubeletRestart / FrequentContainerdRestart / FrequentDockerRestart from journald (source systemd-monitor). */
export function createRestartCounterCheck(options: RestartCounterOptions = {}): ProbeCheck {
  const rules = options.rules ?? defaultRestartRules;
  const journal = options.journal ?? journalEntries;
  const window = Math.max(...rules.map((r) => r.lookbackMs));
  return {
    name: 'restart_counter',
    source: 'systemd-monitor',
    conditions: rules.map((r) => ({ type: r.condition, reason: r.defaultReason, message: r.defaultMessage })),
    interval: options.interval ?? 5 * 60_000,
    timeout: 60_000,
    async probe({ hostfs, now, signal }) {
      const boot = await bootTime(hostfs, now).catch(() => 0);
      const entries: JournalEntry[] = [];
      for await (const entry of journal(
        {
          hostfs,
          identifier: 'systemd',
          since: now - window,
          follow: false,
          ...(options.logPath ? { logPath: options.logPath } : {}),
          ...(options.journalctl ? { command: options.journalctl } : {}),
        },
        signal,
      )) {
        entries.push(entry);
      }
      const conditions: ProbeCondition[] = rules.map((rule) => {
        const count = countRestarts(entries, rule, now, boot);
        return count >= rule.count
          ? {
              type: rule.condition,
              status: 'True',
              reason: rule.reason,
              message: `${rule.service} restarted ${count} times in the last ${formatDuration(rule.lookbackMs)} (threshold ${rule.count})`,
            }
          : { type: rule.condition, status: 'False' };
      });
      return { conditions };
    },
  };
}
