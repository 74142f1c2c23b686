import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRegistry } from '@ack-npd/core/prom-lite';
import { FakeClock } from '@ack-npd/core/testing/fake-clock';
import { createNpdMetrics } from '../metrics.ts';
import { FakeNodeApi } from '../testing/fake-node-api.ts';
import { silentLogger } from '../testing/logger.ts';
import { createK8sExporter } from './k8s.ts';

describe('Kubernetes exporter', () => {
  it('waits for the apiserver with backoff, then writes early events and conditions', async () => {
    const api = new FakeNodeApi();
    api.injectError('getNode', 2);
    const clock = new FakeClock();
    const metrics = createNpdMetrics(createRegistry({ defaultMetrics: false }));
    const exporter = createK8sExporter({ nodeName: 'node-1', api, logger: silentLogger(), metrics, clock, heartbeatMs: 300_000 });
    const controller = new AbortController();
    const running = exporter.start(controller.signal);
    await exporter.export({
      source: 'kernel-monitor',
      events: [{ severity: 'warn', timestamp: 5, reason: 'OOMKilling', message: 'Killed process 1' }],
      conditions: [
        { type: 'KernelDeadlock', status: 'False', transition: 1, reason: 'KernelHasNoDeadlock', message: 'kernel has no deadlock' },
      ],
    });
    await clock.advance(1000); // first retry after 1s
    assert.equal(api.getNodeCalls, 2);
    assert.equal(api.patches.length, 0);
    await clock.advance(2000); // then 2s
    assert.equal(api.getNodeCalls, 3);
    await exporter.ready;
    await clock.advance(1000);
    assert.equal(api.patches.length, 1);
    assert.equal(api.patches[0]?.[0]?.type, 'KernelDeadlock');
    await exporter.close();
    assert.equal(api.created.length, 1);
    assert.equal(api.created[0]?.involvedObject.uid, 'uid-1234');
    // A quiet minute: no PATCH until the heartbeat.
    await clock.advance(60_000);
    assert.equal(api.patches.length, 1);
    await clock.advance(300_000);
    assert.equal(api.patches.length, 2);
    controller.abort();
    await running;
    assert.match(await metrics.registry.metrics(), /npd_k8s_exporter_node_status_patches_total\{result="success"\} 2/);
  });

  describe('PodOOMKilling', () => {
    const UID = '8f6a0b8e-3c1d-4a5e-9f7b-2d4c6e8a0b1c';
    const CID = 'a3f1c2e4b5d6978812a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809';
    const block = [
      `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=${CID},mems_allowed=0,oom_memcg=/kubepods/burstable/pod${UID}/${CID},task_memcg=/kubepods/burstable/pod${UID}/${CID},task=java,pid=23456,uid=0`,
      'Memory cgroup out of memory: Killed process 23456 (java) total-vm:4194304kB, anon-rss:520000kB, file-rss:12000kB, shmem-rss:0kB',
    ].join('\n');

    async function run(api: FakeNodeApi, events: { reason: string; message: string }[], clock = new FakeClock()) {
      const metrics = createNpdMetrics(createRegistry({ defaultMetrics: false }));
      const exporter = createK8sExporter({ nodeName: 'node-1', api, logger: silentLogger(), metrics, clock, heartbeatMs: 300_000 });
      const controller = new AbortController();
      const running = exporter.start(controller.signal);
      await exporter.ready;
      for (const e of events) {
        await exporter.export({ source: 'ack-kernel-monitor', events: [{ severity: 'warn', timestamp: 5, ...e }], conditions: [] });
      }
      await exporter.close();
      controller.abort();
      await running;
      return { clock, exporter };
    }

    it("posts a pod's OOM kill on the Pod, in its namespace, with ACK's message and the kernel text", async () => {
      const api = new FakeNodeApi();
      api.pods = [
        { namespace: 'shop', name: 'cart-7d9', uid: UID },
        { namespace: 'kube-system', name: 'other', uid: 'ffffffff-0000-0000-0000-000000000000' },
      ];
      await run(api, [
        { reason: 'PodOOMKilling', message: block },
        { reason: 'OOMKilling', message: 'Killed process 23456 (java) total-vm:4194304kB' },
      ]);
      assert.equal(api.created.length, 2);
      // The Pod's event waits for the pod list; the Node's is written at once.
      const pod = api.created.find((e) => e.reason === 'PodOOMKilling');
      const node = api.created.find((e) => e.reason === 'OOMKilling');
      assert.deepEqual(pod?.involvedObject, { kind: 'Pod', namespace: 'shop', name: 'cart-7d9', uid: UID, apiVersion: 'v1' });
      assert.equal(pod?.metadata?.namespace, 'shop');
      assert.equal(pod?.reason, 'PodOOMKilling');
      assert.equal(pod?.type, 'Warning');
      assert.equal(pod?.source?.host, 'node-1');
      assert.equal(pod?.message, `pod shop/cart-7d9 (${UID}) container ${CID} was OOM killed: process java pid 23456\n${block}`);
      assert.equal(node?.involvedObject.kind, 'Node', 'other reasons stay on the Node');
    });

    it('posts on the Node naming the UID when the pod is not on this node; reuses the pod list briefly', async () => {
      const api = new FakeNodeApi();
      await run(api, [{ reason: 'PodOOMKilling', message: block }]);
      assert.equal(api.created[0]?.involvedObject.kind, 'Node');
      assert.equal(api.created[0]?.metadata?.namespace, 'default');
      assert.match(api.created[0]?.message ?? '', new RegExp(`^pod ${UID} \\(not found on node node-1\\) container ${CID} was OOM killed`));

      const cached = new FakeNodeApi();
      cached.pods = [{ namespace: 'shop', name: 'cart-7d9', uid: UID }];
      await run(cached, [
        { reason: 'PodOOMKilling', message: block },
        { reason: 'PodOOMKilling', message: block.replace('pid=23456', 'pid=23457').replaceAll('23456', '23457') },
      ]);
      assert.equal(cached.listPodsCalls, 1, 'the second kill within 10s uses the cached list');
      assert.equal(cached.created.filter((e) => e.involvedObject.kind === 'Pod').length, 2);
    });

    it('a PodOOMKilling message that is not a pod OOM block stays on the Node as it is; a failed list falls back to the Node', async () => {
      const api = new FakeNodeApi();
      await run(api, [{ reason: 'PodOOMKilling', message: 'something else' }]);
      assert.equal(api.listPodsCalls, 0);
      assert.equal(api.created[0]?.message, 'something else');
      const failing = new FakeNodeApi();
      failing.pods = [{ namespace: 'shop', name: 'cart-7d9', uid: UID }];
      failing.injectError('listPodsOnNode');
      await run(failing, [{ reason: 'PodOOMKilling', message: block }]);
      assert.equal(failing.created[0]?.involvedObject.kind, 'Node');
      assert.match(failing.created[0]?.message ?? '', /not found on node/);
    });
  });
});
