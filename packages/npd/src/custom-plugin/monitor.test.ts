import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeClock, flush } from '@ack-npd/core/testing/fake-clock';
import { silentLogger } from '../testing/logger.ts';
import type { Status } from '../types.ts';
import { parseCustomPluginConfig } from './config.ts';
import type { PluginResult, PluginRun, RunPluginOptions } from './exec.ts';
import { createCustomPluginMonitor } from './monitor.ts';

const plugins = join(import.meta.dirname, '..', 'fixtures', 'plugins');

function config(extra: Record<string, unknown> = {}, rules?: unknown[]) {
  return parseCustomPluginConfig(
    {
      plugin: 'custom',
      source: 'test-monitor',
      pluginConfig: { invoke_interval: '10s', timeout: '5s', ...extra },
      conditions: [{ type: 'TestProblem', reason: 'NoProblem', message: 'all good' }],
      rules: rules ?? [
        { type: 'permanent', condition: 'TestProblem', reason: 'HasProblem', path: join(plugins, 'ok.sh') },
        { type: 'temporary', reason: 'Blip', path: join(plugins, 'non-ok.sh') },
      ],
    },
    'test.json',
  );
}

/** A scripted runner: results per plug-in basename, each call consuming the next one. */
function scripted(results: Record<string, [PluginResult, string][]>) {
  const calls: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const run = async (options: RunPluginOptions): Promise<PluginRun> => {
    const name = options.path.split('/').pop() ?? '';
    calls.push(name);
    running++;
    maxRunning = Math.max(maxRunning, running);
    await flush(1);
    running--;
    const [result, message] = results[name]?.shift() ?? ['OK', ''];
    return { result, message, exitCode: 0, signal: null, timedOut: false, stderr: '' };
  };
  return { run, calls, maxRunning: () => maxRunning };
}

async function collect(iterable: AsyncIterable<Status>, into: Status[]): Promise<void> {
  for await (const status of iterable) into.push(status);
}

describe('custom plugin monitor', () => {
  it('reports defaults first, then drives the condition and temporary events from exit statuses', async () => {
    const clock = new FakeClock();
    const runner = scripted({
      'ok.sh': [
        ['OK', 'fine'],
        ['NonOK', 'broken disk'],
        ['NonOK', 'broken disk'],
        ['OK', 'fine'],
      ],
      'non-ok.sh': [
        ['NonOK', 'blip 1'],
        ['OK', ''],
        ['Unknown', 'exit 3'],
        ['OK', ''],
      ],
    });
    const monitor = createCustomPluginMonitor({ config: config(), file: 'test.json', logger: silentLogger(), clock, run: runner.run });
    const controller = new AbortController();
    const statuses: Status[] = [];
    const done = collect(monitor.run(controller.signal), statuses);
    await flush();
    for (let i = 0; i < 3; i++) await clock.advance(10_000);
    controller.abort();
    await done;

    assert.deepEqual(
      statuses[0]?.conditions.map((c) => [c.type, c.status, c.reason, c.message]),
      [['TestProblem', 'False', 'NoProblem', 'all good']],
    );
    assert.equal(statuses[0]?.events.length, 0);
    const events = statuses.flatMap((s) => s.events.map((e) => `${e.severity} ${e.reason}: ${e.message}`));
    assert.deepEqual(events, [
      'warn Blip: blip 1',
      'warn HasProblem: Node condition TestProblem is now: True, reason: HasProblem, message: "broken disk"',
      'warn Blip: exit 3',
      'info NoProblem: Node condition TestProblem is now: False, reason: NoProblem, message: "all good"',
    ]);
    assert.equal(statuses.at(-1)?.conditions[0]?.status, 'False');
    assert.deepEqual(runner.calls.filter((c) => c === 'ok.sh').length, 4);
  });

  it('skip_initial_status suppresses the first default report', async () => {
    const clock = new FakeClock();
    const runner = scripted({});
    const monitor = createCustomPluginMonitor({
      config: config({ skip_initial_status: true }, [
        { type: 'permanent', condition: 'TestProblem', reason: 'HasProblem', path: join(plugins, 'ok.sh') },
      ]),
      file: 'test.json',
      logger: silentLogger(),
      clock,
      run: runner.run,
    });
    const controller = new AbortController();
    const statuses: Status[] = [];
    const done = collect(monitor.run(controller.signal), statuses);
    await flush();
    controller.abort();
    await done;
    assert.equal(statuses.length, 1, 'only the first plug-in result, no initial status');
    assert.equal(runner.calls.length, 1);
  });

  it('message-based updates re-report a True condition whose message changed', async () => {
    const clock = new FakeClock();
    const runner = scripted({
      'ok.sh': [
        ['NonOK', 'usage 91%'],
        ['NonOK', 'usage 95%'],
      ],
    });
    const monitor = createCustomPluginMonitor({
      config: config({ enable_message_change_based_condition_update: true }, [
        { type: 'permanent', condition: 'TestProblem', reason: 'HasProblem', path: join(plugins, 'ok.sh') },
      ]),
      file: 'test.json',
      logger: silentLogger(),
      clock,
      run: runner.run,
    });
    const controller = new AbortController();
    const statuses: Status[] = [];
    const done = collect(monitor.run(controller.signal), statuses);
    await flush();
    await clock.advance(10_000);
    controller.abort();
    await done;
    assert.deepEqual(
      statuses.flatMap((s) => s.events.map((e) => e.message)),
      [
        'Node condition TestProblem is now: True, reason: HasProblem, message: "usage 91%"',
        'Node condition TestProblem is now: True, reason: HasProblem, message: "usage 95%"',
      ],
    );
  });

  it('runs at most `concurrency` plug-ins at once and never overlaps a rule with itself', async () => {
    const clock = new FakeClock();
    const active = new Map<string, number>();
    let maxTotal = 0;
    let overlap = false;
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const run = async (options: RunPluginOptions): Promise<PluginRun> => {
      const n = (active.get(options.path) ?? 0) + 1;
      if (n > 1) overlap = true;
      active.set(options.path, n);
      maxTotal = Math.max(
        maxTotal,
        [...active.values()].reduce((a, b) => a + b, 0),
      );
      await gate;
      active.set(options.path, (active.get(options.path) ?? 1) - 1);
      return { result: 'OK', message: '', exitCode: 0, signal: null, timedOut: false, stderr: '' };
    };
    const rules = ['ok.sh', 'non-ok.sh', 'unknown.sh', 'sleep.sh'].map((p) => ({ type: 'temporary', reason: 'R', path: join(plugins, p) }));
    const monitor = createCustomPluginMonitor({
      config: config({ concurrency: 2 }, rules),
      file: 'test.json',
      logger: silentLogger(),
      clock,
      run,
    });
    const controller = new AbortController();
    const statuses: Status[] = [];
    const done = collect(monitor.run(controller.signal), statuses);
    await flush();
    // The plug-ins hang past several intervals: no rule may start again while it runs.
    await clock.advance(35_000);
    assert.equal(maxTotal, 2);
    release?.();
    await flush();
    await clock.advance(10_000);
    controller.abort();
    await done;
    assert.equal(overlap, false);
    assert.equal(maxTotal, 2);
  });
});
