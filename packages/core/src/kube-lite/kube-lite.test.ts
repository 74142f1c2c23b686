import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, KubeApiError } from '../errors.ts';
import { KubeClient, loadKubeTarget } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'kube-lite-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('loadKubeTarget', () => {
  it('reads a kubeconfig with a token and embedded CA, and lets the location override server and TLS checks', async () => {
    const file = write(
      'token.kubeconfig',
      [
        'apiVersion: v1',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: "Q0E="}}]',
        'users: [{name: u, user: {token: abc}}]',
        'contexts: [{name: x, context: {cluster: c, user: u, namespace: ns}}]',
        'current-context: x',
      ].join('\n'),
    );
    const target = await loadKubeTarget({ kubeconfig: file });
    assert.equal(target.server, 'https://127.0.0.1:6443');
    assert.equal(target.ca?.toString(), 'CA');
    assert.deepEqual(target.auth, { kind: 'token', token: 'abc' });
    assert.equal(target.namespace, 'ns');
    assert.equal(target.insecure, false);
    const overridden = await loadKubeTarget({
      location: { server: 'https://127.0.0.2:7443', inClusterConfig: false, kubeconfigPath: file, insecure: true },
    });
    assert.equal(overridden.server, 'https://127.0.0.2:7443');
    assert.equal(overridden.insecure, true);
  });

  it('reads client certificate and CA files relative to the kubeconfig, tokenFile and exec users', async () => {
    write('client.crt', 'CERT');
    write('client.key', 'KEY');
    write('ca.crt', 'CAFILE');
    const file = write(
      'files.kubeconfig',
      [
        'clusters: [{name: c, cluster: {server: "https://h:1", certificate-authority: ca.crt, tls-server-name: api}}]',
        'users:',
        '- {name: u, user: {client-certificate: client.crt, client-key: client.key}}',
        '- {name: t, user: {tokenFile: tok}}',
        '- {name: e, user: {exec: {command: ./plugin, args: [a], env: [{name: K, value: V}], apiVersion: client.authentication.k8s.io/v1beta1}}}',
        'contexts: [{name: x, context: {cluster: c, user: u}}, {name: y, context: {cluster: c, user: t}}, {name: z, context: {cluster: c, user: e}}]',
        'current-context: x',
      ].join('\n'),
    );
    const target = await loadKubeTarget({ kubeconfig: file });
    assert.equal(target.clientCert?.toString(), 'CERT');
    assert.equal(target.clientKey?.toString(), 'KEY');
    assert.equal(target.ca?.toString(), 'CAFILE');
    assert.equal(target.tlsServerName, 'api');
    const other = (context: string) =>
      write(`${context}.kubeconfig`, `${readFileSync(file, 'utf8').replace('current-context: x', `current-context: ${context}`)}`);
    assert.deepEqual((await loadKubeTarget({ kubeconfig: other('y') })).auth, { kind: 'token-file', path: join(dir, 'tok') });
    assert.deepEqual((await loadKubeTarget({ kubeconfig: other('z') })).auth, {
      kind: 'exec',
      plugin: { command: './plugin', args: ['a'], env: { K: 'V' }, apiVersion: 'client.authentication.k8s.io/v1beta1', dir },
    });
  });

  it('uses the service account in a pod, and $KUBECONFIG / ~/.kube/config outside', async () => {
    const sa = mkdtempSync(join(tmpdir(), 'kube-lite-sa-'));
    writeFileSync(join(sa, 'token'), 't0');
    writeFileSync(join(sa, 'ca.crt'), 'SACA');
    writeFileSync(join(sa, 'namespace'), 'kube-system\n');
    const target = await loadKubeTarget({
      env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
      serviceAccountDir: sa,
    });
    assert.equal(target.server, 'https://10.0.0.1:443');
    assert.deepEqual(target.auth, { kind: 'token-file', path: join(sa, 'token') });
    assert.equal(target.ca?.toString(), 'SACA');
    assert.equal(target.namespace, 'kube-system');
    const file = write(
      'env.kubeconfig',
      'clusters: [{name: c, cluster: {server: "https://e:1"}}]\ncontexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n',
    );
    assert.equal((await loadKubeTarget({ env: { KUBECONFIG: `${join(dir, 'absent')}:${file}` } })).server, 'https://e:1');
  });

  it('names the field and the fix when the config is unusable', async () => {
    await assert.rejects(loadKubeTarget({ env: { HOME: dir } }), /no cluster to talk to/);
    await assert.rejects(loadKubeTarget({ kubeconfig: join(dir, 'absent') }), /does not exist/);
    const cases: [string, RegExp][] = [
      ['clusters: []\ncurrent-context: ""\n', /current-context: not set/],
      ['contexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n', /clusters: no entry named "c"/],
      [
        'clusters: [{name: c, cluster: {server: "https://h"}}]\nusers: [{name: u, user: {auth-provider: {name: oidc}}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
        /auth providers are not supported/,
      ],
      ['{ not yaml', /not a kubeconfig/],
    ];
    for (const [text, message] of cases) {
      await assert.rejects(loadKubeTarget({ kubeconfig: write('bad.kubeconfig', text) }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, message);
        return true;
      });
    }
  });
});

