import { readFileSync } from 'node:fs';

/**
 * Prometheus metrics without prom-client (which costs ~11 MiB of RSS in a bundle and, with its
 * default metrics, an event-loop-delay monitor waking the process 100 times a second): counters,
 * gauges and histograms with the prom-client calls the agent uses, rendered in the text format
 * only when /metrics is scraped. Process metrics are read on scrape too.
 */

type LabelValues<L extends string> = Partial<Record<L, string | number>>;

interface Collectable {
  readonly name: string;
  render(): string;
}

export class Registry {
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  readonly #metrics = new Map<string, Collectable>();

  register(metric: Collectable): void {
    if (this.#metrics.has(metric.name)) throw new Error(`metric ${metric.name} is already registered`);
    this.#metrics.set(metric.name, metric);
  }

  async metrics(): Promise<string> {
    return [...this.#metrics.values()].map((m) => m.render()).join('\n');
  }
}

interface MetricOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  readonly registers?: readonly Registry[];
}

abstract class Metric<L extends string, V> implements Collectable {
  readonly name: string;
  readonly #help: string;
  readonly #type: string;
  readonly #labelNames: readonly L[];
  protected readonly series = new Map<string, { labels: string; value: V }>();

  constructor(options: MetricOptions<L>, type: string) {
    this.name = options.name;
    this.#help = options.help;
    this.#type = type;
    this.#labelNames = options.labelNames ?? [];
    for (const registry of options.registers ?? []) registry.register(this);
  }

  protected entry(labels: LabelValues<L> | undefined, initial: () => V): { labels: string; value: V } {
    const rendered = this.#labelNames
      .filter((name) => labels?.[name] !== undefined)
      .map((name) => `${name}="${escapeLabel(String(labels?.[name]))}"`)
      .join(',');
    let entry = this.series.get(rendered);
    if (!entry) {
      entry = { labels: rendered, value: initial() };
      this.series.set(rendered, entry);
    }
    return entry;
  }

  remove(labels: LabelValues<L>): void {
    const key = this.entry(labels, () => undefined as V).labels;
    this.series.delete(key);
  }

  render(): string {
    const head = `# HELP ${this.name} ${this.#help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}\n# TYPE ${this.name} ${this.#type}\n`;
    const lines: string[] = [];
    if (this.series.size === 0 && this.#labelNames.length === 0) this.entry(undefined, () => this.zero());
    for (const { labels, value } of this.series.values()) this.renderSeries(lines, labels, value);
    return head + lines.join('');
  }

  protected abstract zero(): V;
  protected abstract renderSeries(lines: string[], labels: string, value: V): void;
}

export class Counter<L extends string = string> extends Metric<L, number> {
  constructor(options: MetricOptions<L>) {
    super(options, 'counter');
  }

  inc(labels?: LabelValues<L> | number, value = 1): void {
    if (typeof labels === 'number') {
      this.inc(undefined, labels);
      return;
    }
    if (!(value >= 0)) throw new Error(`${this.name}: a counter only goes up (got ${value})`);
    this.entry(labels, () => 0).value += value;
  }

  protected zero(): number {
    return 0;
  }

  protected renderSeries(lines: string[], labels: string, value: number): void {
    lines.push(sample(this.name, labels, value));
  }
}

export class Gauge<L extends string = string> extends Metric<L, number> {
  constructor(options: MetricOptions<L>) {
    super(options, 'gauge');
  }

  set(labels: LabelValues<L> | number, value?: number): void {
    if (typeof labels === 'number') this.entry(undefined, () => 0).value = labels;
    else this.entry(labels, () => 0).value = value ?? 0;
  }

  inc(labels?: LabelValues<L>, value = 1): void {
    this.entry(labels, () => 0).value += value;
  }

  dec(labels?: LabelValues<L>, value = 1): void {
    this.entry(labels, () => 0).value -= value;
  }

  protected zero(): number {
    return 0;
  }

  protected renderSeries(lines: string[], labels: string, value: number): void {
    lines.push(sample(this.name, labels, value));
  }
}

interface HistogramValue {
  readonly counts: number[];
  sum: number;
  count: number;
}

export class Histogram<L extends string = string> extends Metric<L, HistogramValue> {
  readonly #buckets: readonly number[];

  constructor(options: MetricOptions<L> & { readonly buckets?: readonly number[] }) {
    super(options, 'histogram');
    this.#buckets = [...(options.buckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])].sort((a, b) => a - b);
  }

  observe(labels: LabelValues<L> | number, value?: number): void {
    if (typeof labels === 'number') {
      this.observe({}, labels);
      return;
    }
    const v = value ?? 0;
    const entry = this.entry(labels, () => this.zero()).value;
    const index = this.#buckets.findIndex((bound) => v <= bound);
    if (index >= 0) entry.counts[index] = (entry.counts[index] ?? 0) + 1;
    entry.sum += v;
    entry.count++;
  }

  protected zero(): HistogramValue {
    return { counts: this.#buckets.map(() => 0), sum: 0, count: 0 };
  }

  protected renderSeries(lines: string[], labels: string, value: HistogramValue): void {
    let cumulative = 0;
    const le = (bound: string): string => (labels ? `le="${bound}",${labels}` : `le="${bound}"`);
    this.#buckets.forEach((bound, i) => {
      cumulative += value.counts[i] ?? 0;
      lines.push(sample(`${this.name}_bucket`, le(String(bound)), cumulative));
    });
    lines.push(sample(`${this.name}_bucket`, le('+Inf'), value.count));
    lines.push(sample(`${this.name}_sum`, labels, value.sum));
    lines.push(sample(`${this.name}_count`, labels, value.count));
  }
}

/** A fresh registry, with process_* metrics (read on scrape) unless `defaultMetrics: false`. */
export function createRegistry(options: { prefix?: string; defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) registerProcessMetrics(registry, options.prefix);
  return registry;
}

/** process_* metrics (CPU, resident memory, start time), read from the process when scraped. */
export function registerProcessMetrics(registry: Registry, prefix = ''): void {
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  const gauge = (name: string, help: string, type: string, read: () => number): void =>
    registry.register({
      name: prefix + name,
      render: () => `# HELP ${prefix}${name} ${help}\n# TYPE ${prefix}${name} ${type}\n${sample(prefix + name, '', read())}`,
    });
  gauge('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', 'counter', () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  });
  gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', 'gauge', residentBytes);
  gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', 'gauge', () => startSeconds);
}

function residentBytes(): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match?.[1]) return Number(match[1]) * 1024;
  } catch {
    // not Linux: fall back to Node's own figure
  }
  return process.memoryUsage.rss();
}

function sample(name: string, labels: string, value: number): string {
  const text = Number.isNaN(value) ? 'NaN' : value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : String(value);
  return labels ? `${name}{${labels}} ${text}\n` : `${name} ${text}\n`;
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}
