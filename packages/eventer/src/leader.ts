import type { Clock, Logger } from '@ack-npd/core';
import type { KubeClient } from '@ack-npd/core/kube-lite';
import { KubeApiError } from './errors.ts';
import { kubeJson } from './kube-http.ts';

export interface LeaderElectionOptions {
  readonly kube: KubeClient;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  /** client-go defaults: 15s / 10s / 2s. */
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/(\.\d{3})Z$/, '$1000Z');
}

/**
 * coordination.k8s.io/v1 Lease leader election with client-go's algorithm: a candidate takes
 * the lease when the holder has not renewed it for leaseDuration as observed by the candidate's
 * own clock (no clock-skew assumptions); the leader renews every retryPeriod and steps down
 * when it could not renew within renewDeadline; a graceful stop releases the lease so the
 * follower takes over at once. A graceful stop ends the term (the leader stops shipping) but
 * keeps renewing until the term's final work (the checkpoint) is done, and only then releases:
 * a follower can never start from a checkpoint older than what the leader shipped.
 */
export class LeaderElector {
  readonly #options: LeaderElectionOptions;
  readonly #leaseMs: number;
  readonly #renewMs: number;
  readonly #retryMs: number;
  #observed: { holder: string; renewTime: string; at: number } | undefined;
  #leading = false;
  /** When the last successful acquire/renew was sent (before the request: the holder's view is never late). */
  #lastRenew = 0;

  constructor(options: LeaderElectionOptions) {
    this.#options = options;
    this.#leaseMs = options.leaseDurationMs ?? 15_000;
    this.#renewMs = options.renewDeadlineMs ?? 10_000;
    this.#retryMs = options.retryPeriodMs ?? 2_000;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /**
   * Whether this replica may still write as the leader: it renewed the lease less than a
   * lease duration ago, so no other candidate can have taken it yet.
   */
  get leaseValid(): boolean {
    return this.#leading && this.#options.clock.now() - this.#lastRenew < this.#leaseMs;
  }

  #path(name = this.#options.name): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.#options.namespace)}/leases${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  /** One attempt to acquire or renew; true when we hold the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { kube, identity, clock } = this.#options;
    const now = clock.now();
    let lease: Lease | undefined;
    try {
      lease = await kubeJson<Lease>(kube, this.#path());
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.round(this.#leaseMs / 1000),
      renewTime: microTime(now),
    };
    if (!lease) {
      const body: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.#options.name, namespace: this.#options.namespace },
        spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 },
      };
      try {
        await kubeJson(kube, this.#path(''), { method: 'POST', body });
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 409) return false;
        throw error;
      }
      this.#observed = { holder: identity, renewTime: spec.renewTime, at: now };
      this.#lastRenew = now;
      return true;
    }
    const holder = lease.spec.holderIdentity ?? '';
    const renewTime = lease.spec.renewTime ?? '';
    if (!this.#observed || this.#observed.holder !== holder || this.#observed.renewTime !== renewTime) {
      this.#observed = { holder, renewTime, at: now };
    }
    const durationMs = (lease.spec.leaseDurationSeconds ?? this.#leaseMs / 1000) * 1000;
    if (holder !== '' && holder !== identity && this.#observed.at + durationMs > now) return false;
    const body: Lease = {
      ...lease,
      spec: {
        ...lease.spec,
        ...spec,
        acquireTime: holder === identity ? (lease.spec.acquireTime ?? microTime(now)) : microTime(now),
        leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
      },
    };
    try {
      await kubeJson(kube, this.#path(), { method: 'PUT', body });
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) return false;
      throw error;
    }
    this.#observed = { holder: identity, renewTime: spec.renewTime, at: now };
    this.#lastRenew = now;
    return true;
  }

  /** Gives the lease up (holder cleared) so a follower takes over without waiting for expiry. */
  async release(): Promise<void> {
    const { kube, identity } = this.#options;
    try {
      const lease = await kubeJson<Lease>(kube, this.#path());
      if (lease.spec.holderIdentity !== identity) return;
      const body: Lease = {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.#options.clock.now()) },
      };
      await kubeJson(kube, this.#path(), { method: 'PUT', body });
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'lease release failed');
    }
  }

  /**
   * Campaigns until `signal` aborts; each time leadership is won, runs `lead(leadership)`
   * and aborts `leadership` when the lease is lost or `signal` aborts. After a stop the lease
   * is still renewed until `lead` returns (its final checkpoint save), then released; after a
   * loss `leaseValid` is false at once. Resolves after `signal` aborted and the current term
   * ended.
   */
  async run(signal: AbortSignal, lead: (leadership: AbortSignal) => Promise<void>): Promise<void> {
    const { clock, logger } = this.#options;
    while (!signal.aborted) {
      let acquired = false;
      try {
        acquired = await this.tryAcquireOrRenew();
      } catch (error) {
        logger.warn({ err: error }, 'lease acquire failed');
      }
      if (!acquired) {
        await clock.sleep(this.#retryMs * (1 + 0.2 * Math.random()), signal).catch(() => undefined);
        continue;
      }
      logger.info({ lease: `${this.#options.namespace}/${this.#options.name}` }, 'became leader');
      this.#leading = true;
      const term = new AbortController();
      const renewal = new AbortController();
      const onStop = () => term.abort();
      signal.addEventListener('abort', onStop, { once: true });
      if (signal.aborted) term.abort();
      const renewing = this.#renew(term, renewal.signal);
      try {
        await lead(term.signal);
      } finally {
        term.abort();
        renewal.abort();
        await renewing;
        signal.removeEventListener('abort', onStop);
        this.#leading = false;
      }
      if (signal.aborted) await this.release();
      else logger.warn('lost leadership');
    }
  }

  /** Renews until `renewal` aborts; when it cannot within renewDeadline, ends the term and gives up the lease's validity. */
  async #renew(term: AbortController, renewal: AbortSignal): Promise<void> {
    const { clock, logger } = this.#options;
    while (!renewal.aborted) {
      await clock.sleep(this.#retryMs, renewal).catch(() => undefined);
      if (renewal.aborted) return;
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (error) {
        logger.warn({ err: error }, 'lease renew failed');
      }
      if (!ok && clock.now() - this.#lastRenew >= this.#renewMs) {
        this.#lastRenew = Number.NEGATIVE_INFINITY;
        term.abort();
        return;
      }
    }
  }
}
