import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Status } from '../types.ts';
import { createStdoutExporter } from './stdout.ts';

const status = (statusValue: 'True' | 'False', events: Status['events'] = []): Status => ({
  source: 'kernel-monitor',
  events,
  conditions: [
    {
      type: 'KernelDeadlock',
      status: statusValue,
      transition: 0,
      reason: statusValue === 'True' ? 'DockerHung' : 'KernelHasNoDeadlock',
      message: 'm',
    },
  ],
});

describe('stdout exporter', () => {
  it('JSON lines: each condition once per change, every event', async () => {
    const out: string[] = [];
    const exporter = createStdoutExporter({ write: (t) => out.push(t), tty: false });
    await exporter.export(status('False'));
    await exporter.export(status('False'));
    await exporter.export(status('True', [{ severity: 'warn', timestamp: 0, reason: 'DockerHung', message: 'x' }]));
    const lines = out.map((l) => JSON.parse(l) as Record<string, string>);
    assert.deepEqual(
      lines.map((l) => `${l.kind} ${l.status ?? l.type} ${l.reason}`),
      ['condition False KernelHasNoDeadlock', 'condition True DockerHung', 'event Warning DockerHung'],
    );
  });

  it('terminal: a table of all conditions, changes gathered', async () => {
    const out: string[] = [];
    const exporter = createStdoutExporter({ write: (t) => out.push(t), tty: true, debounceMs: 10_000 });
    await exporter.export(status('False'));
    await exporter.export({
      ...status('False'),
      source: 'other',
      conditions: [{ ...status('False').conditions[0], type: 'Other' } as Status['conditions'][number]],
    });
    assert.equal(out.length, 0);
    await exporter.close();
    assert.equal(out.length, 1);
    assert.match(
      out[0] ?? '',
      /SOURCE\s+TYPE\s+STATUS\s+REASON\s+MESSAGE\s+SINCE\nkernel-monitor\s+KernelDeadlock\s+False\s+KernelHasNoDeadlock\s+m\s+1970-01-01 00:00:00\nother\s+Other\s+False/,
    );
  });
});
