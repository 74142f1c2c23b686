import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '@ack-npd/core';
import type { KubeClient } from '@ack-npd/core/kube-lite';
import { type CheckpointStore, ConfigMapCheckpointStore, FileCheckpointStore } from './checkpoint.ts';
import type { EventerConfig } from './config.ts';
import { SinkWorker } from './delivery.ts';
import { ShippedJournal } from './journal.ts';
import { LeaderElector } from './leader.ts';
import type { EventerMetrics } from './metrics.ts';
import { Pipeline } from './pipeline.ts';
import { bumpWindowFor } from './sinks/index.ts';
import { KubeEventSource } from './source.ts';
import { Spool } from './spool.ts';
import type { Sink } from './types.ts';

export function checkpointStore(spec: string, kube: KubeClient): CheckpointStore | undefined {
  if (spec === 'none') return undefined;
  if (spec.startsWith('file:')) return new FileCheckpointStore(spec.slice('file:'.length));
  const [namespace, name] = spec.slice('configmap:'.length).split('/') as [string, string];
  return new ConfigMapCheckpointStore({ kube, namespace, name });
}

/** The sink with its rate limit overridden from the config file. */
function withPerMinute(sink: Sink, perMinute: number): Sink {
  return {
    name: sink.name,
    limits: { ...sink.limits, perMinute },
    ...(sink.filter ? { filter: sink.filter } : {}),
    ...(sink.fold ? { fold: sink.fold.bind(sink) } : {}),
    ...(sink.chat !== undefined ? { chat: sink.chat } : {}),
    send: (batch, signal) => sink.send(batch, signal),
    close: () => sink.close(),
  };
}

export interface EventerDeps {
  readonly config: EventerConfig;
  readonly kube: KubeClient;
  readonly sinks: readonly Sink[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: EventerMetrics;
}

/**
 * The running eventer: sinks are built once (a follower is warm: client and sinks ready);
 * each leadership term loads the checkpoint (after the lease is won, never a cached one),
 * claims it with a conditional write, lists/watches from it and delivers. At the end of a
 * term it stops sending at once, lets in-flight sends finish and, while the lease is still
 * held (the elector keeps renewing until this returns), saves the final checkpoint; only
 * then is the lease released. A replica that lost the lease writes nothing: its conditional
 * write could not land over the new leader's claim anyway.
 */
export class Eventer {
  readonly #deps: EventerDeps;
  readonly #store: CheckpointStore | undefined;
  #source: KubeEventSource | undefined;
  #workers: SinkWorker[] = [];
  #elector: LeaderElector | undefined;
  #leading = false;
  /** Between terms: drains what this replica spooled (already checkpointed) to its sinks. */
  #drain: { stop: AbortController; running: Promise<unknown> } | undefined;

  constructor(deps: EventerDeps) {
    this.#deps = deps;
    this.#store = checkpointStore(deps.config.checkpoint, deps.kube);
  }

