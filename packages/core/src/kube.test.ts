import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from './errors.ts';
import { loadKubeConfig, parseApiserverUri } from './kube.ts';

describe('parseApiserverUri', () => {
  it('reads heapster-style source URIs', () => {
    assert.deepEqual(parseApiserverUri('https://kubernetes.default'), {
      server: 'https://kubernetes.default',
      inClusterConfig: true,
      insecure: false,
    });
    assert.deepEqual(parseApiserverUri('https://10.0.0.1:6443?inClusterConfig=false&auth=/etc/kc&insecure=true'), {
      server: 'https://10.0.0.1:6443',
      inClusterConfig: false,
      kubeconfigPath: '/etc/kc',
      insecure: true,
    });
    assert.deepEqual(parseApiserverUri('?inClusterConfig=false&auth=/k'), {
      inClusterConfig: false,
      kubeconfigPath: '/k',
      insecure: false,
    });
    assert.deepEqual(parseApiserverUri(''), {
      inClusterConfig: true,
      insecure: false,
    });
  });

  it('rejects bad booleans naming the parameter', () => {
    assert.throws(
      () => parseApiserverUri('https://x?insecure=yes', '--source'),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.issues[0]?.path, '--source?insecure');
        return true;
      },
    );
  });
});

describe('loadKubeConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kube-test-'));
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]',
      'users: [{name: u, user: {token: abc}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  );

  it('loads an explicit file and can override its server', () => {
    assert.equal(loadKubeConfig({ kubeconfig: file }).getCurrentCluster()?.server, 'https://127.0.0.1:6443');
    const overridden = loadKubeConfig({
      location: {
        server: 'https://127.0.0.2:7443',
        inClusterConfig: false,
        kubeconfigPath: file,
        insecure: true,
      },
    });
    assert.equal(overridden.getCurrentCluster()?.server, 'https://127.0.0.2:7443');
    assert.equal(overridden.getCurrentCluster()?.skipTLSVerify, true);
    assert.equal(overridden.getCurrentUser()?.token, 'abc');
  });

  it('explains what is missing when there is no cluster to talk to', () => {
    assert.throws(() => loadKubeConfig({ env: { HOME: dir } }), /no cluster to talk to/);
    assert.throws(() => loadKubeConfig({ kubeconfig: join(dir, 'absent') }), /does not exist/);
  });
});
