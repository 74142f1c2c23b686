import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startEcsMetadataServer } from '@ack-npd/testkit/peers/index';
import { createHostFs } from '../hostfs.ts';
import { createRamRoleCheck } from './ram-role.ts';
import { only, probeOnce } from './testing.ts';

const hostfs = createHostFs('/');

/** A metadata service double: IMDSv2 tokens when `v2`, a role or not. */
const service = { v2: true, requireToken: false, roles: 'KubernetesWorkerRole-abc\n', status: 200, tokenRequests: 0, lastToken: '' };

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'PUT' && req.url === '/latest/api/token') {
    service.tokenRequests++;
    if (!service.v2 || !req.headers['x-aliyun-ecs-metadata-token-ttl-seconds']) return void res.writeHead(404).end();
    return void res.writeHead(200).end('token-123');
  }
  if (req.method === 'GET' && req.url === '/latest/meta-data/ram/security-credentials/') {
    service.lastToken = String(req.headers['x-aliyun-ecs-metadata-token'] ?? '');
    if (service.requireToken && service.lastToken !== 'token-123') return void res.writeHead(403).end();
    if (service.status !== 200) return void res.writeHead(service.status).end('not found');
    return void res.writeHead(200).end(service.roles);
  }
  res.writeHead(400).end();
}

describe('ram_role_check', () => {
  const server = createServer(handle);
  let endpoint = '';
  let unused = '';

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    unused = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  beforeEach(() =>
    Object.assign(service, {
      v2: true,
      requireToken: false,
      roles: 'KubernetesWorkerRole-abc\n',
      status: 200,
      tokenRequests: 0,
      lastToken: '',
    }),
  );
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('has a role, asking with an IMDSv2 token that it reuses', async () => {
    service.requireToken = true;
    const check = createRamRoleCheck({ endpoint });
    assert.deepEqual(only(await probeOnce(check, hostfs, 1000)), { type: 'RAMRoleError', status: 'False' });
    assert.deepEqual(only(await probeOnce(check, hostfs, 2000)), { type: 'RAMRoleError', status: 'False' });
    assert.equal(service.lastToken, 'token-123');
    assert.equal(service.tokenRequests, 1);
  });

  it('falls back to IMDSv1 when no token is issued', async () => {
    service.v2 = false;
    assert.equal(only(await probeOnce(createRamRoleCheck({ endpoint }), hostfs)).status, 'False');
    assert.equal(service.lastToken, '');
  });

  it('reports NodeHasNoRAMRole on 404', async () => {
    service.status = 404;
    const condition = only(await probeOnce(createRamRoleCheck({ endpoint }), hostfs));
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'NodeHasNoRAMRole');
    assert.equal(
      condition.message,
      `no RAM role attached to this instance (GET ${endpoint}/latest/meta-data/ram/security-credentials/ returned 404)`,
    );
  });

  it('reports NodeHasNoRAMRole on an empty list', async () => {
    service.roles = '';
    const condition = only(await probeOnce(createRamRoleCheck({ endpoint }), hostfs));
    assert.equal(condition.reason, 'NodeHasNoRAMRole');
    assert.match(condition.message ?? '', /returned 200, empty\)$/);
  });

  it('is Unknown on a server error', async () => {
    service.status = 500;
    const condition = only(await probeOnce(createRamRoleCheck({ endpoint }), hostfs));
    assert.equal(condition.status, 'Unknown');
    assert.match(condition.message ?? '', /answered GET .* with HTTP 500/);
  });

  it('is Unknown "metadata service unreachable" when nothing listens', async () => {
    const condition = only(await probeOnce(createRamRoleCheck({ endpoint: unused }), hostfs));
    assert.equal(condition.status, 'Unknown');
    assert.match(
      condition.message ?? '',
      /^metadata service unreachable \(GET http:\/\/127\.0\.0\.1:\d+\/latest\/meta-data\/ram\/security-credentials\/: ECONNREFUSED\)$/,
    );
  });

  it("against the test kit's ECS metadata service in enforced (IMDSv2-only) mode: has a role", async () => {
    await using metadata = await ecsMetadata({ roleName: 'KubernetesWorkerRole-abc', requireToken: true });
    const check = createRamRoleCheck({ endpoint: metadata.url });
    assert.deepEqual(only(await probeOnce(check, hostfs, 1000)), { type: 'RAMRoleError', status: 'False' });
    assert.deepEqual(only(await probeOnce(check, hostfs, 2000)), { type: 'RAMRoleError', status: 'False' });
    assert.equal(metadata.tokensIssued, 1, 'the token is reused until it expires');
  });

  it("against the test kit's ECS metadata service: an instance without a role", async () => {
    await using metadata = await ecsMetadata({ roleName: '' });
    const condition = only(await probeOnce(createRamRoleCheck({ endpoint: metadata.url }), hostfs));
    assert.equal(condition.reason, 'NodeHasNoRAMRole');
    assert.equal(
      condition.message,
      `no RAM role attached to this instance (GET ${metadata.url}${'/latest/meta-data/ram/security-credentials/'} returned 404)`,
    );
  });
});

async function ecsMetadata(options: { roleName: string; requireToken?: boolean }) {
  const credentials = { accessKeyId: 'id', accessKeySecret: 'secret', securityToken: 'sts', expiration: '2099-01-01T00:00:00Z' };
  const server = await startEcsMetadataServer({ ...options, credentials });
  return Object.assign(server, { [Symbol.asyncDispose]: () => server.close() });
}
