import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeClient } from '@ack-npd/core/kube-lite';

interface StoredEvent {
  rv: number;
  object: Record<string, unknown>;
}

/**
 * A tiny protocol-faithful stand-in for the apiserver's core/v1 Events list/watch, for unit
 * tests of what a real cluster cannot be made to do on demand: paginated lists, watches that
 * replay from a resourceVersion, bookmarks, and 410 Gone for compacted versions
 * (as an ERROR watch event, as the apiserver sends it).
 */
export class FakeEventApiserver {
  #rv = 100;
  #events: StoredEvent[] = [];
  #compactedBelow = 0;
  #watchers = new Set<{ from: number; res: ServerResponse }>();
  readonly requests: string[] = [];
  readonly server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname !== '/api/v1/events') {
      res.writeHead(404).end('{}');
      return;
    }
    if (url.searchParams.get('watch')) {
      const from = Number(url.searchParams.get('resourceVersion') || this.#rv);
      res.writeHead(200, { 'content-type': 'application/json' });
      if (from < this.#compactedBelow) {
        res.end(
          `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 } })}\n`,
        );
        return;
      }
      for (const e of this.#events) if (e.rv > from) res.write(`${JSON.stringify({ type: 'ADDED', object: e.object })}\n`);
      res.write(
        `${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Event', apiVersion: 'v1', metadata: { resourceVersion: String(this.#rv) } } })}\n`,
      );
      const watcher = { from, res };
      this.#watchers.add(watcher);
      res.on('close', () => this.#watchers.delete(watcher));
      return;
    }
    const limit = Number(url.searchParams.get('limit') || 0) || this.#events.length;
    const start = Number(url.searchParams.get('continue') || 0);
    const items = this.#events.slice(start, start + limit).map((e) => e.object);
    const next = start + limit < this.#events.length ? String(start + limit) : undefined;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'EventList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(this.#rv), ...(next ? { continue: next } : {}) },
        items,
      }),
    );
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  kube(): KubeClient {
    return new KubeClient({ server: this.url, insecure: true, auth: { kind: 'none' } });
  }

  get resourceVersion(): string {
    return String(this.#rv);
  }

  /** Creates (or, with the same name, updates with count+1) an event and notifies watchers. */
  upsert(namespace: string, name: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
    this.#rv++;
    const existing = this.#events.find((e) => (e.object.metadata as { name: string }).name === name);
    const count = existing ? Number(existing.object.count) + 1 : 1;
    const object = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: String(this.#rv) },
      involvedObject: { kind: 'Pod', name: name.split('.')[0], namespace },
      reason: 'Test',
      message: `message ${name}`,
      type: 'Normal',
      count,
      lastTimestamp: new Date().toISOString(),
      source: { component: 'test', host: 'node-1' },
      ...fields,
    };
    if (existing) {
      existing.rv = this.#rv;
      existing.object = object;
    } else this.#events.push({ rv: this.#rv, object });
    for (const w of this.#watchers) w.res.write(`${JSON.stringify({ type: existing ? 'MODIFIED' : 'ADDED', object })}\n`);
    return object;
  }

  /** Forgets history below the current resourceVersion: older watches get 410 Gone. */
  compact(): void {
    this.#compactedBelow = this.#rv;
  }

  /** Drops every open watch connection (an apiserver restart). */
  dropWatches(): void {
    for (const w of this.#watchers) w.res.destroy();
    this.#watchers.clear();
  }

  async close(): Promise<void> {
    this.dropWatches();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
