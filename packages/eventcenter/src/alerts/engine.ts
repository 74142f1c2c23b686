import { type EventFilter, type GroupField, parseSearch } from '../query.ts';
import type { EventStore } from '../store/types.ts';
import { type AlertRule, groupKey, type Silence, silenceMatches } from './rules.ts';

export interface AlertState {
  readonly ruleId: string;
  readonly ruleName: string;
  readonly key: string;
  readonly group: Readonly<Record<string, string>>;
  readonly state: 'firing' | 'resolved';
  readonly silenced: boolean;
  readonly count: number;
  readonly since: number;
  readonly lastNotified?: number;
  readonly resolvedAt?: number;
}

export interface Notification {
  readonly rule: AlertRule;
  readonly alert: AlertState;
  readonly kind: 'firing' | 'resolved';
  /** The display name of the alert's cluster (group.cluster), when known. */
  readonly clusterName?: string;
}

const KEEP_RESOLVED_MS = 3600_000;

/** The rule's search, narrowed to its clusters (a `cluster:` term in the query narrows further). */
function scopeToClusters(filter: EventFilter, clusters: readonly string[]): EventFilter {
  if (clusters.length === 0) return filter;
  const own = filter.include?.cluster;
  const allowed = own ? own.filter((c) => clusters.includes(c)) : clusters;
  // An empty intersection must match nothing, not everything.
  return { ...filter, include: { ...filter.include, cluster: allowed.length > 0 ? allowed : ['\u0000none'] } };
}

function withoutEmptyCluster(group: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  if (group.cluster !== '') return group;
  const { cluster: _omit, ...rest } = group;
  return rest;
}

/**
 * One evaluation of every rule: counts per group over the rule's window, transitions
 * firing/resolved (history rows), notifications only on a transition (dedupe), again after
 * `repeatMs` while still firing, never while a silence matches (a silence that ends while
 * the alert still fires lets it notify then).
 */
export async function evaluateRules(store: EventStore, now: number): Promise<{ alerts: AlertState[]; notifications: Notification[] }> {
  const rules = (await store.listDocs<AlertRule>('rule')).map((d) => ({ ...d.body, id: d.id }));
  const silences = (await store.listDocs<Silence>('silence')).map((d) => d.body);
  const previous = new Map((await store.listDocs<AlertState>('alert-state')).map((d) => [d.id, d.body]));
  const next = new Map<string, AlertState>();
  const notifications: Notification[] = [];
  const ruleIds = new Set(rules.map((r) => r.id));
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const filter = scopeToClusters({ ...parseSearch(rule.query), from: now - rule.windowMs, to: now + 1 }, rule.clusters ?? []);
    // Counted per cluster too: one cluster's events never fire another's alert, and every
    // notification names its cluster (the unnamed single-cluster '' stays out of the key).
    const fields: GroupField[] = rule.groupBy.includes('cluster') ? rule.groupBy : [...rule.groupBy, 'cluster'];
    const counted = await store.groupCounts(filter, fields, 1000);
    const groups = counted.filter((g) => g.count >= rule.threshold).map((g) => ({ ...g, group: withoutEmptyCluster(g.group) }));
    for (const g of groups) {
      const key = groupKey(g.group);
      const id = `${rule.id}|${key}`;
      const before = previous.get(id);
      const silenced = silences.some((s) => silenceMatches(s, rule.id, g.group, now));
      const fresh = !before || before.state === 'resolved';
      let state: AlertState = {
        ruleId: rule.id,
        ruleName: rule.name,
        key,
        group: g.group,
        state: 'firing',
        silenced,
        count: g.count,
        since: fresh ? now : before.since,
        ...(before?.lastNotified !== undefined && !fresh ? { lastNotified: before.lastNotified } : {}),
      };
      if (fresh) {
        await store.addHistory({
          ruleId: rule.id,
          group: key,
          state: silenced ? 'silenced' : 'firing',
          at: now,
          count: g.count,
          message: `${rule.name}: ${g.count} events in ${Math.round(rule.windowMs / 1000)}s${key ? ` (${key})` : ''}`,
        });
      }
      const due = !silenced && (state.lastNotified === undefined || (rule.repeatMs > 0 && now - state.lastNotified >= rule.repeatMs));
      if (due) {
        state = { ...state, lastNotified: now };
        notifications.push({ rule, alert: state, kind: 'firing' });
      }
      next.set(id, state);
    }
  }
  for (const [id, before] of previous) {
    if (next.has(id)) continue;
    if (!ruleIds.has(before.ruleId)) continue;
    if (before.state === 'firing') {
      const rule = rules.find((r) => r.id === before.ruleId) as AlertRule;
      const resolved: AlertState = { ...before, state: 'resolved', resolvedAt: now, count: 0 };
      await store.addHistory({
        ruleId: before.ruleId,
        group: before.key,
        state: 'resolved',
        at: now,
        count: 0,
        message: `${before.ruleName}: resolved`,
      });
      if (before.lastNotified !== undefined) notifications.push({ rule, alert: resolved, kind: 'resolved' });
      next.set(id, resolved);
    } else if ((before.resolvedAt ?? 0) > now - KEEP_RESOLVED_MS) {
      next.set(id, before);
    }
  }
  for (const id of previous.keys()) if (!next.has(id)) await store.deleteDoc('alert-state', id);
  for (const [id, state] of next) {
    const before = previous.get(id);
    if (JSON.stringify(before) !== JSON.stringify(state)) await store.putDoc('alert-state', id, state, now);
  }
  return { alerts: [...next.values()], notifications };
}
