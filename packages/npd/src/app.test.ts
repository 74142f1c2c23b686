import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildChecks, DEFAULT_LOG_MONITORS, dedupeLogMonitors } from './app.ts';
import { createChecks } from './checks/index.ts';
import { createRestartCounterCheck } from './checks/restart-counter.ts';
import { parseCli } from './cli.ts';
import { createHostFs } from './hostfs.ts';
import { builtinSystemLogMonitors } from './logmonitor/builtin.ts';
import { captureLogger, silentLogger } from './testing/logger.ts';

const hostfs = createHostFs(join(import.meta.dirname, 'fixtures', 'host'));
const environment = { env: {}, hostname: 'h', logger: silentLogger(), stdout: { write: () => true } };
const names = (argv: string[]): string[] => buildChecks(parseCli(argv), hostfs, environment).map((c) => c.name);

describe('buildChecks', () => {
  it('embedded default: both kernel monitors, the restart counters and ACK default check set', () => {
    assert.deepEqual(names([]), [
      'system-log-monitor:builtin:kernel-monitor',
      'system-log-monitor:builtin:ack-kernel-monitor',
      'check:restart_counter',
      'check:fd_check',
      'check:ntp_check',
      'check:network_problem_check',
      'check:inodes_usage_check',
    ]);
  });

  it('--alibaba-cloud-plugins alone: exactly those checks, nothing else', () => {
    assert.deepEqual(names(['--alibaba-cloud-plugins=fd_check,irqbalance_check']), ['check:fd_check', 'check:irqbalance_check']);
  });

  it('builtin:systemd-monitor-counter runs the restart counters next to named checks (the chart), once, and other builtin: names are config errors', () => {
    assert.deepEqual(
      names([
        '--alibaba-cloud-plugins=fd_check',
        '--config.custom-plugin-monitor=builtin:systemd-monitor-counter',
        '--config.custom-plugin-monitor=builtin:systemd-monitor-counter',
      ]),
      ['check:restart_counter', 'check:fd_check'],
    );
    assert.deepEqual(names(['--config.custom-plugin-monitor=builtin:systemd-monitor-counter']), ['check:restart_counter']);
    assert.throws(
      () => names(['--config.custom-plugin-monitor=builtin:nope']),
      /no built-in config "nope"; known: systemd-monitor-counter/,
    );
  });

  it('--config.* alone: exactly the monitors named (NPD), no built-in checks', () => {
    assert.deepEqual(names(['--config.system-log-monitor=builtin:ack-kernel-monitor']), ['system-log-monitor:builtin:ack-kernel-monitor']);
  });

  it("the chart's combination: readonly-monitor is skipped when kernel-monitor runs (one owner per condition type)", () => {
    const argv = [
      '--alibaba-cloud-plugins=fd_check,ntp_check,network_problem_check,inode_usage_check',
      '--config.system-log-monitor=builtin:kernel-monitor,builtin:readonly-monitor,builtin:ack-kernel-monitor',
    ];
    assert.deepEqual(names(argv), [
      'system-log-monitor:builtin:kernel-monitor',
      'system-log-monitor:builtin:ack-kernel-monitor',
      'check:fd_check',
      'check:ntp_check',
      'check:network_problem_check',
      'check:inodes_usage_check',
    ]);
    const { logger, lines } = captureLogger();
    assert.deepEqual(dedupeLogMonitors(['builtin:readonly-monitor', 'builtin:kernel-monitor', 'builtin:kernel-monitor'], logger), [
      'builtin:kernel-monitor',
    ]);
    assert.ok(lines().some((l) => /readonly-monitor skipped/.test(l)));
    // readonly-monitor alone still runs.
    assert.deepEqual(names(['--config.system-log-monitor=builtin:readonly-monitor']), ['system-log-monitor:builtin:readonly-monitor']);
  });

  it('every condition type has one owner in the default and in the chart set', () => {
    const owners = (argv: string[]): Map<string, string[]> => {
      const options = parseCli(argv);
      const defaults = options.systemLogMonitors.length === 0 && options.alibabaCloudPlugins === undefined;
      const monitors = defaults ? [...DEFAULT_LOG_MONITORS] : dedupeLogMonitors(options.systemLogMonitors, silentLogger());
      const sources: { source: string; types: string[] }[] = [
        ...monitors.map((file) => {
          const config = builtinSystemLogMonitors[file.slice('builtin:'.length) as keyof typeof builtinSystemLogMonitors];
          return { source: config.source, types: config.conditions.map((c) => c.type) };
        }),
        ...(defaults ? [createRestartCounterCheck()] : []).concat(createChecks(options.checks)).map((check) => ({
          source: check.source,
          types: check.conditions.map((c) => c.type),
        })),
      ];
      const byType = new Map<string, string[]>();
      for (const { source, types } of sources) for (const type of types) byType.set(type, [...(byType.get(type) ?? []), source]);
      return byType;
    };
    const chart = owners([
      '--alibaba-cloud-plugins=fd_check,ntp_check,network_problem_check,inode_usage_check',
      '--config.system-log-monitor=builtin:kernel-monitor,builtin:readonly-monitor,builtin:ack-kernel-monitor',
    ]);
    assert.deepEqual(chart.get('ReadonlyFilesystem'), ['kernel-monitor']);
    for (const byType of [chart, owners([])]) {
      for (const [type, sources] of byType) assert.equal(sources.length, 1, `${type} owned by ${sources.join(', ')}`);
    }
    assert.ok(owners([]).has('FDPressure') && owners([]).has('FrequentKubeletRestart'));
  });
});
