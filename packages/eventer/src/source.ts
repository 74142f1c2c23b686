import type { Clock, Logger } from '@ack-npd/core';
import type { KubeClient } from '@ack-npd/core/kube-lite';
import type { CoreV1Event } from '@kubernetes/client-node';
import { retryDelay } from './backoff.ts';
import { KubeApiError, ResourceExpiredError } from './errors.ts';
import { kubeJson, kubeStream } from './kube-http.ts';
import { normalizeEvent } from './normalize.ts';
import type { KubeEvent } from './types.ts';

/** What the source yields: events, and points where the stream is known complete up to a resourceVersion. */
export type SourceItem =
  | { readonly type: 'event'; readonly event: KubeEvent }
  /** Every event up to `resourceVersion` has been yielded (end of a list, a bookmark). */
  | { readonly type: 'sync'; readonly resourceVersion: string; readonly relisted: boolean };

export interface SourceStatus {
  /** A watch is open (or a list is running) and the apiserver answered recently. */
  readonly healthy: boolean;
  readonly lastContact: number;
  readonly resourceVersion: string;
  readonly relists: number;
}

export interface EventSourceOptions {
  readonly kube: KubeClient;
  /** Namespaces to watch; empty = all. One namespace is watched directly, several are filtered client-side. */
  readonly namespaces?: readonly string[];
  /** Resume point (a checkpoint); empty = list first. */
  readonly resourceVersion?: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** List page size (memory stays flat: one page at a time, no informer cache). */
  readonly pageSize?: number;
  /** Server-side watch timeout; the watch is reopened from the last resourceVersion after it. */
  readonly watchTimeoutSeconds?: number;
}

/**
 * list+watch of core/v1 Events with resourceVersion and bookmarks. Resumes from the given
 * resourceVersion; on 410 Gone (too old) relists. No cache: the pipeline dedupes with the
 * shipped index, so memory does not grow with the number of events in the cluster.
 */
export class KubeEventSource {
  readonly #options: EventSourceOptions;
  #resourceVersion: string;
  #healthy = false;
  #lastContact = 0;
  #relists = 0;

  constructor(options: EventSourceOptions) {
    this.#options = options;
    this.#resourceVersion = options.resourceVersion ?? '';
  }

  get status(): SourceStatus {
    return {
      healthy: this.#healthy,
      lastContact: this.#lastContact,
      resourceVersion: this.#resourceVersion,
      relists: this.#relists,
    };
  }

