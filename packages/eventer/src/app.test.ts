import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { systemClock } from '@ack-npd/core';
import { createLogger } from '@ack-npd/core/logger';
import { createRegistry } from '@ack-npd/core/metrics';
import { Eventer } from './app.ts';
import { buildConfig } from './config.ts';
import { createEventerMetrics } from './metrics.ts';
import { createLogSink } from './sinks/log.ts';
import { FakeEventApiserver } from './testing/fake-apiserver.ts';
import { MemorySink } from './testing/memory-sink.ts';

const api = new FakeEventApiserver();
let dir = '';
/** Eventers a test started: stopped in after() too, so a failed assertion never leaves one watching (the file would never exit). */
const running: { stop: AbortController; running: Promise<void> }[] = [];
before(async () => {
  await api.start();
  dir = await mkdtemp(join(tmpdir(), 'eventer-app-'));
});
after(async () => {
  for (const eventer of running) eventer.stop.abort();
  await Promise.allSettled(running.map((eventer) => eventer.running));
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('ships to every sink, exports the metrics, is ready while watching, and resumes from its file checkpoint', async () => {
  for (let i = 0; i < 3; i++) api.upsert('ns', `old-${i}.a`, { type: i === 0 ? 'Warning' : 'Normal' });
  const logger = createLogger({ name: 't', level: 'silent' });
  const registry = createRegistry({ defaultMetrics: false });
  const metrics = createEventerMetrics(registry);
  const output = new PassThrough();
  let logged = '';
  output.on('data', (chunk) => (logged += chunk));
  const config = buildConfig({ sink: ['log', 'webhook:http://unused/x'], frequency: 50, 'spool-dir': dir }, {}, 'h');
  const logSpec = config.sinks[0]?.spec;
  assert.ok(logSpec);
  const memory = new MemorySink('webhook');
  const context = { logger, clock: systemClock, env: {}, kube: undefined };
  const run = (sinks: ConstructorParameters<typeof Eventer>[0]['sinks']) => {
    const eventer = new Eventer({ config, kube: api.kube(), sinks, clock: systemClock, logger, metrics });
    const stop = new AbortController();
    const started = { eventer, stop, running: eventer.run(stop.signal) };
    running.push(started);
    return started;
  };
  const first = run([createLogSink(logSpec, context, output), memory]);
  await waitFor(() => memory.events.length === 3 && logged.split('\n').length > 3);
  assert.equal(first.eventer.readiness(), undefined);
  api.upsert('ns', 'old-1.a'); // count bump
  await waitFor(() => memory.events.length === 4);
  assert.equal(memory.events[3]?.change, 'updated');
  const line = JSON.parse(logged.split('\n')[0] ?? '{}');
  assert.equal(line.reason, 'Test');
  assert.equal(line.event.metadata.name, 'old-0.a');
  // The checkpoint is saved on its own timer: wait for it rather than race it on a loaded machine.
  const deadline = Date.now() + 10_000;
  while (!/eventer_checkpoint_saves_total\{result="ok"\} [1-9]/.test(await registry.metrics()) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const text = await registry.metrics();
  for (const metric of [
    'eventer_events_total{change="added"} 3',
    'eventer_events_total{change="updated"} 1',
    'eventer_sink_sent_total{sink="webhook"} 4',
    'eventer_sink_sent_total{sink="log"} 4',
    'eventer_sink_queue_depth{sink="webhook"} 0',
    'eventer_sink_lag_seconds{sink="webhook"} 0',
    'eventer_leader 1',
  ]) {
    assert.ok(text.includes(metric), `${metric} in\n${text}`);
  }
  assert.match(text, /eventer_checkpoint_saves_total\{result="ok"\} [1-9]/);
  first.stop.abort();
  await first.running;
  assert.equal(first.eventer.readiness(), undefined, 'not leading: nothing to be unready about');

  // A restart: resumes from the checkpoint file, ships only what is new.
  api.upsert('ns', 'new-0.a');
  const again = new MemorySink('webhook');
  const second = run([createLogSink(logSpec, context, new PassThrough()), again]);
  await waitFor(() => again.events.length === 1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(
    again.events.map((e) => e.name),
    ['new-0.a'],
  );
  second.stop.abort();
  await second.running;
});
