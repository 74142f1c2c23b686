import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRegistry } from '@ack-npd/core/prom-lite';
import { FakeClock } from '@ack-npd/core/testing/fake-clock';
import { ProblemDetector } from '../engine.ts';
import { createStdoutExporter } from '../exporters/stdout.ts';
import { createHostFs } from '../hostfs.ts';
import { createNpdMetrics } from '../metrics.ts';
import { silentLogger } from '../testing/logger.ts';
import type { Status } from '../types.ts';
import { createProbeMonitor, type ProbeCheck } from './probe.ts';

const hostfs = createHostFs(join(import.meta.dirname, '..', 'fixtures', 'host'));

/** A tiny built-in check, written the way the next issue's fd_check etc. will be: one object. */
const uptimeCheck = (limitSeconds: number): ProbeCheck => ({
  name: 'uptime_check',
  source: 'uptime-monitor',
  conditions: [{ type: 'LongUptime', reason: 'UptimeIsShort', message: 'uptime is short' }],
  interval: 10_000,
  async probe({ hostfs }) {
    const seconds = Number((await hostfs.readFile('/proc/uptime')).split(' ')[0]);
    if (seconds > limitSeconds)
      return { conditions: [{ type: 'LongUptime', status: 'True', reason: 'UptimeIsLong', message: `up ${seconds}s` }] };
    return {
      conditions: [{ type: 'LongUptime', status: 'False' }],
      events: [{ severity: 'info', reason: 'UptimeChecked', message: 'ok' }],
    };
  },
});

async function until(ready: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

async function drive(check: ProbeCheck, clock: FakeClock, steps: number): Promise<Status[]> {
  const monitor = createProbeMonitor(check, { hostfs, logger: silentLogger(), clock });
  const controller = new AbortController();
  const statuses: Status[] = [];
  const done = (async () => {
    for await (const s of monitor.run(controller.signal)) statuses.push(s);
  })();
  await until(() => statuses.length >= 2);
  for (let i = 0; i < steps; i++) {
    await until(() => clock.pending > 0);
    await clock.advance(10_000);
    await until(() => statuses.length >= 3 + i);
  }
  controller.abort();
  await done;
  return statuses;
}

describe('probe checks (the built-in check plug point)', () => {
  it('schedules the probe, reads the host root, and runs the condition state machine', async () => {
    const statuses = await drive(uptimeCheck(100), new FakeClock(), 1);
    assert.equal(statuses[0]?.conditions[0]?.status, 'False', 'defaults first');
    assert.deepEqual(
      statuses.slice(1).map((s) => [s.conditions[0]?.status, s.conditions[0]?.reason, s.conditions[0]?.message, s.events.length]),
      [
        ['True', 'UptimeIsLong', 'up 600s', 1],
        ['True', 'UptimeIsLong', 'up 600s', 0],
      ],
    );
  });

  it('turns conditions Unknown when the probe fails or times out', async () => {
    const failing: ProbeCheck = {
      ...uptimeCheck(0),
      timeout: 50,
      probe: () => new Promise(() => {}), // hangs forever
    };
    const monitor = createProbeMonitor(failing, { hostfs, logger: silentLogger() });
    const controller = new AbortController();
    const statuses: Status[] = [];
    for await (const s of monitor.run(controller.signal)) {
      statuses.push(s);
      if (statuses.length === 2) controller.abort();
    }
    assert.equal(statuses[1]?.conditions[0]?.status, 'Unknown');
    assert.equal(statuses[1]?.conditions[0]?.message, 'uptime_check failed: probe timed out after 50ms');
  });

  it('the engine feeds exporters and problem metrics', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const metrics = createNpdMetrics(registry);
    const out: string[] = [];
    const clock = new FakeClock();
    const detector = new ProblemDetector({
      checks: [createProbeMonitor(uptimeCheck(100), { hostfs, logger: silentLogger(), clock })],
      exporters: [createStdoutExporter({ write: (t) => out.push(t), tty: false })],
      logger: silentLogger(),
      metrics,
      clock,
    });
    const controller = new AbortController();
    const running = detector.run(controller.signal);
    await until(() => detector.conditions()[0]?.conditions[0]?.status === 'True');
    controller.abort();
    await running;
    const text = await registry.metrics();
    assert.match(text, /^problem_counter\{reason="UptimeIsLong"\} 1$/m);
    assert.match(text, /^problem_gauge\{type="LongUptime",reason="UptimeIsLong"\} 1$/m);
    assert.doesNotMatch(text, /problem_gauge\{type="LongUptime",reason="UptimeIsShort"\}/, 'the old reason is removed');
    assert.deepEqual(
      detector.conditions().map((s) => [s.source, s.conditions[0]?.status]),
      [['uptime-monitor', 'True']],
    );
    assert.equal(out.filter((l) => l.includes('"kind":"condition"')).length, 2);
  });

  it('a check with metricsReporting false stays out of the problem metrics', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const clock = new FakeClock();
    const monitor = createProbeMonitor(uptimeCheck(100), { hostfs, logger: silentLogger(), clock });
    const detector = new ProblemDetector({
      checks: [{ name: monitor.name, metricsReporting: false, run: (signal) => monitor.run(signal) }],
      exporters: [],
      logger: silentLogger(),
      metrics: createNpdMetrics(registry),
      clock,
    });
    const controller = new AbortController();
    const running = detector.run(controller.signal);
    await until(() => detector.conditions()[0]?.conditions[0]?.status === 'True');
    controller.abort();
    await running;
    assert.doesNotMatch(await registry.metrics(), /^problem_(counter|gauge)\{/m);
  });

  it('a measured value that moves refreshes the message without an event; a status change still makes one', async () => {
    let percent = 90;
    const fd: ProbeCheck = {
      name: 'fd_like',
      source: 'fd-monitor',
      conditions: [{ type: 'FDPressure', reason: 'NodeHasNoFDPressure', message: 'node has no fd pressure' }],
      interval: 10_000,
      async probe() {
        percent++;
        return percent < 94
          ? { conditions: [{ type: 'FDPressure', status: 'True', reason: 'NodeHasFDPressure', message: `fd usage ${percent}%` }] }
          : { conditions: [{ type: 'FDPressure', status: 'False' }] };
      },
    };
    const statuses = await drive(fd, new FakeClock(), 3);
    const start = statuses[0]?.conditions[0]?.transition ?? 0;
    assert.deepEqual(
      statuses
        .slice(1)
        .map((s) => [s.conditions[0]?.status, s.conditions[0]?.message, (s.conditions[0]?.transition ?? 0) - start, s.events.length]),
      [
        ['True', 'fd usage 91%', 0, 1],
        ['True', 'fd usage 92%', 0, 0],
        ['True', 'fd usage 93%', 0, 0],
        ['False', 'node has no fd pressure', 30_000, 1],
      ],
    );
  });

  it('calls close() once when the monitor stops', async () => {
    let closed = 0;
    const check: ProbeCheck = {
      ...uptimeCheck(100),
      close: () => {
        closed++;
      },
    };
    await drive(check, new FakeClock(), 1);
    assert.equal(closed, 1);
  });
});