  #basePath(): string {
    const namespaces = this.#options.namespaces ?? [];
    return namespaces.length === 1 ? `/api/v1/namespaces/${encodeURIComponent(namespaces[0] as string)}/events` : '/api/v1/events';
  }

  #wanted(raw: CoreV1Event): boolean {
    const namespaces = this.#options.namespaces ?? [];
    return namespaces.length <= 1 || namespaces.includes(raw.metadata?.namespace ?? '');
  }

  async *run(signal: AbortSignal): AsyncGenerator<SourceItem> {
    const { clock, logger } = this.#options;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (this.#resourceVersion === '') {
          yield* this.#list(signal);
        }
        yield* this.#watch(signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        this.#healthy = false;
        if (error instanceof ResourceExpiredError) {
          logger.warn({ resourceVersion: this.#resourceVersion }, 'watch resourceVersion too old (410 Gone): relisting');
          this.#resourceVersion = '';
          this.#relists++;
          continue;
        }
        const delay = retryDelay(failures++, undefined, { initialMs: 250, maxMs: 30_000 });
        logger.warn({ err: error, delayMs: delay }, 'event watch failed: retrying');
        try {
          await clock.sleep(delay, signal);
        } catch {
          return;
        }
      }
    }
  }

  async *#list(signal: AbortSignal): AsyncGenerator<SourceItem> {
    const pageSize = this.#options.pageSize ?? 500;
    let token = '';
    let listRv = '';
    for (;;) {
      const query = new URLSearchParams({ limit: String(pageSize) });
      if (token) query.set('continue', token);
      let page: { metadata?: { resourceVersion?: string; continue?: string }; items?: CoreV1Event[] };
      try {
        page = await kubeJson(this.#options.kube, `${this.#basePath()}?${query}`, { signal });
      } catch (error) {
        // The continue token expired mid-list: start over.
        if (error instanceof KubeApiError && error.status === 410) {
          token = '';
          continue;
        }
        throw error;
      }
      this.#lastContact = this.#options.clock.now();
      this.#healthy = true;
      // A paginated list is consistent at the first page's resourceVersion.
      if (!listRv) listRv = page.metadata?.resourceVersion ?? '';
      const now = this.#options.clock.now();
      for (const raw of page.items ?? []) {
        if (this.#wanted(raw)) yield { type: 'event', event: normalizeEvent(raw, 'added', now) };
      }
      token = page.metadata?.continue ?? '';
      if (!token) break;
    }
    this.#resourceVersion = listRv;
    yield { type: 'sync', resourceVersion: listRv, relisted: true };
  }

  async *#watch(signal: AbortSignal): AsyncGenerator<SourceItem> {
    const timeout = this.#options.watchTimeoutSeconds ?? 300;
    const query = new URLSearchParams({
      watch: '1',
      allowWatchBookmarks: 'true',
      resourceVersion: this.#resourceVersion,
      timeoutSeconds: String(timeout),
    });
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    // Client-side guard against a silently dead connection (bookmarks arrive about every minute).
    let timer: NodeJS.Timeout | undefined;
    let response: Awaited<ReturnType<typeof kubeStream>> | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new Error('watch idle')), (timeout + 30) * 1000);
      timer.unref();
    };
    try {
      arm();
      try {
        response = await kubeStream(this.#options.kube, `${this.#basePath()}?${query}`, controller.signal);
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 410) throw new ResourceExpiredError('410 Gone');
        throw error;
      }
      this.#healthy = true;
      this.#lastContact = this.#options.clock.now();
      const body = response;
      // One watch event a line; only the unfinished tail is kept between chunks.
      const lines = async function* (): AsyncGenerator<string> {
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of body as AsyncIterable<Buffer>) {
          buffer += decoder.decode(chunk, { stream: true });
          let start = 0;
          let newline = buffer.indexOf('\n');
          while (newline >= 0) {
            yield buffer.slice(start, newline);
            start = newline + 1;
            newline = buffer.indexOf('\n', start);
          }
          buffer = buffer.slice(start);
        }
        if (buffer.trim() !== '') yield buffer;
      };
      for await (const line of lines()) {
        if (line === '') continue;
        arm();
        this.#lastContact = this.#options.clock.now();
        const item = JSON.parse(line) as { type: string; object: CoreV1Event & { code?: number; message?: string } };
        switch (item.type) {
          case 'ADDED':
          case 'MODIFIED': {
            const raw = item.object;
            const rv = raw.metadata?.resourceVersion ?? '';
            if (this.#wanted(raw)) {
              yield { type: 'event', event: normalizeEvent(raw, item.type === 'ADDED' ? 'added' : 'updated', this.#options.clock.now()) };
            }
            if (rv) {
              this.#resourceVersion = rv;
              yield { type: 'sync', resourceVersion: rv, relisted: false };
            }
            break;
          }
          case 'BOOKMARK': {
            const rv = item.object.metadata?.resourceVersion ?? '';
            if (rv) {
              this.#resourceVersion = rv;
              yield { type: 'sync', resourceVersion: rv, relisted: false };
            }
            break;
          }
          case 'DELETED':
            break;
          case 'ERROR':
            if (item.object.code === 410) throw new ResourceExpiredError(item.object.message ?? '410 Gone');
            throw new KubeApiError(item.object.code ?? 500, '', `watch error: ${item.object.message ?? line.slice(0, 200)}`);
          default:
            break;
        }
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      response?.destroy();
      controller.abort();
    }
  }
}
