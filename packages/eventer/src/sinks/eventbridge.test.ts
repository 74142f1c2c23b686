import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import { type EventBridgeServer, startEventBridgeServer } from '@ack-npd/testkit/peers/index';
import { SinkError } from '../errors.ts';
import {
  cloudEventId,
  createEventBridgeSink,
  EVENTBRIDGE_MAX_EVENT_BYTES,
  eventSubject,
  guessResource,
  parseEventBridgeOptions,
  splitCloudEvents,
  toCloudEventJson,
} from './eventbridge.ts';
import { eventBridgeSignature, eventBridgeStringToSign } from './eventbridge-signature.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from './fixtures/aliyun-sink-events.ts';

const BASE = 'clusterId=c1&regionId=cn-hangzhou&accountId=1234567890';

describe('eventbridge signature', () => {
  test('matches the documented vector', () => {
    const s = eventBridgeStringToSign({
      method: 'POST',
      path: '/openapi/putEvents',
      headers: {
        date: 'Tue, 14 Nov 2023 22:13:20 GMT',
        host: '123.eventbridge.cn-hangzhou.aliyuncs.com',
        accept: 'application/json',
        'x-acs-signature-nonce': 'abc123',
        'x-acs-signature-method': 'HMAC-SHA1',
        'x-acs-signature-version': '1.0',
        'x-eventbridge-version': '2015-06-06',
        'content-type': 'application/cloudevents-batch+json; charset=utf-8',
      },
    });
    assert.equal(eventBridgeSignature('testsecret', s), 'qdDwGplHXM7/L9ZpjTq52uE3Mdg=');
  });
});