describe('KubeClient', () => {
  let server: Server;
  let base: string;
  const seen: { method?: string; url?: string; type?: string; auth?: string; body: string }[] = [];
  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        seen.push({
          method: request.method,
          url: request.url,
          type: request.headers['content-type'],
          auth: request.headers.authorization,
          body,
        });
        if (request.url?.startsWith('/hang')) return; // never answers
        if (request.url?.startsWith('/forbidden')) {
          response.writeHead(403, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ kind: 'Status', message: 'nodes is forbidden: no', code: 403 }));
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('sends JSON with the content type, query and bearer token, and parses the answer', async () => {
    const client = new KubeClient({ server: base, insecure: false, auth: { kind: 'token', token: 'tk' } });
    const answer = await client.request({
      method: 'PATCH',
      path: '/api/v1/nodes/n1/status',
      query: { fieldSelector: 'spec.nodeName=n1' },
      body: { status: { conditions: [] } },
      contentType: 'application/strategic-merge-patch+json',
    });
    assert.deepEqual(answer, { ok: true });
    const last = seen.at(-1);
    assert.equal(last?.method, 'PATCH');
    assert.equal(last?.url, '/api/v1/nodes/n1/status?fieldSelector=spec.nodeName%3Dn1');
    assert.equal(last?.type, 'application/strategic-merge-patch+json');
    assert.equal(last?.auth, 'Bearer tk');
    assert.equal(last?.body, '{"status":{"conditions":[]}}');
    client.close();
  });

  it('turns an error answer into a KubeApiError with the status and the Status message', async () => {
    const client = new KubeClient({ server: base, insecure: false, auth: { kind: 'none' } });
    await assert.rejects(client.request({ method: 'GET', path: '/forbidden', description: 'get node n1' }), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.equal(error.status, 403);
      assert.equal(error.message, 'get node n1: HTTP 403: nodes is forbidden: no');
      return true;
    });
    client.close();
  });

  it('gives up at the deadline (AbortSignal timeout) and when the caller aborts', async () => {
    const client = new KubeClient({ server: base, insecure: false, auth: { kind: 'none' } }, { timeoutMs: 200 });
    const started = Date.now();
    await assert.rejects(client.request({ method: 'GET', path: '/hang' }), /GET \/hang: no answer in 200ms/);
    assert.ok(Date.now() - started < 5000);
    const controller = new AbortController();
    const pending = client.request({ method: 'GET', path: '/hang2', signal: controller.signal, timeoutMs: 60_000 });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, (error: unknown) => error instanceof KubeApiError && /abort/i.test(error.message));
    client.close();
  });
});
