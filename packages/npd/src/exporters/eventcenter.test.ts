import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createLogger } from '@ack-npd/core/logger';
import { startTestCenter, type TestCenter } from '@ack-npd/eventcenter/testing/center';
import { waitFor } from '@ack-npd/testkit';
import { createEventCenterExporter } from './eventcenter.ts';

let center: TestCenter;
before(async () => {
  center = await startTestCenter();
});
after(async () => center.close());

it('posts condition changes (with the condition) and events to the event center, once each', async () => {
  const exporter = createEventCenterExporter({
    url: center.url,
    token: '',
    nodeName: 'laptop',
    logger: createLogger({ name: 't', level: 'silent' }),
    flushMs: 50,
  });
  const healthy = {
    type: 'KernelDeadlock',
    status: 'False' as const,
    transition: 1_000,
    reason: 'KernelHasNoDeadlock',
    message: 'kernel has no deadlock',
  };
  await exporter.export({ source: 'kernel-monitor', events: [], conditions: [healthy] });
  await exporter.export({ source: 'kernel-monitor', events: [], conditions: [healthy] });
  await exporter.export({
    source: 'kernel-monitor',
    events: [{ severity: 'warn', timestamp: 3_000, reason: 'OOMKilling', message: 'Out of memory: Killed process 42 (java)' }],
    conditions: [
      {
        type: 'KernelDeadlock',
        status: 'True',
        transition: 2_000,
        reason: 'DockerHung',
        message: 'task docker:7 blocked for more than 120 seconds.',
      },
    ],
  });
  await exporter.close();
  await waitFor('3 stored events', async () => (await center.store.count({ include: { name: ['laptop'] } })) === 3, { timeoutMs: 10_000 });
  const view = (await (await fetch(`${center.url}/api/v1/nodes/laptop?from=0`)).json()) as {
    conditions: { type: string; status: string; transitions: { status: string }[] }[];
    events: { reason: string; kind: string; type: string }[];
  };
  assert.deepEqual(view.conditions, [
    {
      type: 'KernelDeadlock',
      status: 'True',
      transitions: [
        { status: 'False', reason: 'KernelHasNoDeadlock', message: 'kernel has no deadlock', at: 1000 },
        { status: 'True', reason: 'DockerHung', message: 'task docker:7 blocked for more than 120 seconds.', at: 2000 },
      ],
    },
  ]);
  assert.deepEqual(
    view.events.map((e) => `${e.kind}:${e.type}:${e.reason}`),
    ['Node:Warning:OOMKilling', 'Node:Warning:DockerHung', 'Node:Normal:KernelHasNoDeadlock'],
  );
});

it('a center that is down neither throws nor blocks close()', async () => {
  const logger = createLogger({ name: 't', level: 'silent' });
  const down = createEventCenterExporter({ url: 'http://127.0.0.1:1', token: '', nodeName: 'n2', logger, flushMs: 20 });
  await down.export({ source: 's', events: [{ severity: 'info', timestamp: 5, reason: 'R', message: 'm' }], conditions: [] });
  await down.close();
  assert.equal(await center.store.count({ include: { name: ['n2'] } }), 0);
});
