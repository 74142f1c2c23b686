import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterClient } from '@ack-npd/testkit';
import { sharedCluster, waitFor } from '@ack-npd/testkit';
import { createEvents } from './cluster-events.ts';
import { EventerProcess } from './eventer-process.ts';

/**
 * The real control plane (testkit's shared cluster) and the eventer as a child process with
 * the given `--sink` flags, for one sink's end-to-end test: create events in a fresh
 * namespace, read what the sink's peer received.
 */
export class SinkE2E {
  #cluster: ClusterClient | undefined;
  #dir = '';
  readonly #processes: EventerProcess[] = [];

  async setup(): Promise<void> {
    this.#cluster = await sharedCluster();
    this.#dir = await mkdtemp(join(tmpdir(), 'eventer-sink-e2e-'));
  }

  get cluster(): ClusterClient {
    if (!this.#cluster) throw new Error('SinkE2E.setup() first');
    return this.#cluster;
  }

  /** Starts an eventer watching a new namespace and shipping to `sinks`; env holds the secrets the URIs reference. */
  async start(
    name: string,
    sinks: readonly string[],
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ namespace: string; eventer: EventerProcess; log: string }> {
    const namespace = await this.cluster.createNamespace(`sink-${name}`);
    const log = join(this.#dir, `${name}.log`);
    const eventer = new EventerProcess(
      [
        `--source=kubernetes:?inClusterConfig=false&auth=${this.cluster.kubeconfigPath}`,
        ...sinks.map((sink) => `--sink=${sink}`),
        `--namespaces=${namespace}`,
        '--frequency=200ms',
        '--healthz-port=0',
        `--spool-dir=${join(this.#dir, `${name}-spool`)}`,
      ],
      log,
      env,
    );
    this.#processes.push(eventer);
    eventer.start();
    const started = async () => (await readFile(log, 'utf8').catch(() => '')).includes('eventer started');
    await waitFor(`the eventer for ${name} started`, async () => !eventer.running || (await started()), { timeoutMs: 150_000 });
    if (!eventer.running) throw new Error(`the eventer for ${name} exited: ${await readFile(log, 'utf8').catch(() => '')}`);
    return { namespace, eventer, log };
  }

  /** Creates events `from..to-1` (`message: "event i"`, every third a Warning) and returns their uids. */
  createEvents(namespace: string, from: number, to: number, concurrency = 4): Promise<string[]> {
    return createEvents(this.cluster, namespace, from, to, concurrency);
  }

  /**
   * Events 0..9, then `restart()` of the peer, then events 10..19: returns once every one of them is
   * accounted for in `texts()` (on its own or inside a rate-limit summary, see tally), or throws
   * naming the missing ones.
   */
  async shipAcrossRestart(
    namespace: string,
    texts: () => readonly string[],
    restart: () => Promise<void>,
  ): Promise<ReturnType<typeof tally>> {
    const all = eventMessages(0, 20);
    const accounted = (upTo: number) => tally(texts(), all.slice(0, upTo)).accounted >= upTo;
    await this.createEvents(namespace, 0, 10);
    await waitFor('the first events', () => accounted(10), { timeoutMs: 90_000 });
    await restart();
    await this.createEvents(namespace, 10, 20);
    await waitFor('every event after the restart', () => accounted(20), {
      timeoutMs: 120_000,
      describe: () => `missing: ${tally(texts(), all).missing.join(', ')}`,
    });
    return tally(texts(), all);
  }

  async teardown(): Promise<void> {
    for (const p of this.#processes) await p.stop('SIGKILL');
    if (this.#dir && !process.env.KEEP_E2E) await rm(this.#dir, { recursive: true, force: true });
  }
}

/** `event 0` … `event n-1`: the messages createEvents gives. */
export function eventMessages(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `event ${from + i}`);
}

/**
 * Accounts chat messages for the expected event messages: each expected one arrived on its own
 * or inside a rate-limit summary ("N events folded ..."). `accounted` is how many expected
 * events the messages stand for; `duplicates` are expected messages that arrived twice.
 */
export function tally(
  texts: readonly string[],
  expected: readonly string[],
): { accounted: number; folded: number; duplicates: string[]; missing: string[] } {
  const wanted = new Set(expected);
  const seen = new Map<string, number>();
  let folded = 0;
  for (const text of texts) {
    const summary = /(\d+) events folded/.exec(text);
    if (summary) folded += Number(summary[1]);
    else if (wanted.has(text)) seen.set(text, (seen.get(text) ?? 0) + 1);
  }
  return {
    accounted: seen.size + folded,
    folded,
    duplicates: [...seen].filter(([, n]) => n > 1).map(([text]) => text),
    missing: expected.filter((text) => !seen.has(text)),
  };
}
