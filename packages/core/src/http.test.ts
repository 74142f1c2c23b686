import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { healthRoute, metricsRoute, type RunningHttpServer, startHttpServer } from './http.ts';
import { createLogger } from './logger.ts';
import { Counter, createRegistry } from './metrics.ts';

describe('startHttpServer', () => {
  const registry = createRegistry({ defaultMetrics: false });
  const counter = new Counter({
    name: 'things_total',
    help: 'things',
    registers: [registry],
  });
  let healthy = true;
  let server: RunningHttpServer;

  before(async () => {
    server = await startHttpServer({
      address: '127.0.0.1',
      port: 0,
      logger: createLogger({ name: 'test', level: 'silent' }),
      routes: {
        '/healthz': healthRoute(() => (healthy ? undefined : 'watch is stuck')),
        '/metrics': metricsRoute(registry),
        '/boom': () => {
          throw new Error('boom');
        },
      },
    });
  });
  after(() => server.close());

  it('serves health and turns unhealthy with the reason', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const ok = await fetch(`${server.url}/healthz`);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'ok\n');
    healthy = false;
    const bad = await fetch(`${server.url}/healthz`);
    assert.equal(bad.status, 503);
    assert.equal(await bad.text(), 'watch is stuck\n');
  });

  it('serves Prometheus text', async () => {
    counter.inc(3);
    const response = await fetch(`${server.url}/metrics`);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await response.text(), /^things_total 3$/m);
  });

  it('answers unknown paths, wrong methods and handler failures', async () => {
    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
    assert.equal((await fetch(`${server.url}/healthz`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${server.url}/boom`)).status, 500);
  });
});
