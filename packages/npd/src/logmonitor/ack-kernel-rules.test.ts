import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePodOomKill } from '../checks/pod-oom.ts';
import { ackKernelMonitorConfig } from './ack-kernel-rules.ts';
import { kernelMonitorConfig } from './builtin.ts';
import { parseSystemLogMonitorConfig } from './config.ts';
import { LogProblemState } from './monitor.ts';

/** Kernel log lines as recorded from real nodes (kmsg message part), with the reason each must raise. */
const recorded: [reason: string, line: string][] = [
  ['TCPMemOverFlow', 'TCP: out of memory -- consider tuning tcp_mem'],
  ['TCPSkOverFlow', 'TCP: too many orphaned sockets'],
  ['TCPSkOverFlow', 'TCP: too many of orphaned sockets'],
  ['NFOverFlow', 'nf_conntrack: table full, dropping packet'],
  ['NFOverFlow', 'nf_conntrack: nf_conntrack: table full, dropping packet'],
  ['ARPOverFlow', 'neighbour: arp_cache: neighbor table overflow!'],
  ['ARPOverFlow', 'Neighbour table overflow.'],
  ['BlockIOError', 'blk_update_request: I/O error, dev vdb, sector 2048'],
  ['BlockIOError', 'I/O error, dev nvme0n1, sector 1953520 op 0x0:(READ) flags 0x80700 phys_seg 1 prio class 2'],
  ['FileOpenLimit', 'VFS: file-max limit 65536 reached'],
  ['PCICardErr', 'pcieport 0000:00:03.0: PCIe Bus Error: severity=Uncorrected (Fatal), type=Transaction Layer, (Receiver ID)'],
  ['PCICardErr', 'pcieport 0000:00:01.0: AER: Uncorrected (Non-Fatal) error received: 0000:01:00.0'],
  ['SlabFreeErr', 'BUG kmalloc-128 (Tainted: G    B      OE    ): Object already free'],
  ['SlabFreeErr', 'cache_from_obj: Wrong slab cache. kmalloc-64 but object is from kmalloc-96'],
  [
    'MemPageFailed',
    'kworker/u4:2: page allocation failure: order:4, mode:0x40cc0(GFP_KERNEL|__GFP_COMP), nodemask=(null),cpuset=/,mems_allowed=0',
  ],
  ['SoftLockUp', 'watchdog: BUG: soft lockup - CPU#3 stuck for 23s! [java:12345]'],
  ['SoftLockUp', 'BUG: soft lockup - CPU#0 stuck for 22s! [kworker/0:1:42]'],
  ['SchedInAtomic', 'BUG: scheduling while atomic: swapper/0/0/0x00000100'],
  ['RCUStall', 'rcu: INFO: rcu_sched self-detected stall on CPU'],
  ['RCUStall', 'INFO: rcu_sched detected stalls on CPUs/tasks:'],
  ['RCUStall', 'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:'],
];

/** Lines that look close but must raise none of the ACK reasons. */
const innocent = [
  'Buffer I/O error on dev sda1, logical block 0, async page read',
  'nf_conntrack: default automatic helper assignment has been turned off for security reasons',
  'TCP: request_sock_TCP: Possible SYN flooding on port 80. Sending cookies.',
  'pcieport 0000:00:1c.0: AER: Corrected error received: 0000:00:1c.0',
  'watchdog: watchdog0: watchdog did not stop!',
  'rcu: Hierarchical SRCU implementation.',
];

function reasonsFor(line: string): string[] {
  const config = parseSystemLogMonitorConfig(ackKernelMonitorConfig, 'builtin:ack-kernel-monitor');
  const state = new LogProblemState(config, 0);
  return (state.ingest({ timestamp: 1, message: line })?.events ?? []).map((e) => e.reason);
}

