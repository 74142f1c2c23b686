import { ConfigError } from '@ack-npd/core';
import { isClusterScoped } from './normalize.ts';
import type { KubeEvent } from './types.ts';

/**
 * What an event must look like to pass. Every field is optional; empty means "any".
 * Plain data, so it maps 1:1 onto YAML and onto kube-eventer's sink URI options.
 */
export interface FilterSpec {
  /**
   * kube-eventer semantics: "Warning" ships Warning only, "Normal" (or unset) ships all.
   * Any other value ships events of exactly that type.
   */
  readonly level?: string;
  readonly namespaces?: readonly string[];
  /**
   * Whether events about cluster-scoped objects (Node, PersistentVolume, ...) are subject
   * to `namespaces`. Default false: a namespace filter never drops Node events
   * (kube-eventer #238 dropped them).
   */
  readonly namespacesApplyToClusterScoped?: boolean;
  readonly kinds?: readonly string[];
  /** Regexes on the reason; one match is enough. */
  readonly reasons?: readonly RegExp[];
  /** Regexes on the message; one match is enough. */
  readonly messages?: readonly RegExp[];
  /** Regexes on the involved object name; one match is enough. */
  readonly names?: readonly RegExp[];
  /** Regexes on source.component. */
  readonly components?: readonly RegExp[];
  /** "added" (a new event) and/or "updated" (a count bump or other change of a shipped one). */
  readonly changes?: readonly ('added' | 'updated')[];
  /** Labels on the Event object, each must equal (an empty value means "present"). */
  readonly labels?: Readonly<Record<string, string>>;
}

export function matchesFilter(filter: FilterSpec, event: KubeEvent): boolean {
  const level = filter.level;
  if (level !== undefined && level !== '' && level !== 'Normal') {
    if (event.type !== level) return false;
  }
  if (filter.namespaces && filter.namespaces.length > 0) {
    const exempt = isClusterScoped(event) && !filter.namespacesApplyToClusterScoped;
    if (!exempt && !filter.namespaces.includes(event.namespace)) return false;
  }
  if (filter.kinds && filter.kinds.length > 0 && !filter.kinds.includes(event.involvedObject.kind)) return false;
  if (filter.changes && filter.changes.length > 0 && !filter.changes.includes(event.change)) return false;
  if (!anyMatch(filter.reasons, event.reason)) return false;
  if (!anyMatch(filter.messages, event.message)) return false;
  if (!anyMatch(filter.names, event.involvedObject.name)) return false;
  if (!anyMatch(filter.components, event.source.component)) return false;
  if (filter.labels) {
    const labels = event.raw.metadata?.labels ?? {};
    for (const [key, value] of Object.entries(filter.labels)) {
      if (!(key in labels)) return false;
      if (value !== '' && labels[key] !== value) return false;
    }
  }
  return true;
}

function anyMatch(patterns: readonly RegExp[] | undefined, text: string): boolean {
  if (!patterns || patterns.length === 0) return true;
  return patterns.some((pattern) => pattern.test(text));
}

/** Splits kube-eventer's repeatable/comma-separated list options (`namespaces=a,b&namespaces=c`). */
export function listOption(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

/**
 * The filter options kube-eventer's chat/webhook sinks take in their URI:
 * level, namespaces, kinds (csv), reason (regex; webhook). Throws ConfigError naming the sink.
 */
export function filterFromQuery(sinkName: string, query: URLSearchParams): FilterSpec {
  const level = query.get('level') ?? undefined;
  if (level !== undefined && !['Normal', 'Warning', ''].includes(level)) {
    throw new ConfigError(`--sink=${sinkName}`, [{ path: `${sinkName}?level`, message: `must be Normal or Warning, got "${level}"` }]);
  }
  const reasons: RegExp[] = [];
  for (const text of query.getAll('reason')) {
    try {
      reasons.push(new RegExp(text));
    } catch (error) {
      throw new ConfigError(`--sink=${sinkName}`, [
        { path: `${sinkName}?reason`, message: `invalid regular expression: ${(error as Error).message}` },
      ]);
    }
  }
  return {
    ...(level ? { level } : {}),
    namespaces: listOption(query, 'namespaces'),
    kinds: listOption(query, 'kinds'),
    reasons,
  };
}
