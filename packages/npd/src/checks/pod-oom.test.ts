import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePodOomKill, podFromCgroup } from './pod-oom.ts';

const UID = '8f6a0b8e-3c1d-4a5e-9f7b-2d4c6e8a0b1c';
const CID = 'a3f1c2e4b5d6978812a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809';

describe('PodOOMKilling parsing', () => {
  it('reads the 4.19+ oom-kill line of a cgroup v1 (cgroupfs) pod', () => {
    const block = [
      'java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=999',
      `memory: usage 524288kB, limit 524288kB, failcnt 1234`,
      `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=${CID},mems_allowed=0,oom_memcg=/kubepods/burstable/pod${UID}/${CID},task_memcg=/kubepods/burstable/pod${UID}/${CID},task=java,pid=23456,uid=0`,
      'Memory cgroup out of memory: Killed process 23456 (java) total-vm:4194304kB, anon-rss:520000kB, file-rss:12000kB, shmem-rss:0kB, UID:0 pgtables:1200kB oom_score_adj:999',
    ];
    assert.deepEqual(parsePodOomKill(block), {
      podUid: UID,
      containerId: CID,
      process: 'java',
      pid: 23456,
      cgroup: `/kubepods/burstable/pod${UID}/${CID}`,
    });
  });

  it('reads the cgroup v2 systemd layout (underscores in the pod slice, cri-containerd scope)', () => {
    const slice = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replaceAll('-', '_')}.slice`;
    const line = `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-${CID}.scope,mems_allowed=0,oom_memcg=${slice}/cri-containerd-${CID}.scope,task_memcg=${slice}/cri-containerd-${CID}.scope,task=nginx,pid=812,uid=101`;
    assert.deepEqual(parsePodOomKill(line), {
      podUid: UID,
      containerId: CID,
      process: 'nginx',
      pid: 812,
      cgroup: `${slice}/cri-containerd-${CID}.scope`,
    });
  });

  it('reads a guaranteed pod whose limit is pod level (oom_memcg is the pod)', () => {
    const pod = `/kubepods.slice/kubepods-pod${UID.replaceAll('-', '_')}.slice`;
    const line = `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=${pod},task_memcg=${pod}/docker-${CID}.scope,task=redis-server,pid=99,uid=999`;
    assert.deepEqual(parsePodOomKill(line), {
      podUid: UID,
      containerId: CID,
      process: 'redis-server',
      pid: 99,
      cgroup: `${pod}/docker-${CID}.scope`,
    });
  });

  it('reads the older "Task in ... killed as a result of limit of" shape', () => {
    const block = `Task in /kubepods/besteffort/pod${UID}/${CID} killed as a result of limit of /kubepods/besteffort/pod${UID}/${CID}
memory: usage 102400kB, limit 102400kB, failcnt 77
Memory cgroup out of memory: Kill process 4321 (python3) score 1987 or sacrifice child
Killed process 4321 (python3) total-vm:812340kB, anon-rss:100876kB, file-rss:11232kB, shmem-rss:0kB`;
    assert.deepEqual(parsePodOomKill(block), {
      podUid: UID,
      containerId: CID,
      process: 'python3',
      pid: 4321,
      cgroup: `/kubepods/besteffort/pod${UID}/${CID}`,
    });
  });

  it('ignores OOM kills outside pods and blocks without a kill', () => {
    assert.equal(
      parsePodOomKill(
        'oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/sshd.service,task=sshd,pid=1,uid=0',
      ),
      undefined,
    );
    assert.equal(
      parsePodOomKill(`Task in /kubepods/burstable/pod${UID}/${CID} killed as a result of limit of /kubepods/burstable/pod${UID}`),
      undefined,
    );
  });

  it('maps cgroup paths to pods', () => {
    assert.deepEqual(podFromCgroup(`/kubepods/burstable/pod${UID}`), { podUid: UID });
    assert.deepEqual(
      podFromCgroup(`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID.replaceAll('-', '_')}.slice/crio-${CID}.scope`),
      {
        podUid: UID,
        containerId: CID,
      },
    );
    assert.equal(podFromCgroup('/user.slice/user-1000.slice'), undefined);
  });
});
