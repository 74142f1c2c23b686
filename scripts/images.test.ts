// The container images, built for real (scripts/images: buildah on an offline Debian base, the
// Dockerfiles in docker/) and run with podman, as README "Images" says to.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { ClusterClient } from '@ack-npd/testkit';
import { sharedCluster, waitFor } from '@ack-npd/testkit';
import { parse as parseYaml } from 'yaml';
import { createEvents } from '../packages/eventer/src/testing/cluster-events.ts';
import { WebhookReceiver } from '../packages/eventer/src/testing/receiver.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const version = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }).version;

interface Built {
  readonly ref: string;
  readonly archive: string;
}
const built = new Map<string, Built>();
let store: string[] = [];
let dir = '';
const containers: string[] = [];

/** scripts/images, bounded (a cold build makes the Debian base and installs the workspace in the build stage). */
function buildImages(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(root, 'scripts', 'images')], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-8000);
    });
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 30 * 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`scripts/images ended with ${signal ?? `code ${code}`}:\n${stderr}`));
    });
  });
}

async function podman(...args: string[]): Promise<string> {
  const { stdout } = await run('podman', [...store, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** What the container wrote to stdout and stderr (podman logs keeps the two streams apart). */
async function containerLogs(name: string): Promise<string> {
  const { stdout, stderr } = await run('podman', [...store, 'logs', name], { maxBuffer: 64 * 1024 * 1024 });
  return stdout + stderr;
}

/** Flags every `podman run` here needs on these machines: runc (crun trips on rlimits), explicit ulimits. */
const RUN = ['run', '--runtime', 'runc', '--ulimit', 'nofile=10000:10000', '--ulimit', 'nproc=4096:4096'];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'images-test-'));
  for (const line of (await buildImages()).trim().split('\n')) {
    const [kind, a, b] = line.split(' ');
    if (kind === 'storage') store = ['--root', a ?? '', '--runroot', b ?? '', '--storage-driver', 'overlay'];
    else if (kind && a && b) built.set(kind, { ref: a, archive: b });
  }
  assert.ok(store.length > 0, 'scripts/images names its storage');
});
after(async () => {
  for (const name of containers) await podman('rm', '--force', '--time', '0', name).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

/**
 * Starts a detached container named after the test on a read-only root with a private /tmp
 * (as the chart runs them); removed in after().
 */
async function startContainer(
  program: string,
  options: { network: 'none' | 'host'; volumes: readonly string[]; env?: readonly string[]; args: readonly string[] },
): Promise<string> {
  const name = `${program}-image-test-${process.pid}`;
  containers.push(name);
  await podman(
    ...RUN,
    '--detach',
    '--name',
    name,
    '--network',
    options.network,
    '--read-only',
    '--tmpfs',
    '/tmp',
    ...options.volumes.flatMap((volume) => ['--volume', volume]),
    ...(options.env ?? []).flatMap((variable) => ['--env', variable]),
    image(program).ref,
    ...options.args,
  );
  return name;
}

function image(program: string): Built {
  const b = built.get(program);
  assert.ok(b, `scripts/images built ${program}`);
  return b;
}

/** Compressed size of an OCI archive's layers, as a registry would store them. */
async function compressedBytes(archive: string): Promise<number> {
  const listing = await run('tar', ['-tvf', archive], { maxBuffer: 16 * 1024 * 1024 });
  const manifestName = (await run('tar', ['-xOf', archive, 'index.json'])).stdout;
  const digest = (JSON.parse(manifestName) as { manifests: { digest: string }[] }).manifests[0]?.digest.replace('sha256:', '');
  const manifest = JSON.parse((await run('tar', ['-xOf', archive, `blobs/sha256/${digest}`])).stdout) as {
    layers: { size: number; mediaType: string }[];
  };
  assert.ok(listing.stdout.length > 0);
  for (const layer of manifest.layers) assert.match(layer.mediaType, /gzip/, 'layers are stored compressed');
  return manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
}

describe('container images (scripts/images, podman)', () => {
  it('labels name source, version and licence; the version is the chart appVersion and the package version', async () => {
    const chart = parseYaml(await readFile(join(root, 'charts', 'ack-node-problem-detector', 'Chart.yaml'), 'utf8')) as {
      appVersion: string;
    };
    assert.equal(chart.appVersion, version);
    for (const program of ['npd', 'eventer', 'eventcenter']) {
      const labels = JSON.parse(await podman('image', 'inspect', '--format', '{{ json .Labels }}', image(program).ref)) as Record<
        string,
        string
      >;
      assert.equal(labels['org.opencontainers.image.version'], version);
      assert.equal(labels['org.opencontainers.image.licenses'], 'Apache-2.0');
      assert.match(labels['org.opencontainers.image.source'] ?? '', /^https:\/\//);
      assert.equal(labels['org.opencontainers.image.title'], `ack-npd-${program}`);
    }
  });

  it('stays within the size targets (npd <= 60 MB, eventer <= 50 MB, eventcenter <= 52 MB compressed) and carries no sources or build CA', async () => {
    // The event center has no target of its own: the eventer's plus its web UI.
    const targets = { npd: 60e6, eventer: 50e6, eventcenter: 52e6 };
    for (const [program, limit] of Object.entries(targets)) {
      const bytes = await compressedBytes(image(program).archive);
      assert.ok(bytes <= limit, `${program}: ${(bytes / 1e6).toFixed(1)} MB compressed, target ${limit / 1e6} MB`);
      const files = await podman(
        ...RUN,
        '--rm',
        '--network',
        'none',
        '--entrypoint',
        '/usr/local/bin/node',
        image(program).ref,
        '-e',
        `
        const { readdirSync } = require('node:fs');
        const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(d + '/' + e.name) : [d + '/' + e.name]);
        console.log(JSON.stringify(['/app', '/etc', '/run'].flatMap((d) => { try { return walk(d); } catch { return []; } })));`,
      );
      const paths = JSON.parse(files) as string[];
      assert.ok(!paths.some((p) => p.endsWith('.ts')), `${program}: no TypeScript sources (${paths.filter((p) => p.endsWith('.ts'))})`);
      assert.ok(!paths.some((p) => p.includes('node_modules')), `${program}: bundled, no node_modules`);
      assert.ok(!paths.some((p) => p.startsWith('/run/secrets')), `${program}: the build CA stayed in the build`);
    }
  });

  for (const program of ['npd', 'eventer', 'eventcenter']) {
    it(`${program} --help runs in the image`, async () => {
      const out = await podman(...RUN, '--rm', '--network', 'none', image(program).ref, '--help');
      assert.match(out, new RegExp(`^${program}`));
    });
  }

  it('npd: standalone on a read-only fixture host root; /healthz answers inside; tini is PID 1 and reaps double-forked plug-ins', async () => {
    const plugins = join(dir, 'plugins');
    await mkdir(plugins);
    // Each run leaves an orphaned grandchild that exits at once: without a reaping PID 1 every
    // cycle adds a zombie.
    await writeFile(join(plugins, 'double-fork.sh'), '#!/bin/sh\n( sleep 0.2 & )\necho forked\nexit 0\n');
    await chmod(join(plugins, 'double-fork.sh'), 0o755);
    await writeFile(
      join(plugins, 'double-fork.json'),
      JSON.stringify({
        plugin: 'custom',
        pluginConfig: { invoke_interval: '500ms', timeout: '5s' },
        source: 'fork-monitor',
        conditions: [{ type: 'ForkProblem', reason: 'ForkIsOK', message: 'fine' }],
        rules: [{ type: 'permanent', condition: 'ForkProblem', reason: 'ForkIsBroken', path: '/plugins/double-fork.sh' }],
      }),
    );
    const name = await startContainer('npd', {
      network: 'none',
      volumes: [`${join(root, 'packages', 'npd', 'src', 'fixtures', 'host')}:/host:ro`, `${plugins}:/plugins:ro`],
      env: ['NODE_NAME=image-test-node'],
      args: [
        '--host-root=/host',
        '--enable-k8s-exporter=false',
        '--config.custom-plugin-monitor=/plugins/double-fork.json',
        '--config.system-log-monitor=builtin:kernel-monitor',
      ],
    });
    const inside = (code: string) => podman('exec', name, '/usr/local/bin/node', '-e', code);
    await waitFor('the first condition', async () => (await podman('logs', name)).includes('ForkProblem'), { timeoutMs: 60_000 });
    const logs = await podman('logs', name);
    assert.match(logs, /"kind":"condition".*"type":"KernelDeadlock".*"status":"False"/);
    assert.match(logs, /"type":"ForkProblem".*"status":"False"/);
    assert.equal(
      (await inside("fetch('http://127.0.0.1:20256/healthz').then((r) => r.text()).then((t) => process.stdout.write(t))")).trim(),
      'ok',
    );
    assert.equal((await inside("process.stdout.write(require('node:fs').readFileSync('/proc/1/comm', 'utf8'))")).trim(), 'tini');

    // Ten cycles of the plug-in, then count zombies and orphans' leftovers in the container.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const states = JSON.parse(
      await inside(`
        const fs = require('node:fs');
        const out = [];
        for (const pid of fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p))) {
          try { const s = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); out.push(s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3) + ' ' + s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'))); } catch {}
        }
        console.log(JSON.stringify(out));`),
    ) as string[];
    assert.deepEqual(
      states.filter((s) => s.startsWith('Z')),
      [],
      `no zombies (processes: ${states.join(', ')})`,
    );
  });

  it('eventer: runs as uid 65532 on a read-only root filesystem and ships events from the real control plane', async () => {
    const cluster: ClusterClient = await sharedCluster();
    const namespace = await cluster.createNamespace('eventer-image');
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    try {
      // The admin kubeconfig and the config, readable by the image's non-root user.
      await chmod(dir, 0o755);
      const kubeconfig = join(dir, 'kubeconfig');
      await copyFile(cluster.kubeconfigPath, kubeconfig);
      await chmod(kubeconfig, 0o644);
      await writeFile(
        join(dir, 'eventer.yaml'),
        JSON.stringify({
          sinks: [
            { name: 'hook', uri: `webhook:${url}?method=POST`, options: { body_template: '{"key":"{{ .Metadata.UID }}/{{ .Count }}"}' } },
          ],
        }),
      );
      await chmod(join(dir, 'eventer.yaml'), 0o644);
      const name = await startContainer('eventer', {
        network: 'host',
        volumes: [`${dir}:/config:ro`],
        args: [
          '--source=kubernetes:?inClusterConfig=false&auth=/config/kubeconfig',
          '--config=/config/eventer.yaml',
          `--namespaces=${namespace}`,
          '--healthz-port=0',
          '--checkpoint=none',
          '--spool-dir=/tmp/spool',
        ],
      });
      await waitFor('the eventer to start shipping', async () => (await containerLogs(name)).includes('starting event shipping'), {
        timeoutMs: 60_000,
      }).catch(async (error: unknown) => {
        throw new Error(`${(error as Error).message}\n${await containerLogs(name).catch(() => '')}`);
      });
      const uid = await podman('exec', name, '/usr/local/bin/node', '-e', 'process.stdout.write(String(process.getuid()))');
      assert.equal(uid, '65532');
      const status = await podman(
        'exec',
        name,
        '/usr/local/bin/node',
        '-e',
        "process.stdout.write(require('node:fs').readFileSync('/proc/1/status', 'utf8'))",
      );
      assert.match(status, /^Uid:\s+65532\s+65532/m);
      const writable = await podman(
        'exec',
        name,
        '/usr/local/bin/node',
        '-e',
        "try { require('node:fs').writeFileSync('/app/x', 'x'); console.log('writable') } catch (e) { console.log(e.code) }",
      );
      assert.equal(writable.trim(), 'EROFS');

      const uids = await createEvents(cluster, namespace, 0, 20);
      await waitFor('every event at the webhook', () => uids.every((u) => receiver.deliveries.has(`${u}/1`)), {
        timeoutMs: 60_000,
      }).catch(async (error: unknown) => {
        throw new Error(`${(error as Error).message}\n${await containerLogs(name).catch(() => '')}`);
      });
      assert.deepEqual(receiver.duplicates(), []);
    } finally {
      await receiver.close();
    }
  });
  it('eventcenter: runs as uid 65532 on a read-only root with SQLite on a volume; serves the web UI, the API and /healthz', async () => {
    // A volume the image's non-root user can write, as the chart's PVC (fsGroup) is.
    const data = join(dir, 'eventcenter-data');
    await mkdir(data);
    await chmod(data, 0o777);
    const name = await startContainer('eventcenter', {
      network: 'none',
      volumes: [`${data}:/data`],
      args: ['--store=sqlite:/data/events.db'],
    });
    const get = async (path: string) =>
      podman(
        'exec',
        name,
        '/usr/local/bin/node',
        '-e',
        `fetch('http://127.0.0.1:8080${path}').then(async (r) => process.stdout.write(r.status + ' ' + (await r.text())))`,
      );
    await waitFor('the event center to answer', async () => (await get('/healthz')).startsWith('200'), { timeoutMs: 60_000 }).catch(
      async (error: unknown) => {
        throw new Error(`${(error as Error).message}\n${await containerLogs(name).catch(() => '')}`);
      },
    );
    assert.match(await get('/'), /^200 <!doctype html>/i);
    assert.match(await get('/openapi.json'), /^200 \{.*"openapi":"3/);
    const status = await podman(
      'exec',
      name,
      '/usr/local/bin/node',
      '-e',
      "process.stdout.write(require('node:fs').readFileSync('/proc/1/status', 'utf8'))",
    );
    assert.match(status, /^Uid:\s+65532\s+65532/m);
    assert.match(
      await podman('exec', name, '/usr/local/bin/node', '-e', "console.log(require('node:fs').readdirSync('/data'))"),
      /events\.db/,
    );
  });
});
