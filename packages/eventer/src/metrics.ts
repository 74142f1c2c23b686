import { Counter, Gauge, type Registry } from '@ack-npd/core/metrics';

export interface EventerMetrics {
  readonly events: Counter<'change'>;
  readonly deduped: Counter;
  readonly sent: Counter<'sink'>;
  readonly failures: Counter<'sink'>;
  readonly retries: Counter<'sink'>;
  readonly dropped: Counter<'sink' | 'cause'>;
  readonly spooled: Counter<'sink'>;
  readonly folded: Counter<'sink'>;
  readonly queueDepth: Gauge<'sink'>;
  readonly spoolDepth: Gauge<'sink'>;
  readonly lag: Gauge<'sink'>;
  readonly checkpoints: Counter<'result'>;
  readonly leader: Gauge;
  /** Sink workers register how to compute their lag; it is read at every scrape. */
  readonly lagSources: Map<string, () => number>;
}

export function createEventerMetrics(registry: Registry): EventerMetrics {
  const registers = [registry];
  const lagSources = new Map<string, () => number>();
  return {
    lagSources,
    events: new Counter({
      name: 'eventer_events_total',
      help: 'Events received from the apiserver and dispatched (after dedupe), by change (added/updated).',
      labelNames: ['change'],
      registers,
    }),
    deduped: new Counter({
      name: 'eventer_events_deduplicated_total',
      help: 'Events seen again (relist, watch replay) and not shipped twice.',
      registers,
    }),
    sent: new Counter({ name: 'eventer_sink_sent_total', help: 'Events a sink accepted.', labelNames: ['sink'], registers }),
    failures: new Counter({ name: 'eventer_sink_failures_total', help: 'Failed send attempts.', labelNames: ['sink'], registers }),
    retries: new Counter({
      name: 'eventer_sink_retries_total',
      help: 'Send attempts retried after a retryable error.',
      labelNames: ['sink'],
      registers,
    }),
    dropped: new Counter({
      name: 'eventer_events_dropped_total',
      help: 'Events a sink will never receive, by cause (rejected, queue_full, spool_full, shutdown).',
      labelNames: ['sink', 'cause'],
      registers,
    }),
    spooled: new Counter({
      name: 'eventer_sink_spooled_total',
      help: 'Events written to the on-disk spool.',
      labelNames: ['sink'],
      registers,
    }),
    folded: new Counter({
      name: 'eventer_sink_folded_total',
      help: 'Events folded into summaries because of the rate limit.',
      labelNames: ['sink'],
      registers,
    }),
    queueDepth: new Gauge({ name: 'eventer_sink_queue_depth', help: 'Events in the in-memory queue.', labelNames: ['sink'], registers }),
    spoolDepth: new Gauge({ name: 'eventer_sink_spool_depth', help: 'Events in the on-disk spool.', labelNames: ['sink'], registers }),
    lag: new Gauge({
      name: 'eventer_sink_lag_seconds',
      help: 'Age of the oldest event the sink has not accepted yet (0 when caught up).',
      labelNames: ['sink'],
      registers,
      collect() {
        for (const [sink, lag] of lagSources) this.set({ sink }, lag());
      },
    }),
    checkpoints: new Counter({
      name: 'eventer_checkpoint_saves_total',
      help: 'Checkpoint writes by result.',
      labelNames: ['result'],
      registers,
    }),
    leader: new Gauge({ name: 'eventer_leader', help: '1 while this replica is the leader (or leader election is off).', registers }),
  };
}