  /** /readyz: why this replica is not ready, or undefined. A warm follower is ready. */
  readiness(): string | undefined {
    if (!this.#leading) return undefined;
    const status = this.#source?.status;
    if (!status?.healthy) return 'event watch not established';
    for (const worker of this.#workers) {
      const problem = worker.problem();
      if (problem) return problem;
    }
    return undefined;
  }

  get leading(): boolean {
    return this.#leading;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { config, kube, clock, logger, metrics } = this.#deps;
    if (!config.leaderElect) {
      metrics.leader.set(1);
      await this.#term(signal);
      return;
    }
    metrics.leader.set(0);
    this.#elector = new LeaderElector({
      kube,
      namespace: config.leaseNamespace,
      name: config.leaseName,
      identity: config.identity,
      leaseDurationMs: config.leaseDurationMs,
      renewDeadlineMs: config.renewDeadlineMs,
      retryPeriodMs: config.retryPeriodMs,
      clock,
      logger: logger.child({ component: 'leader' }),
    });
    await this.#elector.run(signal, async (leadership) => {
      metrics.leader.set(1);
      try {
        await this.#term(leadership);
      } finally {
        metrics.leader.set(0);
      }
    });
  }

  async #term(signal: AbortSignal): Promise<void> {
    const { config, kube, clock, logger, metrics, sinks } = this.#deps;
    await this.#stopDrain();
    const checkpoint = await this.#loadCheckpoint(signal);
    if (signal.aborted) return;
    logger.info(
      {
        checkpoint: this.#store?.description ?? 'none',
        resourceVersion: checkpoint?.resourceVersion ?? '',
        shipped: checkpoint?.shipped.length ?? 0,
      },
      'starting event shipping',
    );
    const journal = config.spoolDir && this.#store ? new ShippedJournal(join(config.spoolDir, 'shipped.journal')) : undefined;
    if (journal) await mkdir(config.spoolDir as string, { recursive: true });
    const journalEntries = (await journal?.load()) ?? [];
    const workers: SinkWorker[] = [];
    let pipeline: Pipeline | undefined;
    const onDone = (seqs: readonly number[]) => pipeline?.done(seqs);
    for (const sink of sinks) {
      const plan = config.sinks.find((p) => p.spec.name === sink.name);
      let spool: Spool | undefined;
      if (config.spoolDir) {
        const dir = join(config.spoolDir, sink.name);
        await mkdir(dir, { recursive: true });
        spool = new Spool({ dir, maxBytes: Math.floor(config.spoolMaxBytes / Math.max(1, sinks.length)) });
        await spool.open();
      }
      const effective: Sink = plan?.perMinute ? withPerMinute(sink, plan.perMinute) : sink;
      workers.push(
        new SinkWorker({
          sink: effective,
          routes: [...(config.route ? [config.route] : []), ...(plan?.route ? [plan.route] : [])],
          clock,
          logger,
          metrics,
          ...(spool ? { spool } : {}),
          onDone,
          delivery: {
            queueSize: config.queueSize,
            maxBatch: config.maxBatch,
            flushMs: config.frequencyMs,
            maxRetries: config.maxRetries,
            sendTimeoutMs: config.sendTimeoutMs,
            ...(plan?.repeatWindowMs ? { repeatWindowMs: plan.repeatWindowMs } : {}),
            bumpWindowMs: bumpWindowFor(sink, plan?.spec.key ?? '', plan?.bumpWindowMs),
          },
        }),
      );
    }
    // Another replica wrote the checkpoint since we read it: it leads; stop shipping now.
    const fenced = new AbortController();
    const ended = AbortSignal.any([signal, fenced.signal]);
    pipeline = new Pipeline({
      onConflict: () => {
        if (!fenced.signal.aborted) logger.warn('checkpoint taken over by another replica: stopping event shipping');
        fenced.abort();
      },
      workers,
      ...(this.#store ? { store: this.#store } : {}),
      ...(checkpoint ? { checkpoint } : {}),
      clock,
      logger,
      metrics,
      writer: config.identity,
      ttlMs: config.eventTtlMs,
      maxEntries: config.maxShipped,
      ...(journal ? { journal, journalEntries } : {}),
    });
    const source = new KubeEventSource({
      kube,
      namespaces: config.namespaces,
      resourceVersion: checkpoint?.resourceVersion ?? '',
      clock,
      logger: logger.child({ component: 'source' }),
    });
    this.#source = source;
    this.#workers = workers;
    this.#leading = true;
    // Workers stop taking new batches the moment the term ends (a send in flight finishes).
    const stopWorkers = new AbortController();
    const stopSaver = new AbortController();
    // The claim: a write conditional on what we loaded, so a late write of the previous leader fails.
    if (this.#elector) await pipeline.save();
    const running = workers.map((worker) => worker.run(AbortSignal.any([ended, stopWorkers.signal])));
    const saver = pipeline.runSaver(stopSaver.signal);
    try {
      if (!ended.aborted) await pipeline.consume(source.run(ended));
    } catch (error) {
      if (!ended.aborted) logger.error({ err: error }, 'event source failed');
    } finally {
      // Stop in order: no new sends; in-flight sends finish (bounded by the send timeout) and
      // are acknowledged; what is left in memory is not (the next leader reads it again); the
      // checkpoint records what was acknowledged.
      stopWorkers.abort();
      const grace = new AbortController();
      await Promise.race([Promise.all(running), clock.sleep(10_000, grace.signal).catch(() => undefined)]);
      grace.abort();
      await Promise.all(workers.map((worker) => worker.flush()));
      stopSaver.abort();
      await saver;
      // After losing the lease another replica may already be writing the checkpoint.
      if (fenced.signal.aborted) logger.warn('not writing the final checkpoint: another replica took it over');
      else if (!this.#elector || this.#elector.leaseValid) await pipeline.save();
      else
        logger.warn('lease lost before the final checkpoint: not writing it (the new leader resends what was shipped since the last save)');
      this.#leading = false;
      this.#startDrain(workers);
      logger.info({ resourceVersion: pipeline.resourceVersion }, 'stopped event shipping');
      // Fenced while holding the lease (another writer of the same ConfigMap): the next term
      // re-reads it; not at once, so two misconfigured writers do not spin.
      if (fenced.signal.aborted) await clock.sleep(config.retryPeriodMs, signal).catch(() => undefined);
    }
  }

  #startDrain(workers: readonly SinkWorker[]): void {
    const spooled = workers.filter((worker) => worker.spooled > 0);
    if (spooled.length === 0) return;
    const stop = new AbortController();
    this.#deps.logger.info({ sinks: spooled.map((worker) => worker.name) }, 'draining spool while not leading');
    this.#drain = { stop, running: Promise.all(spooled.map((worker) => worker.run(stop.signal))) };
  }

  async #stopDrain(): Promise<void> {
    const drain = this.#drain;
    this.#drain = undefined;
    if (!drain) return;
    drain.stop.abort();
    await drain.running;
  }

  async #loadCheckpoint(signal: AbortSignal) {
    const store = this.#store;
    if (!store) return undefined;
    let attempt = 0;
    while (!signal.aborted) {
      try {
        return await store.load();
      } catch (error) {
        this.#deps.logger.warn({ err: error, store: store.description }, 'checkpoint load failed: retrying');
        await this.#deps.clock.sleep(Math.min(30_000, 500 * 2 ** attempt++), signal).catch(() => undefined);
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.#stopDrain();
    await Promise.all(this.#deps.sinks.map((sink) => sink.close().catch(() => undefined)));
  }
}
