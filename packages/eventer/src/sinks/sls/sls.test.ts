import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import { createLogger } from '@ack-npd/core/logger';
import { decodeLogGroup, lz4DecompressBlock, type SlsServer, startEcsMetadataServer, startSlsServer } from '@ack-npd/testkit/peers/index';
import { SinkError } from '../../errors.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from '../fixtures/aliyun-sink-events.ts';
import { decryptTokenValue, readTokenConfig } from './credentials.ts';
import { createSlsSink, eventToSlsLog, parseSlsOptions, splitLogs } from './index.ts';
import { lz4CompressBlock } from './lz4.ts';
import { encodeLog, encodeLogGroup } from './protobuf.ts';
import { slsContentMd5, slsSignature, slsStringToSign } from './signature.ts';

const AK = 'bq2sjzesjmo86kq35behupbq';
const SECRET = '4fdO2fTDDnZPU/L7CHNdemB2Nsk=';

describe('sls signature v1 (documented vectors)', () => {
  test('vector 1: GET with a query', () => {
    const s = slsStringToSign({
      method: 'GET',
      contentMd5: '',
      contentType: '',
      date: 'Mon, 09 Nov 2015 06:11:16 GMT',
      headers: { 'x-log-apiversion': '0.6.0', 'x-log-signaturemethod': 'hmac-sha1' },
      path: '/logstores',
      query: { logstoreName: '', offset: '0', size: '1000' },
    });
    assert.equal(slsSignature(SECRET, s), 'jEYOTCJs2e88o+y5F4/S5IsnBJQ=');
  });

  test('vector 2: POST lz4', () => {
    const s = slsStringToSign({
      method: 'POST',
      contentMd5: '1DD45FA4A70A9300CC9FE7305AF2C494',
      contentType: 'application/x-protobuf',
      date: 'Mon, 09 Nov 2015 06:03:03 GMT',
      headers: {
        'x-log-apiversion': '0.6.0',
        'x-log-bodyrawsize': '50',
        'x-log-compresstype': 'lz4',
        'x-log-signaturemethod': 'hmac-sha1',
      },
      path: '/logstores/test-logstore',
    });
    assert.equal(slsSignature(SECRET, s), 'XWLGYHGg2F2hcfxWxMLiNkGki6g=');
  });

  test('vector 3: PutLogs body, MD5 and signature', () => {
    const body = encodeLogGroup({
      logs: [{ time: 1700000000, contents: [['a', 'b']] }],
      topic: 't',
      source: 's',
      logTags: [['k', 'v']],
    });
    assert.equal(Buffer.from(body).toString('hex'), '0a0e0880e2cfaa0612060a01611201621a017422017332060a016b120176');
    const md5 = slsContentMd5(body);
    assert.equal(md5, '7617341ADC080A76A6226665D73C7D54');
    const s = slsStringToSign({
      method: 'POST',
      contentMd5: md5,
      contentType: 'application/x-protobuf',
      date: 'Tue, 14 Nov 2023 22:13:20 GMT',
      headers: { 'x-log-apiversion': '0.6.0', 'x-log-bodyrawsize': '30', 'x-log-signaturemethod': 'hmac-sha1' },
      path: '/logstores/test-logstore/shards/lb',
    });
    assert.equal(slsSignature(SECRET, s), 'PggZ5MRcUt3ewcProKv7mIoEYXI=');
  });
});

