import type { Logger } from '@ack-npd/core';
import type { Condition } from '../types.ts';
import { type ApiNodeCondition, kubeTime } from './node-api.ts';

export interface ConditionManagerOptions {
  readonly heartbeatMs: number;
  /** Wait before retrying a failed PATCH (NPD: 10s). */
  readonly resyncMs?: number;
  readonly patch: (conditions: readonly ApiNodeCondition[]) => Promise<void>;
  readonly logger: Logger;
  readonly onPatch?: (ok: boolean) => void;
}

/**
 * Keeps "what changed" apart from "when to write" (NPD's condition manager): updates are merged
 * by type; `tick(now)` PATCHes ALL own conditions only when something changed, when the last
 * PATCH failed (after resyncMs), or when the heartbeat period passed — never more often.
 */
export class ConditionManager {
  readonly #options: ConditionManagerOptions;
  readonly #conditions = new Map<string, Condition>();
  #changed = false;
  #failed = false;
  #lastSync = Number.NEGATIVE_INFINITY;
  #syncing = false;

  constructor(options: ConditionManagerOptions) {
    this.#options = options;
  }

  /**
   * Merges conditions. A real difference (status, reason, transition) marks a change (PATCH at the
   * next tick); a message that moved alone (a probe's measured value, same lastTransitionTime) is
   * stored for the next PATCH (heartbeat or change) without triggering one.
   */
  update(conditions: readonly Condition[]): void {
    for (const next of conditions) {
      const current = this.#conditions.get(next.type);
      if (current && current.status === next.status && current.reason === next.reason && current.transition === next.transition) {
        if (current.message !== next.message) this.#conditions.set(next.type, next);
        continue;
      }
      this.#conditions.set(next.type, next);
      this.#changed = true;
    }
  }

  get conditions(): Condition[] {
    return [...this.#conditions.values()];
  }

  /** When the next tick may have something to do (ms since the epoch). */
  due(now: number): number {
    if (this.#changed && this.#conditions.size > 0) return now;
    if (this.#failed) return this.#lastSync + (this.#options.resyncMs ?? 10_000);
    return this.#lastSync + this.#options.heartbeatMs;
  }

  /** PATCHes when needed; returns whether a PATCH was attempted. */
  async tick(now: number): Promise<boolean> {
    if (this.#syncing || this.#conditions.size === 0) return false;
    if (this.due(now) > now) return false;
    this.#syncing = true;
    this.#changed = false;
    this.#lastSync = now;
    const body = this.conditions.map(
      (c): ApiNodeCondition => ({
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
        lastTransitionTime: kubeTime(c.transition),
        lastHeartbeatTime: kubeTime(now),
      }),
    );
    try {
      await this.#options.patch(body);
      if (this.#failed) this.#options.logger.info('node status patch recovered');
      this.#failed = false;
      this.#options.onPatch?.(true);
    } catch (error) {
      this.#failed = true;
      this.#options.onPatch?.(false);
      this.#options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'node status patch failed; will retry');
    } finally {
      this.#syncing = false;
    }
    return true;
  }
}
