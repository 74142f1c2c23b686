import { readFile } from 'node:fs/promises';
import type { KubeClient } from '@ack-npd/core/kube-lite';

/** CPU seconds (user + system) and memory of a process, from /proc. */
export interface ProcStats {
  readonly cpu: number;
  readonly rssKiB: number;
  /** Peak RSS over the process's life (VmHWM). */
  readonly hwmKiB: number;
}

// getconf CLK_TCK: 100 on every Linux architecture Node supports.
const TICKS = 100;

export async function procStats(pid: number): Promise<ProcStats | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { cpu: (Number(fields[11]) + Number(fields[12])) / TICKS, rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
  } catch {
    return undefined; // exited
  }
}

/** RSS over a window: peak, average, lowest, and every sample (ms since the epoch, KiB). */
export interface RssWindow {
  readonly peakMiB: number;
  readonly averageMiB: number;
  readonly minMiB: number;
  readonly samples: readonly (readonly [number, number])[];
}

/** Samples a process's RSS every `everyMs`; `mark()` starts a new window for peak and average. */
export class RssSampler {
  readonly #pid: () => number | undefined;
  readonly #timer: NodeJS.Timeout;
  #peakKiB = 0;
  #sumKiB = 0;
  #samples: [number, number][] = [];

  constructor(pid: () => number | undefined, everyMs = 250) {
    this.#pid = pid;
    this.#timer = setInterval(async () => {
      const id = this.#pid();
      const stats = id === undefined ? undefined : await procStats(id);
      if (!stats || !Number.isFinite(stats.rssKiB)) return;
      this.#peakKiB = Math.max(this.#peakKiB, stats.rssKiB);
      this.#sumKiB += stats.rssKiB;
      this.#samples.push([Date.now(), stats.rssKiB]);
    }, everyMs);
    this.#timer.unref();
  }

  /** RSS since the last mark, and starts a new window. */
  mark(): RssWindow {
    const samples = this.#samples;
    const result = {
      peakMiB: this.#peakKiB / 1024,
      averageMiB: samples.length ? this.#sumKiB / samples.length / 1024 : 0,
      minMiB: samples.length ? samples.reduce((low, [, kib]) => Math.min(low, kib), Number.POSITIVE_INFINITY) / 1024 : 0,
      samples,
    };
    this.#peakKiB = 0;
    this.#sumKiB = 0;
    this.#samples = [];
    return result;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

export interface PostedEvent {
  readonly name: string;
  /** Date.now() just before the create was sent. */
  readonly createdAt: number;
}

/**
 * Creates `count` core/v1 Events named `${prefix}-${i}.<hex>` in `namespace` through one
 * keep-alive client, `concurrency` requests at a time, optionally paced to `perSecond`.
 * A create whose answer was lost (apiserver restart) is retried; 409 means it exists.
 */
export async function postEvents(
  kube: KubeClient,
  namespace: string,
  options: {
    prefix: string;
    count: number;
    concurrency?: number;
    perSecond?: number;
    message?: (i: number) => string;
    /** Every event a Warning (default: every third). */
    warning?: boolean;
  },
): Promise<PostedEvent[]> {
  const posted: PostedEvent[] = new Array(options.count);
  const start = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      const i = next++;
      if (options.perSecond) {
        const due = start + (i * 1000) / options.perSecond;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      const createdAt = Date.now();
      const name = `${options.prefix}-${i}.${createdAt.toString(16)}`;
      const now = new Date(createdAt).toISOString();
      const body = {
        metadata: { name },
        involvedObject: { kind: 'Pod', name: `${options.prefix}-pod-${i % 500}`, namespace, apiVersion: 'v1' },
        reason: options.warning || i % 3 === 0 ? 'BackOff' : 'Started',
        message: options.message?.(i) ?? `bench event ${i}`,
        type: options.warning || i % 3 === 0 ? 'Warning' : 'Normal',
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: 'bench' },
      };
      for (let attempt = 0; ; attempt++) {
        try {
          await kube.request({ method: 'POST', path: `/api/v1/namespaces/${namespace}/events`, body });
          break;
        } catch (error) {
          if ((error as { status?: number }).status === 409) break;
          if (attempt > 300) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      posted[i] = { name, createdAt };
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  return posted;
}

/** p-th percentile (0..100) of numbers, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