describe('sls lz4 block codec', () => {
  const roundTrip = (input: Uint8Array) => {
    const compressed = lz4CompressBlock(input);
    assert.deepEqual(Buffer.from(lz4DecompressBlock(compressed, input.length)), Buffer.from(input));
    return compressed;
  };

  test('round-trips empty, tiny, random and repetitive input', () => {
    roundTrip(new Uint8Array(0));
    roundTrip(Buffer.from('abc'));
    roundTrip(Buffer.from('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'));
    const random = randomBytes(200_000);
    const c = roundTrip(random);
    assert.ok(c.length <= random.length + Math.floor(random.length / 255) + 16);
    const json = Buffer.from(JSON.stringify(Array.from({ length: 2000 }, (_, i) => kubeEvent({ reason: `R${i % 7}` }).raw)));
    const cj = roundTrip(json);
    assert.ok(cj.length * 4 < json.length, `JSON should compress well: ${cj.length} of ${json.length}`);
    // Long literal runs and long matches (length bytes of 255).
    const mixed = Buffer.concat([randomBytes(1000), Buffer.alloc(5000, 7), randomBytes(300), Buffer.alloc(70_000, 1)]);
    roundTrip(mixed);
  });
});

describe('sls log shape (kube-eventer fields)', () => {
  test('eventId is the Event as indented JSON, plus hostname, level, pod_id, pod_name, labels', () => {
    const event = kubeEvent();
    const log = eventToSlsLog(event, [['cluster', 'c1']]);
    assert.equal(log.time, 1700000000);
    assert.deepEqual(
      log.contents.map(([k]) => k),
      ['eventId', 'hostname', 'level', 'pod_id', 'pod_name', 'count', 'action', 'cluster'],
    );
    const eventId = log.contents[0]?.[1] as string;
    assert.ok(eventId.startsWith('{\n "kind": "Event",\n "apiVersion": "v1",\n "metadata": {\n  "name"'));
    assert.ok(eventId.includes('\\u003cweb\\u003e'), 'Go escapes < and >');
    assert.deepEqual(JSON.parse(eventId), event.raw);
    assert.deepEqual(Object.fromEntries(log.contents.slice(1)), {
      hostname: 'cn-hangzhou.192.168.0.10',
      level: 'Warning',
      pod_id: 'a1b2c3d4-0000-4000-8000-0000000000aa',
      pod_name: 'web-7d4b9c-x2x9z',
      count: '3',
      action: 'create',
      cluster: 'c1',
    });
    const node = eventToSlsLog(kubeEvent({ kind: 'Node', objectName: 'n1' }), []);
    assert.deepEqual(
      node.contents.map(([k]) => k),
      ['eventId', 'hostname', 'level', 'count', 'action'],
    );
  });

  test('Date objects from the client library are written as Go writes metav1 times', () => {
    const event = kubeEvent();
    const raw = {
      ...event.raw,
      lastTimestamp: new Date('2023-11-14T22:13:20Z'),
      eventTime: new Date('2023-11-14T22:13:20.123Z'),
    };
    const log = eventToSlsLog({ ...event, raw: raw as typeof event.raw }, []);
    const parsed = JSON.parse(log.contents[0]?.[1] as string) as Record<string, unknown>;
    assert.equal(parsed.lastTimestamp, '2023-11-14T22:13:20Z');
    assert.equal(parsed.eventTime, '2023-11-14T22:13:20.123000Z');
  });

  test('splitLogs respects count and size bounds', () => {
    const logs = Array.from({ length: 10 }, (_, i) => encodeLog({ time: i, contents: [['k', 'x'.repeat(1000)]] }));
    assert.deepEqual(
      splitLogs(logs, 4, 1_000_000).map((c) => c.length),
      [4, 4, 2],
    );
    assert.deepEqual(
      splitLogs(logs, 100, 3100).map((c) => c.length),
      [3, 3, 3, 1],
    );
  });
});

