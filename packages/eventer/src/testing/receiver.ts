import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook receiver for end-to-end tests: records every delivery (raw, with duplicates)
 * keyed by the body's `key` field, and can be switched to fail (503) or hang.
 */
export class WebhookReceiver {
  readonly deliveries = new Map<string, number>();
  /** When each key first arrived (ms since the epoch). */
  readonly firstAt = new Map<string, number>();
  raw = 0;
  mode: 'ok' | 'fail' = 'ok';
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (this.mode === 'fail') {
          res.writeHead(503).end('down');
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
        res.writeHead(200).end('ok');
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
