import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { parseCheckSettings } from './index.ts';
import { createPublicNetworkCheck, parseEndpoint } from './public-network.ts';
import { only, probeOnce } from './testing.ts';

const hostfs = createHostFs('/');

describe('public_network_check', () => {
  const tcp = createServer((socket) => socket.end());
  const held: import('node:http').ServerResponse[] = [];
  const http: Server = createHttpServer((req, res) => {
    if (req.url === '/hang') held.push(res);
    else res.writeHead(204).end();
  });
  let tcpPort = 0;
  let httpPort = 0;
  let unusedPort = 0;

  before(async () => {
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    tcpPort = (tcp.address() as AddressInfo).port;
    httpPort = (http.address() as AddressInfo).port;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    unusedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  after(async () => {
    for (const res of held) res.destroy();
    http.closeAllConnections();
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  it('parses endpoints', () => {
    assert.deepEqual(parseEndpoint('223.5.5.5:53'), { kind: 'tcp', host: '223.5.5.5', port: 53 });
    assert.deepEqual(parseEndpoint('[::1]:443'), { kind: 'tcp', host: '::1', port: 443 });
    assert.equal(parseEndpoint('https://www.aliyun.com/')?.kind, 'http');
    assert.equal(parseEndpoint('no-port'), undefined);
    assert.equal(parseEndpoint('host:99999'), undefined);
    assert.throws(() => createPublicNetworkCheck({ endpoint: 'nonsense' }), /neither host:port nor an http\(s\) URL/);
    // The production default (AliDNS) is never dialled by a test: net-guard would fail it.
    assert.equal(parseCheckSettings({}).settings.public_network_endpoint, '223.5.5.5:53');
  });

  it('is up when a TCP endpoint accepts', async () => {
    const check = createPublicNetworkCheck({ endpoint: `127.0.0.1:${tcpPort}` });
    assert.deepEqual(only(await probeOnce(check, hostfs)), { type: 'PublicNetworkProblem', status: 'False' });
  });

  it('is up when an http endpoint answers', async () => {
    const check = createPublicNetworkCheck({ endpoint: `http://127.0.0.1:${httpPort}/` });
    assert.equal(only(await probeOnce(check, hostfs)).status, 'False');
  });

  it('reports PublicNetworkUnreachable for a refused port', async () => {
    const condition = only(await probeOnce(createPublicNetworkCheck({ endpoint: `127.0.0.1:${unusedPort}` }), hostfs));
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'PublicNetworkUnreachable');
    assert.match(
      condition.message ?? '',
      new RegExp(`^cannot reach 127\\.0\\.0\\.1:${unusedPort} \\(ECONNREFUSED, after \\d+ms; timeout 5000ms\\)$`),
    );
  });

  it('reports PublicNetworkUnreachable when the endpoint does not answer in time', async () => {
    const check = createPublicNetworkCheck({ endpoint: `http://127.0.0.1:${httpPort}/hang`, timeoutMs: 200 });
    const condition = only(await probeOnce(check, hostfs));
    assert.equal(condition.status, 'True');
    assert.match(condition.message ?? '', /no answer within 200ms/);
  });
});