describe('sls options', () => {
  const spec = (query: string) => specFrom('sls', `https://sls.aliyuncs.com?${query}`);

  test('endpoint: option, then SLS_ENDPOINT, then region (intranet by default)', () => {
    const base = 'project=p&logStore=k8s-event&regionId=cn-hangzhou';
    assert.equal(parseSlsOptions(spec(base), {}).endpoint.href, 'https://cn-hangzhou-intranet.log.aliyuncs.com/');
    assert.equal(parseSlsOptions(spec(`${base}&internal=false`), {}).endpoint.href, 'https://cn-hangzhou.log.aliyuncs.com/');
    assert.equal(parseSlsOptions(spec(base), { SLS_ENDPOINT: 'cn-beijing.log.aliyuncs.com' }).endpoint.host, 'cn-beijing.log.aliyuncs.com');
    assert.equal(
      parseSlsOptions(spec('project=p&logStore=l'), { RegionId: 'cn-shanghai' }).endpoint.host,
      'cn-shanghai-intranet.log.aliyuncs.com',
    );
    assert.equal(parseSlsOptions(spec(`${base}&endpoint=http://127.0.0.1:9`), {}).endpoint.href, 'http://127.0.0.1:9/');
    const labels = parseSlsOptions(spec(`${base}&label=a,1&label=b,2&topic=t`), {});
    assert.deepEqual(labels.labels, [
      ['a', '1'],
      ['b', '2'],
    ]);
    assert.equal(labels.topic, 't');
  });

  test('bad options are ConfigErrors naming the option', () => {
    const issue = (query: string, env: NodeJS.ProcessEnv = {}) => {
      try {
        parseSlsOptions(spec(query), env);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /--sink=sls/);
        return error.issues.map((i) => i.path);
      }
      assert.fail('expected a ConfigError');
    };
    assert.deepEqual(issue('logStore=l&regionId=r'), ['project']);
    assert.deepEqual(issue('project=p&regionId=r'), ['logStore']);
    assert.deepEqual(issue('project=p&logStore=l&regionId=r&label=novalue'), ['label[0]']);
    assert.deepEqual(issue('project=p&logStore=l&regionId=r&internal=maybe'), ['internal']);
    assert.deepEqual(issue('project=p&logStore=l'), ['regionId']);
    assert.throws(
      () =>
        createSlsSink(
          spec('project=p&logStore=l&regionId=r'),
          sinkContext(manualClock(0), { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' }),
        ),
      (error: unknown) => error instanceof ConfigError && error.issues[0]?.path === 'accessKeyId',
    );
  });
});

function encryptTokenValue(plain: string, keyring: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(keyring), iv);
  return Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}

