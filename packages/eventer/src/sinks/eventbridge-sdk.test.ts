/**
 * Cross-check with the official EventBridge Python SDK (alibabacloud-eventbridge, installed
 * from PyPI into ~/.cache/ack-npd/pyenv-sls on first run): the EventBridge peer accepts the
 * SDK's signature and batch, sends the SDK its error JSON, and our sink's CloudEvents arrive
 * exactly as the SDK's do for the same event.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type EventBridgeServer, ensureSdkPython, runEventBridgeSdk, startEventBridgeServer } from '@ack-npd/testkit/peers/index';
import { createEventBridgeSink } from './eventbridge.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from './fixtures/aliyun-sink-events.ts';

describe('EventBridge peer and sink against the official Python SDK', { timeout: 15 * 60_000 }, () => {
  let server: EventBridgeServer;
  before(async () => {
    await ensureSdkPython();
    server = await startEventBridgeServer({
      accessKeys: [
        { accessKeyId: 'ak', accessKeySecret: 'sk' },
        { accessKeyId: 'STS.ak', accessKeySecret: 'sts-sk', securityToken: 'tok' },
      ],
    });
  });
  after(() => server?.close());

  const endpoint = () => `127.0.0.1:${server.port}`;

  test('our CloudEvents arrive exactly as the SDK sends the same event', async () => {
    const sink = await createEventBridgeSink(
      specFrom('eventbridge', `?clusterId=c1&regionId=cn-hangzhou&accountId=42&endpoint=${server.url}&accessKeyId=ak&accessKeySecret=sk`),
      sinkContext(manualClock(Date.now())),
    );
    await sink.send([kubeEvent()], AbortSignal.timeout(5000));
    const ours = server.events.at(-1)?.event;
    assert.ok(ours);
    const result = await runEventBridgeSdk({
      endpoint: endpoint(),
      accessKeyId: 'ak',
      accessKeySecret: 'sk',
      events: [
        {
          id: String(ours.id),
          source: String(ours.source),
          type: String(ours.type),
          subject: String(ours.subject),
          time: String(ours.time),
          data: ours.data,
          bus: String(ours.aliyuneventbusname),
          extensions: { eventcount: ours.eventcount, eventaction: ours.eventaction },
        },
      ],
    });
    assert.deepEqual(result, { ok: true, failedEntryCount: 0, entries: [{ eventId: ours.id, errorCode: null }] });
    const theirs = server.events.at(-1)?.event;
    assert.deepEqual(theirs, ours);
    assert.deepEqual(Object.keys(theirs ?? {}), Object.keys(ours));
  });

  test('the SDK with STS credentials is accepted; a wrong secret and an unknown bus are refused', async () => {
    const event = { id: 'e-1', source: 'acs.cs', type: 'cs:k8s:PodRelatedEvent', time: '2023-11-14T22:13:20Z', data: { a: 1 } };
    const sts = await runEventBridgeSdk({
      endpoint: endpoint(),
      accessKeyId: 'STS.ak',
      accessKeySecret: 'sts-sk',
      securityToken: 'tok',
      events: [{ ...event, bus: 'default' }],
    });
    assert.equal(sts.ok, true);
    const wrong = await runEventBridgeSdk({
      endpoint: endpoint(),
      accessKeyId: 'ak',
      accessKeySecret: 'wrong',
      events: [{ ...event, id: 'e-2', bus: 'default' }],
    });
    assert.equal(wrong.ok, false);
    assert.equal(wrong.ok === false && wrong.code, 'SignatureDoesNotMatch');
    const noBus = await runEventBridgeSdk({
      endpoint: endpoint(),
      accessKeyId: 'ak',
      accessKeySecret: 'sk',
      events: [{ ...event, id: 'e-3', bus: 'missing' }],
    });
    assert.deepEqual(noBus, { ok: true, failedEntryCount: 1, entries: [{ eventId: 'e-3', errorCode: 'EventBusNotExist' }] });
  });
});
