import { Counter, Gauge, Histogram, type Registry } from '@ack-npd/core/prom-lite';

/** The agent's metrics, on an injected registry; names follow NPD (problem_counter, problem_gauge). */
export interface NpdMetrics {
  readonly registry: Registry;
  /** A problem was detected (a Warning event: a temporary problem or a condition turning True). */
  countProblem(reason: string): void;
  /** Current state of a condition: 1 for the current reason when True, every other reason of the type removed. */
  setProblemGauge(type: string, reason: string, active: boolean): void;
  readonly checkDuration: Histogram<'check'>;
  readonly checkErrors: Counter<'check'>;
  readonly nodeStatusPatches: Counter<'result'>;
  readonly events: Counter<'result'>;
  readonly eventsDropped: Counter<'cause'>;
}

export function createNpdMetrics(registry: Registry): NpdMetrics {
  const problemCounter = new Counter({
    name: 'problem_counter',
    help: 'Number of times a specific type of problem has occurred.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const problemGauge = new Gauge({
    name: 'problem_gauge',
    help: 'Whether a specific type of problem is affecting the node or not.',
    labelNames: ['type', 'reason'],
    registers: [registry],
  });
  const reasons = new Map<string, Set<string>>();
  return {
    registry,
    countProblem: (reason) => problemCounter.inc({ reason }),
    setProblemGauge(type, reason, active) {
      const known = reasons.get(type) ?? new Set<string>();
      reasons.set(type, known);
      for (const old of known) if (old !== reason) problemGauge.remove({ type, reason: old });
      known.clear();
      known.add(reason);
      problemGauge.set({ type, reason }, active ? 1 : 0);
    },
    checkDuration: new Histogram({
      name: 'npd_check_duration_seconds',
      help: 'Duration of one run of a built-in check.',
      labelNames: ['check'],
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    checkErrors: new Counter({
      name: 'npd_check_errors_total',
      help: 'Check runs that failed (error, timeout, unavailable source, monitor crash).',
      labelNames: ['check'],
      registers: [registry],
    }),
    nodeStatusPatches: new Counter({
      name: 'npd_k8s_exporter_node_status_patches_total',
      help: 'PATCHes of nodes/{name}/status sent by the Kubernetes exporter, by result.',
      labelNames: ['result'],
      registers: [registry],
    }),
    events: new Counter({
      name: 'npd_k8s_exporter_events_total',
      help: 'Event writes by the Kubernetes exporter, by result (created, updated, failed).',
      labelNames: ['result'],
      registers: [registry],
    }),
    eventsDropped: new Counter({
      name: 'npd_k8s_exporter_events_dropped_total',
      help: 'Events not written, by cause (spam_filter, queue_full, api_error).',
      labelNames: ['cause'],
      registers: [registry],
    }),
  };
}
