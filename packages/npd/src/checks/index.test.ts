import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import { startEcsMetadataServer } from '@ack-npd/testkit/peers/index';
import { createHostFs } from '../hostfs.ts';
import { expectedOnThisMachine } from '../testing/this-machine.ts';
import { builtinChecks, checkNames, createChecks, parseCheckSettings } from './index.ts';
import { createProbeMonitor } from './probe.ts';
import { assertWellFormed, copyFixture, fixtureFs, only, probeOnce, silentLogger } from './testing.ts';

describe('check registry', () => {
  it("runs ACK's default set when nothing is configured", () => {
    const config = parseCheckSettings(undefined);
    assert.deepEqual(config.plugins, ['fd_check', 'ntp_check', 'network_problem_check', 'inodes_usage_check']);
    assert.deepEqual(
      createChecks(config).map((c) => c.name),
      ['fd_check', 'ntp_check', 'network_problem_check', 'inodes_usage_check'],
    );
    assert.equal(config.settings.check_fd_warning_percentage, 80);
  });

  it('maps every ACK plug-in name and alias to a factory', () => {
    for (const name of [...checkNames, 'inode_usage_check'])
      assert.equal(typeof builtinChecks[name as keyof typeof builtinChecks], 'function', name);
    const config = parseCheckSettings({ alibaba_cloud_plugins: [...checkNames, 'inode_usage_check'] });
    const checks = createChecks(config);
    assert.equal(checks.length, checkNames.length, 'the alias collapses onto inodes_usage_check');
    assert.deepEqual(new Set(checks.map((c) => c.name)), new Set(checkNames));
    for (const check of checks) {
      assert.ok(check.conditions.length > 0, check.name);
      assert.ok(check.interval > 0, check.name);
    }
  });

  it('takes ACK plugin_settings keys verbatim, strings included', async () => {
    const config = parseCheckSettings({
      alibaba_cloud_plugins: 'fd_check, inode_usage_check',
      plugin_settings: { check_fd_warning_percentage: '95', inode_warning_percenage: 70, check_interval: '10s', fd_check_interval: 5 },
    });
    assert.equal(config.settings.check_fd_warning_percentage, 95);
    const [fd, inodes] = createChecks(config);
    assert.equal(fd?.interval, 5000);
    assert.equal(inodes?.interval, 10_000);
    assert.equal(only(await probeOnce(fd as NonNullable<typeof fd>, fixtureFs('pressure'))).status, 'False', '91% is below 95%');
  });

  it('accepts the correct spelling inode_warning_percentage too', async () => {
    const config = parseCheckSettings({ alibaba_cloud_plugins: ['inodes_usage_check'], plugin_settings: { inode_warning_percentage: 1 } });
    const [inodes] = createChecks(config);
    assert.ok(inodes);
    assert.equal(only(await probeOnce(inodes, createHostFs('/'))).status, 'True', 'any used inode is above 1%');
  });

  it('rejects unknown plug-ins and bad values in one ConfigError, and reports unknown keys', () => {
    assert.throws(
      () =>
        parseCheckSettings({
          alibaba_cloud_plugins: ['fd_check', 'gpu_check'],
          plugin_settings: { check_fd_warning_percentage: 'lots', ps_hang_threshold: 0 },
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.code, 'ERR_CONFIG');
        const paths = error.issues.map((i) => i.path);
        assert.deepEqual(paths, [
          'alibaba_cloud_plugins[1]',
          'plugin_settings.check_fd_warning_percentage',
          'plugin_settings.ps_hang_threshold',
        ]);
        assert.match(
          error.issues[0]?.message ?? '',
          /unknown plug-in "gpu_check"; valid names: fd_check, inodes_usage_check, .*inode_usage_check/,
        );
        return true;
      },
    );
    assert.throws(
      () => parseCheckSettings({ plugin_settings: { public_network_endpoint: 'nowhere' } }),
      /must be host:port or an http\(s\) URL/,
    );
    assert.throws(() => parseCheckSettings({ plugin_settings: { fd_check_interval: 'soon' } }), /fd_check_interval/);
    assert.deepEqual(parseCheckSettings({ plugin_settings: { some_future_key: 1 } }).ignoredSettings, ['some_future_key']);
  });

  it("booleans in any spelling Go's strconv.ParseBool takes, anything else refused naming the key", () => {
    for (const [value, want] of [
      [false, false],
      ['false', false],
      ['0', false],
      ['F', false],
      ['True', true],
      ['1', true],
    ] as const)
      assert.equal(parseCheckSettings({ plugin_settings: { ntp_check_sync: value } }).settings.ntp_check_sync, want, String(value));
    assert.throws(
      () => parseCheckSettings({ plugin_settings: { ntp_check_sync: 'yes' } }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.some((i) => i.path === 'plugin_settings.ntp_check_sync' && /must be true or false/.test(i.message)),
    );
  });

  it('parses list settings from comma strings', () => {
    const { settings } = parseCheckSettings({ plugin_settings: { nvidia_fatal_xids: '79, 48', disk_check_paths: '/,/data' } });
    assert.deepEqual(settings.nvidia_fatal_xids, [79, 48]);
    assert.deepEqual(settings.disk_check_paths, ['/', '/data']);
    assert.throws(() => parseCheckSettings({ plugin_settings: { nvidia_fatal_xids: '79,x' } }), /plugin_settings\.nvidia_fatal_xids\[1\]/);
  });

  it('every check runs once on this machine, its network checks against loopback peers', async () => {
    // The production defaults are never dialled: the ECS metadata service of the test kit and a local listener stand in.
    const defaults = parseCheckSettings({}).settings;
    assert.equal(defaults.ram_role_metadata_endpoint, 'http://100.100.100.200');
    assert.equal(defaults.public_network_endpoint, '223.5.5.5:53');
    const credentials = { accessKeyId: 'id', accessKeySecret: 'secret', securityToken: 'sts', expiration: '2099-01-01T00:00:00Z' };
    const metadata = await startEcsMetadataServer({ roleName: 'KubernetesWorkerRole-abc', credentials });
    const listener = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    await using state = await copyFixture(undefined);
    try {
      const config = parseCheckSettings({
        alibaba_cloud_plugins: [...checkNames],
        plugin_settings: {
          ram_role_metadata_endpoint: metadata.url,
          public_network_endpoint: `127.0.0.1:${(listener.address() as AddressInfo).port}`,
          csi_hang_timeout: '2s',
          nvidia_xid_state_file: join(state.root, 'xid.json'),
        },
      });
      const hostfs = createHostFs('/');
      const statuses: Record<string, string> = {};
      for (const check of createChecks(config)) {
        const result = await probeOnce(check, hostfs);
        assertWellFormed(check, result);
        statuses[check.name] = only(result).status;
        await (check as { close?: () => Promise<void> }).close?.();
      }
      assert.equal(statuses.ram_role_check, 'False', 'the metadata service lists a role');
      assert.equal(statuses.public_network_check, 'False', 'the endpoint accepts');
      const expected = await expectedOnThisMachine(config.settings);
      for (const [name, status] of Object.entries(expected)) assert.equal(statuses[name], status, name);
    } finally {
      await metadata.close();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});

describe('checks in the engine', () => {
  it('run under createProbeMonitor: defaults first, then the problem as a condition and a change event', async () => {
    const config = parseCheckSettings({ alibaba_cloud_plugins: ['fd_check'] });
    const [check] = createChecks(config);
    assert.ok(check);
    const monitor = createProbeMonitor(check, { hostfs: fixtureFs('pressure'), logger: silentLogger });
    const stop = new AbortController();
    const statuses = [];
    for await (const status of monitor.run(stop.signal)) {
      statuses.push(status);
      if (statuses.length === 2) stop.abort();
    }
    const [initial, probed] = statuses;
    assert.equal(initial?.source, 'fd-monitor');
    assert.deepEqual(
      initial?.conditions.map((c) => [c.type, c.status, c.reason, c.message]),
      [['FDPressure', 'False', 'NodeHasNoFDPressure', 'node has no fd pressure']],
    );
    assert.deepEqual(
      probed?.conditions.map((c) => [c.type, c.status, c.reason, c.message]),
      [['FDPressure', 'True', 'NodeHasFDPressure', 'fd usage 91% (917504/1000000) above 80%']],
    );
    assert.equal(probed?.events.length, 1);
    assert.equal(probed?.events[0]?.severity, 'warn');
    assert.match(probed?.events[0]?.message ?? '', /^Node condition FDPressure is now: True, reason: NodeHasFDPressure/);
  });
});
