import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import { FLAGS, HELP, nodeName, parseCli } from './cli.ts';

describe('parseCli', () => {
  it('has NPD defaults', () => {
    const { checks, ...options } = parseCli([]);
    assert.deepEqual(checks.plugins, ['fd_check', 'ntp_check', 'network_problem_check', 'inodes_usage_check']);
    assert.equal(checks.settings.nvidia_xid_state_file, '/var/lib/ack-npd/nvidia-xid.json');
    assert.deepEqual(options, {
      customPluginMonitors: [],
      systemLogMonitors: [],
      enableK8sExporter: true,
      apiserverOverride: '',
      hostnameOverride: '',
      heartbeatMs: 300_000,
      address: '127.0.0.1',
      port: 20256,
      prometheusAddress: '127.0.0.1',
      prometheusPort: 20257,
      kubeconfig: '',
      hostRoot: '/',
      logLevel: 'info',
      help: false,
      alibabaCloudPlugins: undefined,
      pluginSettings: {},
      stateDir: '/var/lib/ack-npd',
      eventcenter: '',
    });
  });

  it('reads comma-separated, repeated lists and Go-style booleans', () => {
    const options = parseCli([
      '--config.custom-plugin-monitor=/a.json,/b.json',
      '--config.custom-plugin-monitor',
      '/c.json',
      '-config.system-log-monitor=/k.json',
      '--enable-k8s-exporter=false',
      '--k8s-exporter-heartbeat-period=3s',
      '--port=0',
    ]);
    assert.deepEqual(options.customPluginMonitors, ['/a.json', '/b.json', '/c.json']);
    assert.deepEqual(options.systemLogMonitors, ['/k.json']);
    assert.equal(options.enableK8sExporter, false);
    assert.equal(options.heartbeatMs, 3000);
    assert.equal(options.port, 0);
    assert.equal(parseCli(['--enable-k8s-exporter']).enableK8sExporter, true);
  });

  it('names every bad flag', () => {
    assert.throws(
      () => parseCli(['--port=99999', '--k8s-exporter-heartbeat-period=soon', '--nope', '--enable-k8s-exporter=maybe', '--log-level=loud']),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(
          error.issues.map((i) => i.path),
          ['--nope', '--enable-k8s-exporter', '--k8s-exporter-heartbeat-period', '--port', '--log-level'],
        );
        return true;
      },
    );
  });

  it("durations as Go's time.ParseDuration reads them; zero and negative ones refused naming the flag", () => {
    assert.equal(parseCli(['--k8s-exporter-heartbeat-period=1.5h']).heartbeatMs, 5_400_000);
    assert.equal(parseCli(['--k8s-exporter-heartbeat-period', '.5s']).heartbeatMs, 500);
    assert.equal(parseCli(['-k8s-exporter-heartbeat-period=1h2m3.5s']).heartbeatMs, 3_723_500);
    for (const [value, message] of [
      ['-1s', '"-1s" is negative; use a number with a unit, e.g. "30s", "5m", "1h30m", "500ms"'],
      ['0', '"0s" is not a positive duration, e.g. "5m", "30s"'],
      ['5', '"5" is not a duration (time: missing unit in duration "5"); use a number with a unit, e.g. "30s", "5m", "1h30m", "500ms"'],
    ])
      assert.throws(
        () => parseCli([`--k8s-exporter-heartbeat-period=${value}`]),
        (error: unknown) => error instanceof ConfigError && error.issues[0]?.message === message,
        value,
      );
  });

  it('help lists every flag with its default', () => {
    for (const flag of FLAGS) assert.ok(HELP.includes(`--${flag.name}`), flag.name);
    assert.match(HELP, /--port int\n.*\(default 20256\)/);
    assert.match(HELP, /--k8s-exporter-heartbeat-period duration\n.*\(default "5m0s"\)/);
  });

  it('node name: --hostname-override, then NODE_NAME, then hostname', () => {
    assert.equal(nodeName(parseCli(['--hostname-override=a']), { NODE_NAME: 'b' }, 'c'), 'a');
    assert.equal(nodeName(parseCli([]), { NODE_NAME: 'b' }, 'c'), 'b');
    assert.equal(nodeName(parseCli([]), {}, 'c'), 'c');
  });

  it("accepts the Helm chart's args", () => {
    const options = parseCli([
      '--host-root=/host',
      '--enable-k8s-exporter=true',
      '--k8s-exporter-heartbeat-period=5m',
      '--address=0.0.0.0',
      '--port=20256',
      '--prometheus-address=0.0.0.0',
      '--prometheus-port=20257',
      '--log-level=info',
      '--alibaba-cloud-plugins=fd_check,ntp_check,network_problem_check,inode_usage_check',
      '--plugin-settings=check_fd_warning_percentage=80,inode_warning_percenage=80',
      '--config.system-log-monitor=builtin:kernel-monitor,builtin:readonly-monitor,builtin:ack-kernel-monitor',
      '--config.custom-plugin-monitor=/config/x.json',
      '--state-dir=/var/lib/ack-npd',
    ]);
    assert.deepEqual(options.alibabaCloudPlugins, ['fd_check', 'ntp_check', 'network_problem_check', 'inode_usage_check']);
    assert.deepEqual(options.checks.plugins, ['fd_check', 'ntp_check', 'network_problem_check', 'inodes_usage_check']);
    assert.deepEqual(options.pluginSettings, { check_fd_warning_percentage: '80', inode_warning_percenage: '80' });
    assert.equal(options.checks.settings.check_fd_warning_percentage, 80);
    assert.equal(options.checks.settings.inode_warning_percenage, 80);
    assert.deepEqual(options.systemLogMonitors, ['builtin:kernel-monitor', 'builtin:readonly-monitor', 'builtin:ack-kernel-monitor']);
    assert.equal(options.hostRoot, '/host');
  });

  it('--plugin-settings: repeatable, a part without "=" continues a list value, --state-dir sets the Xid state file', () => {
    const options = parseCli([
      '--plugin-settings=inode_check_paths=/,/var/lib/kubelet,check_interval=1s',
      '--plugin-settings',
      'fd_check_interval=2s',
      '--state-dir=/srv/npd',
      '--alibaba-cloud-plugins=fd_check',
      '--alibaba-cloud-plugins=nvidia_gpu_check',
    ]);
    assert.deepEqual(options.checks.settings.inode_check_paths, ['/', '/var/lib/kubelet']);
    assert.equal(options.checks.settings.check_interval, 1000);
    assert.equal(options.checks.settings.fd_check_interval, 2000);
    assert.equal(options.checks.settings.nvidia_xid_state_file, '/srv/npd/nvidia-xid.json');
    assert.deepEqual(options.checks.plugins, ['fd_check', 'nvidia_gpu_check']);
    const explicit = parseCli(['--state-dir=/srv/npd', '--plugin-settings=nvidia_xid_state_file=/x/y.json']);
    assert.equal(explicit.checks.settings.nvidia_xid_state_file, '/x/y.json');
    assert.deepEqual(parseCli(['--alibaba-cloud-plugins=']).checks.plugins, [], 'an empty list runs no checks');
    assert.deepEqual(parseCli(['--plugin-settings=made_up=1']).checks.ignoredSettings, ['made_up']);
  });

  it('bad plug-in names and settings name the flag and list the valid names', () => {
    assert.throws(
      () =>
        parseCli(['--alibaba-cloud-plugins=fd_check,fd_chek', '--plugin-settings=oops,check_fd_warning_percentage=80', '--state-dir=rel']),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(
          error.issues.map((i) => i.path),
          ['--plugin-settings', '--state-dir'],
        );
        assert.match(error.issues[0]?.message ?? '', /"oops" is not key=value/);
        return true;
      },
    );
    assert.throws(
      () => parseCli(['--alibaba-cloud-plugins=fd_check,fd_chek', '--plugin-settings=check_fd_warning_percentage=180']),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(
          error.issues.map((i) => i.path),
          ['--alibaba-cloud-plugins', '--plugin-settings'],
        );
        assert.match(
          error.issues[0]?.message ?? '',
          /unknown plug-in "fd_chek"; valid names: fd_check, inodes_usage_check, .*inode_usage_check/,
        );
        assert.match(error.issues[1]?.message ?? '', /^check_fd_warning_percentage: /);
        return true;
      },
    );
  });
});
