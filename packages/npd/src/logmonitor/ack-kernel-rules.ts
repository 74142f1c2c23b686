/**
 * ACK's extra kernel-log reasons, as a built-in system log monitor config in the shape
 * config.ts parses (same as builtin.ts). All are temporary problems (Warning events on the
 * Node). The patterns follow the kernel's own message texts (printk format strings cited
 * beside each rule); like every NPD pattern they are anchored at the end of the buffer.
 * Source `ack-kernel-monitor`, apart from upstream's `kernel-monitor` so that the two
 * monitors' condition sets never overwrite each other.
 */
/** A pod UID in a cgroup path: dashes (cgroupfs) or underscores (systemd slices). */
const POD_UID = '[0-9a-fA-F]{8}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{12}';

export const ackKernelMonitorConfig = {
  plugin: 'kmsg',
  logPath: '/dev/kmsg',
  lookback: '5m',
  bufferSize: 10,
  source: 'ack-kernel-monitor',
  metricsReporting: true,
  conditions: [],
  rules: [
    // net/ipv4/tcp.c tcp_out_of_memory(): net_info_ratelimited("out of memory -- consider tuning tcp_mem\n"), pr_fmt "TCP: "
    { type: 'temporary', reason: 'TCPMemOverFlow', pattern: 'TCP: out of memory -- consider tuning tcp_mem' },
    // net/ipv4/tcp.c tcp_check_oom(): net_info_ratelimited("too many orphaned sockets\n")
    { type: 'temporary', reason: 'TCPSkOverFlow', pattern: 'TCP: too many (of )?orphaned sockets' },
    // net/netfilter/nf_conntrack_core.c: net_warn_ratelimited("nf_conntrack: table full, dropping packet\n") (newer kernels prefix it twice)
    { type: 'temporary', reason: 'NFOverFlow', pattern: 'nf_conntrack: (nf_conntrack: )?table full, dropping packet\\.?' },
    // net/core/neighbour.c neigh_alloc(): net_info_ratelimited("%s: neighbor table overflow!\n", tbl->id); older "Neighbour table overflow."
    { type: 'temporary', reason: 'ARPOverFlow', pattern: '(neighbour: )?(arp_cache|ndisc_cache): neighbor table overflow!' },
    { type: 'temporary', reason: 'ARPOverFlow', pattern: 'Neighbour table overflow\\.' },
    // block/blk-core.c print_req_error(): "%s: %s error, dev %s, sector %llu" (≤5.x, "blk_update_request: I/O error, ..."),
    // 5.14+: "%s error, dev %s, sector %llu op 0x%x:(%s) flags 0x%x phys_seg %u prio class %u"
    {
      type: 'temporary',
      reason: 'BlockIOError',
      pattern: '(blk_update_request: )?(I/O|critical medium|critical target|critical space allocation) error, dev \\S+, sector \\d+.*',
    },
    // fs/file_table.c alloc_empty_file(): pr_info("VFS: file-max limit %lu reached\n")
    { type: 'temporary', reason: 'FileOpenLimit', pattern: 'VFS: file-max limit \\d+ reached' },
    // drivers/pci/pcie/aer.c: "PCIe Bus Error: severity=Uncorrected (Fatal|Non-Fatal), type=..." and "AER: Uncorrected (Fatal) error received: ..."
    { type: 'temporary', reason: 'PCICardErr', pattern: 'PCIe Bus Error: severity=Uncorrected \\((Fatal|Non-Fatal)\\).*' },
    { type: 'temporary', reason: 'PCICardErr', pattern: '(AER: )?Uncorrected \\((Fatal|Non-Fatal)\\) error received:.*' },
    // mm/slub.c slab_err(): "BUG %s (%s): %pV" with "Object already free", "Invalid object pointer 0x%p", ...;
    // mm/slab.h cache_from_obj(): "%s: Wrong slab cache. %s but object is from %s"
    {
      type: 'temporary',
      reason: 'SlabFreeErr',
      pattern:
        'BUG \\S+ \\([^)]*\\): (Object already free|Invalid object pointer|Freepointer corrupt|Poison overwritten|Redzone overwritten).*',
    },
    { type: 'temporary', reason: 'SlabFreeErr', pattern: 'cache_from_obj: Wrong slab cache\\. .*' },
    // mm/page_alloc.c warn_alloc(): "%s: page allocation failure: order:%u, mode:%#x(%pGg)" (older: "%s: page allocation failure: order:%u, mode:0x%x")
    { type: 'temporary', reason: 'MemPageFailed', pattern: '\\S+: page allocation failure: order:\\d+, mode:\\S+.*' },
    // kernel/watchdog.c: pr_emerg("BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]\n"), pr_fmt "watchdog: " since 4.15
    { type: 'temporary', reason: 'SoftLockUp', pattern: '(watchdog: )?BUG: soft lockup - CPU#\\d+ stuck for \\d+s! \\[.*\\]' },
    // kernel/sched/core.c __schedule_bug(): printk(KERN_ERR "BUG: scheduling while atomic: %s/%d/0x%08x\n")
    { type: 'temporary', reason: 'SchedInAtomic', pattern: 'BUG: scheduling while atomic: \\S+' },
    // kernel/rcu/tree_stall.h: "INFO: %s detected stalls on CPUs/tasks:" and "INFO: %s self-detected stall on CPU", pr_fmt "rcu: " since 4.19
    { type: 'temporary', reason: 'RCUStall', pattern: '(rcu: )?INFO: rcu_(sched|preempt|bh) detected stalls on CPUs/tasks:.*' },
    { type: 'temporary', reason: 'RCUStall', pattern: '(rcu: )?INFO: rcu_(sched|preempt|bh) self-detected stall on CPU.*' },
    // PodOOMKilling: the OOM record block of a kill in a pod's memory cgroup (kernel 4.19+, cgroup v1 and v2).
    // mm/oom_kill.c dump_oom_summary(): "oom-kill:constraint=%s,nodemask=%*pbl,cpuset=...,mems_allowed=...,
    // oom_memcg=...,task_memcg=%s,task=%s,pid=%d,uid=%d", then __oom_kill_process():
    // "%s: Killed process %d (%s) total-vm:%lukB, ..." ("Memory cgroup out of memory", or "Out of memory" for a
    // global OOM that picked a pod's task). task_memcg names the pod: cgroupfs "/kubepods/<qos>/pod<uid>/<id>",
    // systemd "/kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope".
    // The event message is the block; the Kubernetes exporter posts it on the Pod (checks/pod-oom.ts parses it).
    {
      type: 'temporary',
      reason: 'PodOOMKilling',
      pattern: `oom-kill:constraint=[^\\n]*\\btask_memcg=[^,\\n]*kubepods[^,\\n]*pod${POD_UID}[^\\n]*\\n(?:[^\\n]*\\n){0,2}(?:Memory cgroup out of memory|Out of memory): Killed process \\d+ \\([^\\n]*`,
    },
  ],
} as const;
