/**
 * Built-in system log monitor configs: the rules of upstream node-problem-detector's
 * config/kernel-monitor.json and config/readonly-monitor.json, copied as they are.
 * Plus ACK's extra kernel rules (`ack-kernel-monitor`, ack-kernel-rules.ts). kernel-monitor and
 * ack-kernel-monitor run when no --config.* flag is given, and users can name them with
 * `--config.system-log-monitor=builtin:kernel-monitor,builtin:ack-kernel-monitor`.
 */
import { ackKernelMonitorConfig } from './ack-kernel-rules.ts';

export const kernelMonitorConfig = {
  plugin: 'kmsg',
  logPath: '/dev/kmsg',
  lookback: '5m',
  bufferSize: 10,
  source: 'kernel-monitor',
  metricsReporting: true,
  conditions: [
    { type: 'KernelDeadlock', reason: 'KernelHasNoDeadlock', message: 'kernel has no deadlock' },
    { type: 'ReadonlyFilesystem', reason: 'FilesystemIsNotReadOnly', message: 'Filesystem is not read-only' },
    { type: 'XfsShutdown', reason: 'XfsHasNotShutDown', message: 'XFS has not shutdown' },
  ],
  rules: [
    { type: 'temporary', reason: 'OOMKilling', pattern: 'Killed process \\d+ (.+) total-vm:\\d+kB, anon-rss:\\d+kB, file-rss:\\d+kB.*' },
    { type: 'temporary', reason: 'TaskHung', pattern: 'task [\\S ]+:\\w+ blocked for more than \\w+ seconds\\.' },
    {
      type: 'temporary',
      reason: 'UnregisterNetDevice',
      pattern: 'unregister_netdevice: waiting for \\w+ to become free. Usage count = \\d+',
    },
    { type: 'temporary', reason: 'KernelOops', pattern: 'BUG: unable to handle kernel NULL pointer dereference at .*' },
    { type: 'temporary', reason: 'KernelOops', pattern: 'divide error: 0000 \\[#\\d+\\] SMP' },
    { type: 'temporary', reason: 'Ext4Error', pattern: 'EXT4-fs error .*' },
    { type: 'temporary', reason: 'Ext4Warning', pattern: 'EXT4-fs warning .*' },
    { type: 'temporary', reason: 'IOError', pattern: 'Buffer I/O error .*' },
    { type: 'permanent', condition: 'XfsShutdown', reason: 'XfsHasShutdown', pattern: 'XFS .* Shutting down filesystem.?' },
    { type: 'temporary', reason: 'MemoryReadError', pattern: 'CE memory read error .*' },
    {
      type: 'permanent',
      condition: 'KernelDeadlock',
      reason: 'DockerHung',
      pattern: 'task docker:\\w+ blocked for more than \\w+ seconds\\.',
    },
    { type: 'permanent', condition: 'ReadonlyFilesystem', reason: 'FilesystemIsReadOnly', pattern: 'Remounting filesystem read-only' },
  ],
} as const;

export const readonlyMonitorConfig = {
  plugin: 'kmsg',
  logPath: '/dev/kmsg',
  lookback: '5m',
  bufferSize: 10,
  source: 'readonly-monitor',
  metricsReporting: true,
  conditions: [{ type: 'ReadonlyFilesystem', reason: 'FilesystemIsNotReadOnly', message: 'Filesystem is not read-only' }],
  rules: [
    { type: 'permanent', condition: 'ReadonlyFilesystem', reason: 'FilesystemIsReadOnly', pattern: 'Remounting filesystem read-only' },
  ],
} as const;

export const builtinSystemLogMonitors = {
  'kernel-monitor': kernelMonitorConfig,
  'readonly-monitor': readonlyMonitorConfig,
  'ack-kernel-monitor': ackKernelMonitorConfig,
} as const;
