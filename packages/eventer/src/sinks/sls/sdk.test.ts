/**
 * Cross-check with the official Log Service Python SDK (aliyun-log-python-sdk, installed
 * from PyPI into ~/.cache/ack-npd/pyenv-sls on first run by packages/testkit/scripts/sls-sdk-venv.sh):
 * the SLS peer must accept what the SDK sends (signature, lz4 from the reference library,
 * protobuf), and the bytes our sink sends must decode identically with the SDK's own lz4
 * and protobuf classes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ensureSdkPython, runSlsSdk, type SlsServer, startSlsServer } from '@ack-npd/testkit/peers/index';
import { kubeEvent, manualClock, sinkContext, specFrom } from '../fixtures/aliyun-sink-events.ts';
import { createSlsSink } from './index.ts';

const AK = 'sdk-ak';
const SECRET = 'sdk/secret+=';

interface DecodedBySdk {
  rawSize: number;
  topic: string;
  source: string;
  logs: { time: number; contents: [string, string][] }[];
  logTags: [string, string][];
}

describe('SLS peer and sink against the official Python SDK', { timeout: 15 * 60_000 }, () => {
  let server: SlsServer;
  before(async () => {
    await ensureSdkPython();
    server = await startSlsServer({
      accessKeys: [
        { accessKeyId: AK, accessKeySecret: SECRET },
        { accessKeyId: 'STS.x', accessKeySecret: 'sts-secret', securityToken: 'tok' },
      ],
      projects: { proj: ['k8s-event'] },
    });
  });
  after(() => server?.close());

  const logs: { time: number; contents: [string, string][] }[] = [
    {
      time: 1700000000,
      contents: [
        ['reason', 'BackOff'],
        ['message', 'a <b> & "c" 中文'],
      ],
    },
    { time: 1700000001, contents: [['eventId', JSON.stringify(kubeEvent().raw, null, 1).repeat(20)]] },
  ];

  test('the SDK (lz4) is accepted and decodes to what it sent', async () => {
    const before = server.received.length;
    const result = await runSlsSdk<{ ok: boolean }>({
      mode: 'put',
      endpoint: server.url,
      project: 'proj',
      logstore: 'k8s-event',
      accessKeyId: AK,
      accessKeySecret: SECRET,
      topic: 'topic-1',
      source: '10.0.0.1',
      logs,
    });
    assert.deepEqual(result, { ok: true });
    const got = server.received[before];
    assert.ok(got);
    assert.equal(got.compressType, 'lz4');
    assert.equal(got.group.topic, 'topic-1');
    assert.equal(got.group.source, '10.0.0.1');
    assert.deepEqual(
      got.group.logs.map((log) => ({ time: log.time, contents: log.contents.map((c) => [c.key, c.value]) })),
      logs,
    );
  });

  test('the SDK with an STS token, and the SDK uncompressed', async () => {
    const sts = await runSlsSdk<{ ok: boolean }>({
      mode: 'put',
      endpoint: server.url,
      project: 'proj',
      logstore: 'k8s-event',
      accessKeyId: 'STS.x',
      accessKeySecret: 'sts-secret',
      securityToken: 'tok',
      logs,
    });
    assert.deepEqual(sts, { ok: true });
    const plain = await runSlsSdk<{ ok: boolean }>({
      mode: 'put',
      endpoint: server.url,
      project: 'proj',
      logstore: 'k8s-event',
      accessKeyId: AK,
      accessKeySecret: SECRET,
      logs,
      compress: false,
    });
    assert.deepEqual(plain, { ok: true });
    assert.equal(server.received.at(-1)?.compressType, '');
  });

  test('the SDK sees our error JSON: a wrong secret is SignatureNotMatch, a missing logstore LogStoreNotExist', async () => {
    const wrong = await runSlsSdk<{ ok: boolean; errorCode: string; status: number }>({
      mode: 'put',
      endpoint: server.url,
      project: 'proj',
      logstore: 'k8s-event',
      accessKeyId: AK,
      accessKeySecret: 'not-the-secret',
      logs,
    });
    assert.equal(wrong.ok, false);
    assert.equal(wrong.errorCode, 'SignatureNotMatch');
    assert.equal(wrong.status, 401);
    const missing = await runSlsSdk<{ ok: boolean; errorCode: string; status: number }>({
      mode: 'put',
      endpoint: server.url,
      project: 'proj',
      logstore: 'nope',
      accessKeyId: AK,
      accessKeySecret: SECRET,
      logs,
    });
    assert.equal(missing.errorCode, 'LogStoreNotExist');
    assert.equal(missing.status, 404);
  });

  test('our sink request bytes decode identically with the SDK (lz4 and deflate)', async () => {
    for (const compress of ['lz4', 'deflate']) {
      const sink = await createSlsSink(
        specFrom(
          'sls',
          `https://sls.aliyuncs.com?project=proj&logStore=k8s-event&topic=t1&label=cluster_id,c1&compress=${compress}&endpoint=${server.url}&accessKeyId=${AK}&accessKeySecret=${encodeURIComponent(SECRET)}`,
        ),
        sinkContext(manualClock(Date.now())),
      );
      const events = Array.from({ length: 50 }, (_, i) =>
        kubeEvent({ reason: i % 2 ? 'BackOff' : 'Unhealthy', message: `probe failed <${i}> 中文`, objectName: `pod-${i}` }),
      );
      await sink.send(events, AbortSignal.timeout(10_000));
      const got = server.received.at(-1);
      assert.ok(got);
      assert.equal(got.compressType, compress);
      const sdk = await runSlsSdk<DecodedBySdk>({
        mode: 'decode',
        body: got.body.toString('base64'),
        rawSize: got.rawSize,
        compressType: compress,
      });
      assert.equal(sdk.rawSize, got.rawSize);
      assert.equal(sdk.topic, 't1');
      assert.deepEqual(
        sdk.logs,
        got.group.logs.map((log) => ({ time: log.time, contents: log.contents.map((c) => [c.key, c.value]) })),
      );
      assert.equal(sdk.logs.length, 50);
      assert.equal(sdk.logs[3]?.contents.find(([k]) => k === 'pod_name')?.[1], 'pod-3');
      assert.deepEqual(JSON.parse(sdk.logs[0]?.contents[0]?.[1] as string), events[0]?.raw);
    }
  });
});
