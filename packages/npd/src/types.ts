/**
 * The whole vocabulary of the agent, with no Kubernetes imports (NPD's pkg/types).
 * A check emits statuses; a temporary problem is an event, a permanent one a condition.
 * Conversion to V1NodeCondition / CoreV1Event happens only inside the Kubernetes exporter.
 */

export type Severity = 'info' | 'warn';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** Something that happened once: becomes a Kubernetes Event (Warning for `warn`). */
export interface ProblemEvent {
  readonly severity: Severity;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly reason: string;
  readonly message: string;
}

/** A node condition as the agent keeps it; True means "the problem is present". */
export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  /** Milliseconds since the epoch. */
  readonly transition: number;
  readonly reason: string;
  readonly message: string;
}

/** The healthy default of a condition, as NPD configs write it (`conditions: [{type, reason, message}]`). */
export interface ConditionDefault {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
}

/**
 * One report of a check. `conditions` is always the FULL current set owned by `source`,
 * so exporters are idempotent; `events` are only the new ones.
 */
export interface Status {
  readonly source: string;
  readonly events: readonly ProblemEvent[];
  readonly conditions: readonly Condition[];
}

/** A monitor: yields statuses until the signal aborts. */
export interface Check {
  readonly name: string;
  /** NPD's `metricsReporting`: false keeps this check's problems out of problem_counter/problem_gauge. */
  readonly metricsReporting?: boolean;
  run(signal: AbortSignal): AsyncIterable<Status>;
}

/** Where statuses go: the Kubernetes API, stdout, ... */
export interface Exporter {
  readonly name: string;
  export(status: Status): Promise<void>;
  close(): Promise<void>;
}
