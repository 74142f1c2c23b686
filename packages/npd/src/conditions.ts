import type { Condition, ConditionDefault, ConditionStatus, ProblemEvent } from './types.ts';

/** NPD's util.GenerateConditionChangeEvent; Warning when the problem appears. */
export function conditionChangeEvent(condition: Condition, timestamp: number): ProblemEvent {
  return {
    severity: condition.status === 'True' ? 'warn' : 'info',
    timestamp,
    reason: condition.reason,
    message: `Node condition ${condition.type} is now: ${condition.status}, reason: ${condition.reason}, message: ${JSON.stringify(condition.message)}`,
  };
}

/** Conditions at start: every default, status False. */
export function initialConditions(defaults: readonly ConditionDefault[], now: number): Condition[] {
  return defaults.map((d) => ({ type: d.type, status: 'False', transition: now, reason: d.reason, message: d.message }));
}

/** What a check observed for one condition. */
export interface Observation {
  readonly status: ConditionStatus;
  /** The problem reason (used when status is True). */
  readonly reason: string;
  readonly message: string;
}

export interface TransitionOptions {
  /** NPD's enable_message_change_based_condition_update. */
  readonly messageChangeUpdates?: boolean;
  /**
   * Built-in probes: the message carries a measured value ("fd usage 91% ..."). A message that moves
   * while status and reason stay is a refresh, not a change: stored in place (same lastTransitionTime,
   * no event), so /conditions and the next heartbeat carry it without an immediate PATCH. A False
   * observation's own message replaces the default one (e.g. "single CPU, irqbalance not needed").
   */
  readonly refreshMessage?: boolean;
}

/**
 * The reason of an Unknown condition: `<type>Unknown` (as the kubelet's Ready Unknown says NodeStatusUnknown).
 * NPD keeps the healthy default reason there ("FrequentKubeletRestart Unknown NoFrequentKubeletRestart"),
 * which reads as healthy to anyone who filters on the reason.
 */
export function unknownReason(type: string): string {
  return `${type}Unknown`;
}

/**
 * The permanent-problem state machine of NPD's custom plugin monitor (its five scenarios):
 * True→False takes the default reason and message, →Unknown the reason `<type>Unknown` and the output;
 * →True takes the rule's reason and output; True→True with another reason (or another message,
 * when enabled) updates; anything else is no change. Returns undefined when nothing changes.
 */
export function transition(
  current: Condition,
  fallback: ConditionDefault,
  observed: Observation,
  now: number,
  options: TransitionOptions = {},
): Condition | undefined {
  const status = observed.status;
  const falseMessage = options.refreshMessage === true && observed.message !== '' ? observed.message : fallback.message;
  let reason: string;
  let message: string;
  if (current.status !== 'True' && status === 'True') {
    reason = observed.reason;
    message = observed.message;
  } else if (current.status !== status) {
    reason = status === 'Unknown' ? unknownReason(current.type) : fallback.reason;
    message = status === 'False' ? falseMessage : observed.message;
  } else if (
    status === 'True' &&
    (current.reason !== observed.reason || (options.messageChangeUpdates === true && current.message !== observed.message))
  ) {
    reason = observed.reason;
    message = observed.message;
  } else {
    return undefined;
  }
  return { type: current.type, status, transition: now, reason, message };
}

/**
 * With `refreshMessage`: the same status (and, when True, the same reason) with another message gives
 * the condition with the new message and its old lastTransitionTime — a refresh, never an event.
 * Returns undefined when there is nothing to refresh (or the observation is a change: see transition()).
 */
export function refresh(current: Condition, fallback: ConditionDefault, observed: Observation): Condition | undefined {
  if (current.status !== observed.status) return undefined;
  if (current.status === 'True' && current.reason !== observed.reason) return undefined;
  const message = observed.status === 'False' && observed.message === '' ? fallback.message : observed.message;
  return message === current.message ? undefined : { ...current, message };
}

/**
 * A mutable set of conditions owned by one source, with the defaults to fall back to.
 * Every change produces NPD's "Node condition X is now: ..." event.
 */
export class ConditionSet {
  readonly #defaults: ReadonlyMap<string, ConditionDefault>;
  #conditions: Condition[];

  constructor(defaults: readonly ConditionDefault[], now: number) {
    this.#defaults = new Map(defaults.map((d) => [d.type, d]));
    this.#conditions = initialConditions(defaults, now);
  }

  get conditions(): readonly Condition[] {
    return this.#conditions;
  }

  get(type: string): Condition | undefined {
    return this.#conditions.find((c) => c.type === type);
  }

  defaultOf(type: string): ConditionDefault | undefined {
    return this.#defaults.get(type);
  }

  /** Applies an observation with NPD's state machine; returns the change event, if any. */
  observe(type: string, observed: Observation, now: number, options?: TransitionOptions): ProblemEvent | undefined {
    const current = this.get(type);
    const fallback = this.#defaults.get(type);
    if (!current || !fallback) return undefined;
    const next = transition(current, fallback, observed, now, options);
    if (next) return this.set(next, now);
    if (options?.refreshMessage === true) {
      const refreshed = refresh(current, fallback, observed);
      if (refreshed) this.#conditions = this.#conditions.map((c) => (c.type === refreshed.type ? refreshed : c));
    }
    return undefined;
  }

  /** Replaces a condition outright; returns the change event. */
  set(next: Condition, now: number): ProblemEvent {
    this.#conditions = this.#conditions.map((c) => (c.type === next.type ? next : c));
    return conditionChangeEvent(next, now);
  }

  /** Sets every condition to Unknown with the message (a monitor whose input is unavailable). */
  markUnknown(message: string, now: number): ProblemEvent[] {
    const events: ProblemEvent[] = [];
    for (const current of this.#conditions) {
      const fallback = this.#defaults.get(current.type);
      if (!fallback) continue;
      const next = transition(current, fallback, { status: 'Unknown', reason: fallback.reason, message }, now);
      if (next) events.push(this.set(next, now));
    }
    return events;
  }
}
