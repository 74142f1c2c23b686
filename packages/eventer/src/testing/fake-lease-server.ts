import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeClient } from '@ack-npd/core/kube-lite';

interface LeaseObject {
  metadata: { name: string; namespace: string; resourceVersion: string };
  spec: Record<string, unknown>;
}

/** coordination.k8s.io/v1 Leases in memory, with the apiserver's optimistic concurrency (409 on a stale resourceVersion). */
export class FakeLeaseServer {
  readonly leases = new Map<string, LeaseObject>();
  #rv = 1;
  readonly #server = createServer((req, res) => {
    const match = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/?]+))?/.exec(req.url ?? '');
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const send = (status: number, object: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(object));
      };
      if (!match) return send(404, { kind: 'Status', code: 404 });
      const [, namespace, name] = match;
      const key = `${namespace}/${name}`;
      if (req.method === 'GET') {
        const lease = this.leases.get(key);
        return lease ? send(200, lease) : send(404, { kind: 'Status', code: 404, reason: 'NotFound' });
      }
      const incoming = JSON.parse(body) as LeaseObject;
      const id = `${namespace}/${incoming.metadata.name}`;
      const existing = this.leases.get(id);
      if (req.method === 'POST') {
        if (existing) return send(409, { kind: 'Status', code: 409, reason: 'AlreadyExists' });
      } else if (req.method === 'PUT') {
        if (!existing) return send(404, { kind: 'Status', code: 404 });
        if (incoming.metadata.resourceVersion !== existing.metadata.resourceVersion)
          return send(409, { kind: 'Status', code: 409, reason: 'Conflict' });
      }
      const stored = { ...incoming, metadata: { ...incoming.metadata, namespace: namespace ?? '', resourceVersion: String(++this.#rv) } };
      this.leases.set(id, stored);
      return send(req.method === 'POST' ? 201 : 200, stored);
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  kube(): KubeClient {
    return new KubeClient({
      server: `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`,
      insecure: true,
      auth: { kind: 'none' },
    });
  }

  holder(namespace: string, name: string): string {
    return String(this.leases.get(`${namespace}/${name}`)?.spec.holderIdentity ?? '');
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}