describe('sls sink against the SLS peer', () => {
  let server: SlsServer;
  let dir: string;
  before(async () => {
    server = await startSlsServer({
      accessKeys: [
        { accessKeyId: AK, accessKeySecret: SECRET },
        { accessKeyId: 'STS.sts-id', accessKeySecret: 'sts-secret', securityToken: 'sts-token-value' },
        { accessKeyId: 'dir-id', accessKeySecret: 'dir-secret' },
      ],
      projects: { 'k8s-log-c1': ['k8s-event'] },
      maxLogs: 4096,
    });
    dir = await mkdtemp(join(tmpdir(), 'sls-sink-'));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const uri = (extra = '') =>
    `https://sls.aliyuncs.com?project=k8s-log-c1&logStore=k8s-event&topic=c1&label=cluster_id,c1&endpoint=${server.url}${extra}`;
  const sinkWith = (extra: string, env: NodeJS.ProcessEnv = {}) =>
    createSlsSink(specFrom('sls', uri(extra)), sinkContext(manualClock(Date.now()), env));

  test('PutLogs (lz4) is accepted and decodes to kube-eventer fields', async () => {
    const sink = await sinkWith(`&accessKeyId=${AK}&accessKeySecret=${encodeURIComponent(SECRET)}`);
    const before = server.received.length;
    const events = [kubeEvent(), kubeEvent({ kind: 'Node', objectName: 'node-1', reason: 'NodeNotReady' })];
    await sink.send(events, AbortSignal.timeout(5000));
    assert.equal(server.received.length, before + 1);
    const got = server.received.at(-1);
    assert.ok(got);
    assert.equal(got.compressType, 'lz4');
    assert.equal(got.group.topic, 'c1');
    assert.equal(got.headers.host, `k8s-log-c1.127.0.0.1:${server.port}`);
    const logs = got.group.logs.map((log) => Object.fromEntries(log.contents.map((c) => [c.key, c.value])));
    assert.equal(logs.length, 2);
    assert.deepEqual(JSON.parse(logs[0]?.eventId as string), events[0]?.raw);
    assert.equal(logs[0]?.pod_name, 'web-7d4b9c-x2x9z');
    assert.equal(logs[1]?.pod_name, undefined);
    assert.equal(logs[1]?.cluster_id, 'c1');
    assert.equal(got.group.logs[0]?.time, 1700000000);
  });

  test('deflate and uncompressed bodies are accepted too', async () => {
    for (const compress of ['deflate', 'none']) {
      const sink = await sinkWith(`&accessKeyId=${AK}&accessKeySecret=${encodeURIComponent(SECRET)}&compress=${compress}`);
      await sink.send([kubeEvent()], AbortSignal.timeout(5000));
      assert.equal(server.received.at(-1)?.compressType, compress === 'none' ? '' : compress);
    }
  });

  test('a batch over maxLogs goes out in several requests', async () => {
    const sink = await sinkWith(`&accessKeyId=${AK}&accessKeySecret=${encodeURIComponent(SECRET)}&maxLogs=2`);
    assert.deepEqual(sink.limits, { maxBatch: 2 });
    const before = server.received.length;
    await sink.send(
      Array.from({ length: 5 }, (_, i) => kubeEvent({ reason: `R${i}` })),
      AbortSignal.timeout(5000),
    );
    assert.deepEqual(
      server.received.slice(before).map((r) => r.group.logs.length),
      [2, 2, 1],
    );
  });

  test('error codes map to retryable / rate limited / permanent', async () => {
    const good = await sinkWith(`&accessKeyId=${AK}&accessKeySecret=${encodeURIComponent(SECRET)}`);
    server.failNext(1, 'WriteQuotaExceed');
    await assert.rejects(good.send([kubeEvent()], AbortSignal.timeout(5000)), (error: unknown) => {
      assert.ok(error instanceof SinkError);
      assert.equal(error.retryable, true);
      assert.equal(error.rateLimited, true);
      assert.match(error.message, /WriteQuotaExceed/);
      assert.match(error.message, /request [0-9A-F]{24}/);
      return true;
    });
    server.failNext(1, 'ServerBusy');
    await assert.rejects(
      good.send([kubeEvent()], AbortSignal.timeout(5000)),
      (error: unknown) => error instanceof SinkError && error.retryable && !error.rateLimited,
    );
    const wrong = await sinkWith(`&accessKeyId=${AK}&accessKeySecret=wrong`);
    await assert.rejects(
      wrong.send([kubeEvent()], AbortSignal.timeout(5000)),
      (error: unknown) => error instanceof SinkError && !error.retryable && /SignatureNotMatch/.test(error.message),
    );
    const missing = await createSlsSink(
      specFrom(
        'sls',
        `https://x?project=k8s-log-c1&logStore=nope&endpoint=${server.url}&accessKeyId=${AK}&accessKeySecret=${encodeURIComponent(SECRET)}`,
      ),
      sinkContext(manualClock(Date.now())),
    );
    await assert.rejects(
      missing.send([kubeEvent()], AbortSignal.timeout(5000)),
      (error: unknown) => error instanceof SinkError && !error.retryable && /LogStoreNotExist/.test(error.message),
    );
    const skewed = await createSlsSink(
      specFrom('sls', uri(`&accessKeyId=${AK}&accessKeySecret=${encodeURIComponent(SECRET)}`)),
      sinkContext(manualClock(Date.now() - 3_600_000)),
    );
    await assert.rejects(skewed.send([kubeEvent()], AbortSignal.timeout(5000)), /RequestTimeExpired/);
  });

  test('credentials from env, a Secret directory and the ACK token-config (STS)', async () => {
    const fromEnv = await sinkWith('', { ALIBABA_CLOUD_ACCESS_KEY_ID: AK, ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET });
    await fromEnv.send([kubeEvent()], AbortSignal.timeout(5000));
    assert.equal(server.received.at(-1)?.accessKeyId, AK);

    const secretDir = join(dir, 'alibaba-addon-secret');
    await rm(secretDir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(secretDir));
    await writeFile(join(secretDir, 'access-key-id'), 'dir-id\n');
    await writeFile(join(secretDir, 'access-key-secret'), 'dir-secret\n');
    const fromDir = await sinkWith(`&akSecretDir=${encodeURIComponent(secretDir)}`);
    await fromDir.send([kubeEvent()], AbortSignal.timeout(5000));
    assert.equal(server.received.at(-1)?.accessKeyId, 'dir-id');

    const keyring = '0123456789abcdef';
    const tokenConfig = join(dir, 'token-config');
    await writeFile(
      tokenConfig,
      JSON.stringify({
        'access.key.id': encryptTokenValue('STS.sts-id', keyring),
        'access.key.secret': encryptTokenValue('sts-secret', keyring),
        'security.token': encryptTokenValue('sts-token-value', keyring),
        expiration: '2099-01-01T00:00:00Z',
        keyring,
      }),
    );
    const creds = await readTokenConfig(tokenConfig);
    assert.equal(creds.securityToken, 'sts-token-value');
    assert.equal(creds.expiresAt, Date.parse('2099-01-01T00:00:00Z'));
    assert.equal(decryptTokenValue(encryptTokenValue('x', keyring), keyring), 'x');
    const fromSts = await sinkWith(`&tokenConfig=${encodeURIComponent(tokenConfig)}`);
    await fromSts.send([kubeEvent()], AbortSignal.timeout(5000));
    const got = server.received.at(-1);
    assert.equal(got?.accessKeyId, 'STS.sts-id');
    assert.equal(got?.headers['x-acs-security-token'], 'sts-token-value');
  });

  test('rotated STS credentials: a 401 is retryable and the next send re-reads the token file', async () => {
    const keyring = 'fedcba9876543210';
    const tokenConfig = join(dir, 'token-config-rotating');
    const writeToken = (id: string, secret: string, token: string) =>
      writeFile(
        tokenConfig,
        JSON.stringify({
          'access.key.id': encryptTokenValue(id, keyring),
          'access.key.secret': encryptTokenValue(secret, keyring),
          'security.token': encryptTokenValue(token, keyring),
          expiration: '2099-01-01T00:00:00Z',
          keyring,
        }),
      );
    await writeToken('STS.sts-id', 'sts-secret', 'sts-token-value');
    const sink = await sinkWith(`&tokenConfig=${encodeURIComponent(tokenConfig)}`);
    await sink.send([kubeEvent()], AbortSignal.timeout(5000));
    const rotated = { accessKeyId: 'STS.next', accessKeySecret: 'next-secret', securityToken: 'next-token' };
    server.setAccessKeys([{ accessKeyId: AK, accessKeySecret: SECRET }, rotated]);
    await writeToken(rotated.accessKeyId, rotated.accessKeySecret, rotated.securityToken);
    try {
      await assert.rejects(
        sink.send([kubeEvent()], AbortSignal.timeout(5000)),
        (error: unknown) => error instanceof SinkError && error.retryable && error.code === 'ERR_SINK_AUTH',
      );
      await sink.send([kubeEvent()], AbortSignal.timeout(5000));
      assert.equal(server.received.at(-1)?.accessKeyId, 'STS.next');
      assert.equal(server.received.at(-1)?.headers['x-acs-security-token'], 'next-token');
    } finally {
      server.setAccessKeys([
        { accessKeyId: AK, accessKeySecret: SECRET },
        { accessKeyId: 'STS.sts-id', accessKeySecret: 'sts-secret', securityToken: 'sts-token-value' },
        { accessKeyId: 'dir-id', accessKeySecret: 'dir-secret' },
      ]);
    }
  });

  test('the ECS RAM role from the metadata service, refreshed before it expires', async () => {
    const soon = new Date(Date.now() + 5 * 60_000).toISOString().slice(0, 19).concat('Z');
    const metadata = await startEcsMetadataServer({
      roleName: 'KubernetesWorkerRole-abc',
      credentials: { accessKeyId: 'STS.sts-id', accessKeySecret: 'sts-secret', securityToken: 'sts-token-value', expiration: soon },
    });
    try {
      const sink = await sinkWith('', { ACK_NPD_ECS_METADATA_ENDPOINT: metadata.url });
      await sink.send([kubeEvent()], AbortSignal.timeout(5000));
      await sink.send([kubeEvent()], AbortSignal.timeout(5000));
      assert.equal(server.received.at(-1)?.accessKeyId, 'STS.sts-id');
      assert.equal(server.received.at(-1)?.headers['x-acs-security-token'], 'sts-token-value');
      // Expiring within 10 minutes: fetched again for every request.
      assert.equal(metadata.fetches, 2);
    } finally {
      await metadata.close();
    }
  });

  test('the peer enforces its limits: too large is PostBodyTooLarge, too many logs PostBodyInvalid', async () => {
    const strict = await startSlsServer({
      accessKeys: [{ accessKeyId: AK, accessKeySecret: SECRET }],
      projects: { p: ['l'] },
      maxRawBytes: 8192,
      maxLogs: 3,
    });
    try {
      const sink = await createSlsSink(
        specFrom(
          'sls',
          `https://x?project=p&logStore=l&endpoint=${strict.url}&accessKeyId=${AK}&accessKeySecret=${encodeURIComponent(SECRET)}`,
        ),
        sinkContext(manualClock(Date.now())),
      );
      await assert.rejects(
        sink.send([kubeEvent({ message: 'm'.repeat(10_000) })], AbortSignal.timeout(5000)),
        (error: unknown) => error instanceof SinkError && !error.retryable && /413 PostBodyTooLarge/.test(error.message),
      );
      await assert.rejects(
        sink.send([kubeEvent(), kubeEvent(), kubeEvent(), kubeEvent()], AbortSignal.timeout(5000)),
        (error: unknown) => error instanceof SinkError && !error.retryable && /PostBodyInvalid/.test(error.message),
      );
      await sink.send([kubeEvent()], AbortSignal.timeout(5000));
      assert.equal(strict.received.length, 1);
    } finally {
      await strict.close();
    }
  });

  test('log lines never carry the secret', async () => {
    const lines: string[] = [];
    const logger = createLogger({ name: 'test', level: 'debug', destination: { write: (line: string) => lines.push(line) } });
    const sink = await createSlsSink(specFrom('sls', uri(`&accessKeyId=${AK}&accessKeySecret=SUPERSECRET-1`)), {
      ...sinkContext(manualClock(Date.now())),
      logger,
    });
    await assert.rejects(sink.send([kubeEvent()], AbortSignal.timeout(5000)), /SignatureNotMatch/);
    assert.ok(lines.some((line) => line.includes('sls refused PutLogs')));
    assert.ok(lines.every((line) => !line.includes('SUPERSECRET')));
  });

  test('the decoder rejects a corrupt body as PostBodyInvalid', () => {
    assert.throws(() => decodeLogGroup(Uint8Array.from([0x0a, 0x05, 0x08])), /out of bounds/);
    assert.throws(() => lz4DecompressBlock(Uint8Array.from([0x10, 0x61, 0x05, 0x00]), 10), /offset|bounds|expected/);
  });
});