describe('ACK kernel rules', () => {
  it('parse as a system log monitor config with only temporary rules', () => {
    const config = parseSystemLogMonitorConfig(ackKernelMonitorConfig, 'builtin:ack-kernel-monitor');
    assert.equal(config.source, 'ack-kernel-monitor');
    assert.ok(config.rules.every((r) => r.type === 'temporary'));
    const reasons = new Set(config.rules.map((r) => r.reason));
    for (const reason of [
      'TCPMemOverFlow',
      'TCPSkOverFlow',
      'NFOverFlow',
      'ARPOverFlow',
      'BlockIOError',
      'FileOpenLimit',
      'PCICardErr',
      'SlabFreeErr',
      'MemPageFailed',
      'SoftLockUp',
      'SchedInAtomic',
      'RCUStall',
    ]) {
      assert.ok(reasons.has(reason), reason);
    }
  });

  for (const [reason, line] of recorded) {
    it(`raises ${reason} for "${line.slice(0, 60)}"`, () => {
      assert.deepEqual(reasonsFor(line), [reason]);
    });
  }

  it('stays quiet on look-alike lines', () => {
    for (const line of innocent) assert.deepEqual(reasonsFor(line), [], line);
  });

  it('does not duplicate an upstream kernel-monitor reason', () => {
    const upstream = new Set<string>(kernelMonitorConfig.rules.map((r) => r.reason));
    for (const rule of ackKernelMonitorConfig.rules) assert.ok(!upstream.has(rule.reason), rule.reason);
  });
});

describe('PodOOMKilling rule', () => {
  const UID = '8f6a0b8e-3c1d-4a5e-9f7b-2d4c6e8a0b1c';
  const CID = 'a3f1c2e4b5d6978812a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809';
  const v1 = [
    'java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=999',
    'memory: usage 524288kB, limit 524288kB, failcnt 1234',
    `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=${CID},mems_allowed=0,oom_memcg=/kubepods/burstable/pod${UID}/${CID},task_memcg=/kubepods/burstable/pod${UID}/${CID},task=java,pid=23456,uid=0`,
    'Memory cgroup out of memory: Killed process 23456 (java) total-vm:4194304kB, anon-rss:520000kB, file-rss:12000kB, shmem-rss:0kB, UID:0 pgtables:1200kB oom_score_adj:999',
    'oom_reaper: reaped process 23456 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB',
  ];
  const slice = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replaceAll('-', '_')}.slice`;
  const v2 = [
    `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-${CID}.scope,mems_allowed=0,oom_memcg=${slice}/cri-containerd-${CID}.scope,task_memcg=${slice}/cri-containerd-${CID}.scope,task=nginx,pid=812,uid=101`,
    'Memory cgroup out of memory: Killed process 812 (nginx) total-vm:10240kB, anon-rss:2048kB, file-rss:1024kB, shmem-rss:0kB, UID:101 pgtables:60kB oom_score_adj:1000',
  ];

  function feed(lines: readonly string[]) {
    const config = parseSystemLogMonitorConfig(ackKernelMonitorConfig, 'builtin:ack-kernel-monitor');
    const state = new LogProblemState(config, 0);
    return lines.flatMap((message, i) => state.ingest({ timestamp: i + 1, message })?.events ?? []);
  }

  for (const [name, lines, expected] of [
    ['cgroup v1 (cgroupfs)', v1, { process: 'java', pid: 23456 }],
    ['cgroup v2 (systemd slices)', v2, { process: 'nginx', pid: 812 }],
  ] as const) {
    it(`raises one event carrying the ${name} block, which parsePodOomKill understands`, () => {
      const events = feed(lines);
      assert.deepEqual(
        events.map((e) => e.reason),
        ['PodOOMKilling'],
      );
      const message = events[0]?.message ?? '';
      assert.match(message, /^oom-kill:constraint=/);
      assert.match(message, /Killed process \d+ \(\w+\)[^\n]*$/);
      const parsed = parsePodOomKill(message);
      assert.equal(parsed?.podUid, UID);
      assert.equal(parsed?.containerId, CID);
      assert.equal(parsed?.process, expected.process);
      assert.equal(parsed?.pid, expected.pid);
    });
  }

  it('stays quiet for an OOM kill outside any pod', () => {
    const events = feed([
      'oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/app.service,task_memcg=/system.slice/app.service,task=app,pid=77,uid=0',
      'Memory cgroup out of memory: Killed process 77 (app) total-vm:10240kB, anon-rss:2048kB, file-rss:1024kB, shmem-rss:0kB',
    ]);
    assert.deepEqual(events, []);
  });
});
