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

  it('a PodOOMKilling event names the pod UID and container, as the cluster mode resolves them (JSON lines and terminal)', async () => {
    const UID = '8f6a0b8e-3c1d-4a5e-9f7b-2d4c6e8a0b1c';
    const CID = 'a3f1c2e4b5d6978812a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809';
    // cgroup v2 with the systemd driver: the UID has underscores in the slice name.
    const block = [
      `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replaceAll('-', '_')}.slice/cri-containerd-${CID}.scope,task_memcg=/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replaceAll('-', '_')}.slice/cri-containerd-${CID}.scope,task=java,pid=23456,uid=0`,
      'Memory cgroup out of memory: Killed process 23456 (java) total-vm:4194304kB, anon-rss:520000kB',
    ].join('\n');
    const oom = { severity: 'warn', timestamp: 0, reason: 'PodOOMKilling', message: block } as const;
    const want = `pod ${UID} container ${CID} was OOM killed: process java pid 23456\n${block}`;

    const out: string[] = [];
    await createStdoutExporter({ write: (t) => out.push(t), tty: false }).export(status('False', [oom]));
    const event = out.map((l) => JSON.parse(l) as Record<string, string>).find((l) => l.kind === 'event');
    assert.equal(event?.message, want);

    const terminal: string[] = [];
    await createStdoutExporter({ write: (t) => terminal.push(t), tty: true }).export(status('False', [oom]));
    assert.ok(terminal[0]?.includes(`PodOOMKilling: pod ${UID} container ${CID} was OOM killed`), terminal[0]);
  });

  it('a PodOOMKilling message that is no pod OOM block is printed as it is', async () => {
    const out: string[] = [];
    const other = { severity: 'warn', timestamp: 0, reason: 'PodOOMKilling', message: 'Killed process 1 (init)' } as const;
    await createStdoutExporter({ write: (t) => out.push(t), tty: false }).export(status('False', [other]));
    assert.equal((JSON.parse(out[1] ?? '{}') as { message: string }).message, 'Killed process 1 (init)');
  });
});
