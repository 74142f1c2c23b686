import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook receiver for end-to-end tests and benchmarks: records every delivery (raw, with
 * duplicates) keyed by the body's `key` field and the time each key first arrived; can be
 * switched to fail (503) or to answer slowly. Answers in one write.
 */
export class WebhookReceiver {
  readonly deliveries = new Map<string, number>();
  /** When each key first arrived (ms since the epoch). */
  readonly firstAt = new Map<string, number>();
  raw = 0;
  mode: 'ok' | 'fail' = 'ok';
  /** Each answer waits this long (a slow receiver); the delivery counts when answered. */
  delayMs = 0;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', async () => {
        if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        if (this.mode === 'fail') {
          res.writeHead(503, { 'content-length': '4' }).end('down');
          return;
        }
        this.raw++;
        let key = body;
        try {
          key = (JSON.parse(body) as { key?: string }).key ?? body;
        } catch {
          // not JSON: the whole body is the key
        }
        this.deliveries.set(key, (this.deliveries.get(key) ?? 0) + 1);
        if (!this.firstAt.has(key)) this.firstAt.set(key, Date.now());
        res.writeHead(200, { 'content-length': '2' }).end('ok');
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  /** Keys delivered more than once, with their counts. */
  duplicates(): [string, number][] {
    return [...this.deliveries].filter(([, n]) => n > 1);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}