describe('eventbridge CloudEvent shape (kube-eventer)', () => {
  const options = parseEventBridgeOptions(specFrom('eventbridge', `?${BASE}&accessKeyId=a&accessKeySecret=b`), {});

  test('source, type, subject, time, data and the bus extension', () => {
    const event = kubeEvent();
    const ce = JSON.parse(toCloudEventJson(event, options)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(ce), [
      'id',
      'source',
      'specversion',
      'type',
      'datacontenttype',
      'subject',
      'time',
      'data',
      'aliyuneventbusname',
      'eventcount',
      'eventaction',
    ]);
    assert.equal(ce.source, 'acs.cs');
    assert.equal(ce.type, 'cs:k8s:PodRelatedEvent');
    assert.equal(ce.specversion, '1.0');
    assert.equal(ce.datacontenttype, 'application/json');
    assert.equal(ce.subject, 'acs:cs:cn-hangzhou:1234567890:c1/apis/v1/namespaces/default/pods/web-7d4b9c-x2x9z');
    assert.equal(ce.time, '2023-11-14T22:13:20Z');
    assert.equal(ce.aliyuneventbusname, 'default');
    assert.deepEqual(ce.data, event.raw);
    assert.match(String(ce.id), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(ce.id, cloudEventId(event), 'ids are stable across retries');
    assert.notEqual(cloudEventId(kubeEvent({ resourceVersion: '9' })), ce.id);
  });

  test('subjects and resources as apimachinery guesses them', () => {
    assert.deepEqual(['Pod', 'Node', 'Ingress', 'NetworkPolicy', 'Endpoints', ''].map(guessResource), [
      'pods',
      'nodes',
      'ingresses',
      'networkpolicies',
      'endpoints',
      '',
    ]);
    const node = kubeEvent({ kind: 'Node', objectName: 'n1' });
    assert.equal(eventSubject(node, options), 'acs:cs:cn-hangzhou:1234567890:c1/apis/v1/namespaces//nodes/n1');
    const deploy = {
      ...kubeEvent(),
      involvedObject: { ...kubeEvent().involvedObject, kind: 'Deployment', apiVersion: 'apps/v1', name: 'web' },
    };
    assert.equal(eventSubject(deploy, options), 'acs:cs:cn-hangzhou:1234567890:c1/apis/apps/v1/namespaces/default/deployments/web');
    const odd = { ...kubeEvent(), involvedObject: { ...kubeEvent().involvedObject, kind: 'Foo', apiVersion: 'x.io' } };
    assert.match(eventSubject(odd, options), /\/apis\/x\.io\/versionUnknown\/namespaces\/default\/foos\//);
    const none = { ...kubeEvent(), involvedObject: { ...kubeEvent().involvedObject, kind: '' } };
    assert.equal((JSON.parse(toCloudEventJson(none, options)) as { type: string }).type, 'cs:k8s:UnknownTypeEvent');
  });

  test('an oversized event is trimmed under 64 KB; batches split at 16 events / 256 KB', () => {
    const huge = kubeEvent({ message: 'x'.repeat(200_000) });
    const json = toCloudEventJson(huge, options);
    assert.ok(Buffer.byteLength(json) <= EVENTBRIDGE_MAX_EVENT_BYTES);
    assert.ok((JSON.parse(json) as { data: { message: string } }).data.message.endsWith('...'));
    const small = Array.from({ length: 40 }, () => '{"a":1}');
    assert.deepEqual(
      splitCloudEvents(small).map((r) => r.length),
      [16, 16, 8],
    );
    const big = Array.from({ length: 10 }, () => `{"a":"${'y'.repeat(60_000)}"}`);
    assert.deepEqual(
      splitCloudEvents(big).map((r) => r.length),
      [4, 4, 2],
    );
  });
});

describe('eventbridge options', () => {
  test('endpoint from account and region (VPC by default), env fallbacks', () => {
    assert.equal(
      parseEventBridgeOptions(specFrom('eventbridge', `?${BASE}`), {}).endpoint.href,
      'https://1234567890.eventbridge.cn-hangzhou-vpc.aliyuncs.com/',
    );
    assert.equal(
      parseEventBridgeOptions(specFrom('eventbridge', `?${BASE}&internal=false`), {}).endpoint.host,
      '1234567890.eventbridge.cn-hangzhou.aliyuncs.com',
    );
    const fromEnv = parseEventBridgeOptions(specFrom('eventbridge', '?eventBusName=ops'), {
      ClusterId: 'c9',
      RegionId: 'cn-beijing',
      OwnerAccountId: '42',
    });
    assert.equal(fromEnv.clusterId, 'c9');
    assert.equal(fromEnv.eventBusName, 'ops');
    assert.equal(fromEnv.endpoint.host, '42.eventbridge.cn-beijing-vpc.aliyuncs.com');
  });

  test('missing cluster id, account or credentials are ConfigErrors', () => {
    assert.throws(
      () => parseEventBridgeOptions(specFrom('eventbridge', '?regionId=r'), {}),
      (error: unknown) =>
        error instanceof ConfigError &&
        /--sink=eventbridge/.test(error.message) &&
        error.issues.map((i) => i.path).join() === 'clusterId,accountId',
    );
    assert.throws(
      () =>
        createEventBridgeSink(
          specFrom('eventbridge', `?${BASE}`),
          sinkContext(manualClock(0), { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' }),
        ),
      (error: unknown) => error instanceof ConfigError && error.issues[0]?.path === 'accessKeyId',
    );
  });
});

describe('eventbridge sink against the EventBridge peer', () => {
  let server: EventBridgeServer;
  before(async () => {
    server = await startEventBridgeServer({
      accessKeys: [
        { accessKeyId: 'ak', accessKeySecret: 'sk' },
        { accessKeyId: 'STS.ak', accessKeySecret: 'sts-sk', securityToken: 'tok' },
      ],
      buses: ['default', 'ops'],
    });
  });
  after(() => server.close());

  const sinkWith = (extra: string, env: NodeJS.ProcessEnv = {}) =>
    createEventBridgeSink(specFrom('eventbridge', `?${BASE}&endpoint=${server.url}${extra}`), sinkContext(manualClock(Date.now()), env));

  test('PutEvents is accepted, split at 16 events', async () => {
    const sink = await sinkWith('&accessKeyId=ak&accessKeySecret=sk');
    assert.deepEqual(sink.limits, { maxBatch: 16 });
    const before = server.events.length;
    const requestsBefore = server.requests.length;
    const events = Array.from({ length: 20 }, (_, i) => kubeEvent({ reason: `R${i}`, resourceVersion: String(i) }));
    await sink.send(events, AbortSignal.timeout(5000));
    assert.equal(server.events.length, before + 20);
    assert.deepEqual(
      server.requests.slice(requestsBefore).map((r) => r.count),
      [16, 4],
    );
    const first = server.events[before];
    assert.equal(first?.bus, 'default');
    assert.equal(first?.event.type, 'cs:k8s:PodRelatedEvent');
    assert.deepEqual(first?.event.data, events[0]?.raw);
  });

  test('STS credentials send x-acs-accesskey-id and x-acs-security-token', async () => {
    const sink = await sinkWith('&eventBusName=ops', {
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.ak',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sts-sk',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'tok',
    });
    await sink.send([kubeEvent()], AbortSignal.timeout(5000));
    assert.equal(server.events.at(-1)?.accessKeyId, 'STS.ak');
    assert.equal(server.events.at(-1)?.bus, 'ops');
  });

  test('errors: bad signature, unknown bus, throttling, 5xx', async () => {
    const wrong = await sinkWith('&accessKeyId=ak&accessKeySecret=nope');
    await assert.rejects(wrong.send([kubeEvent()], AbortSignal.timeout(5000)), (error: unknown) => {
      assert.ok(error instanceof SinkError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /401 SignatureDoesNotMatch/);
      assert.doesNotMatch(error.message, /nope/);
      return true;
    });
    const noBus = await sinkWith('&accessKeyId=ak&accessKeySecret=sk&eventBusName=missing');
    await assert.rejects(
      noBus.send([kubeEvent()], AbortSignal.timeout(5000)),
      (error: unknown) => error instanceof SinkError && !error.retryable && /EventBusNotExist/.test(error.message),
    );
    const good = await sinkWith('&accessKeyId=ak&accessKeySecret=sk');
    server.failNext(1, 429, 'Throttling.User');
    await assert.rejects(
      good.send([kubeEvent()], AbortSignal.timeout(5000)),
      (error: unknown) => error instanceof SinkError && error.retryable && error.rateLimited,
    );
    server.failNext(1, 503, 'ServiceUnavailable');
    await assert.rejects(
      good.send([kubeEvent()], AbortSignal.timeout(5000)),
      (error: unknown) => error instanceof SinkError && error.retryable && !error.rateLimited,
    );
    await good.send([kubeEvent()], AbortSignal.timeout(5000));
  });

  test('a skewed clock is refused', async () => {
    const sink = await createEventBridgeSink(
      specFrom('eventbridge', `?${BASE}&endpoint=${server.url}&accessKeyId=ak&accessKeySecret=sk`),
      sinkContext(manualClock(Date.now() + 3_600_000)),
    );
    await assert.rejects(sink.send([kubeEvent()], AbortSignal.timeout(5000)), /RequestTimeExpired/);
  });
});
