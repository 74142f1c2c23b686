import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { evaluateRules } from '../alerts/engine.ts';
import { podLifecycle } from '../lifecycle.ts';
import { nodeView } from '../nodes.ts';
import { parseSearch } from '../query.ts';
import type { EventStore } from '../store/types.ts';
import { newEvent } from './events.ts';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const DAY = 86_400_000;

/** One behaviour, two backends: every EventStore implementation must pass this suite. */
export function storeSuite(name: string, open: () => Promise<EventStore>, teardown: () => Promise<void> = async () => {}): void {
  describe(`${name} store`, () => {
    let store: EventStore;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
      await teardown();
    });

    it('migrations are versioned and re-running them is a no-op', async () => {
      const version = await store.migrate();
      assert.ok(version >= 3);
      assert.equal(await store.migrate(), version);
    });

    it('the same batch twice → one row each; a count bump is a new row', async () => {
      const batch = [
        newEvent({ uid: 'dup-a', cluster: 'c1', namespace: 'dup' }),
        newEvent({ uid: 'dup-b', cluster: 'c1', namespace: 'dup' }),
        newEvent({ uid: 'dup-b', cluster: 'c1', namespace: 'dup' }),
      ];
      assert.deepEqual(await store.ingest(batch), { inserted: 2, duplicates: 1 });
      assert.deepEqual(await store.ingest(batch), { inserted: 0, duplicates: 3 });
      assert.deepEqual(await store.ingest([newEvent({ uid: 'dup-a', count: 2, cluster: 'c1', namespace: 'dup' })]), {
        inserted: 1,
        duplicates: 0,
      });
      assert.deepEqual(
        await store.ingest([newEvent({ uid: 'dup-a', cluster: 'c2', namespace: 'dup' })]),
        { inserted: 1, duplicates: 0 },
        'cluster is part of the key',
      );
      assert.equal(await store.count({ include: { namespace: ['dup'] } }), 4);
      const rows = await store.search({ filter: { include: { namespace: ['dup'], uid: ['dup-a'] } }, limit: 10 });
      assert.deepEqual(rows.map((r) => `${r.cluster}/${r.count}`).sort(), ['c1/1', 'c1/2', 'c2/1']);
      const one = await store.get(rows[0]?.id ?? '');
      assert.deepEqual(one?.raw, rows[0]?.raw);
      assert.equal(await store.get('999999999'), undefined);
      assert.equal(await store.get('not-a-number'), undefined);
    });

    it('filters: fields, exclusions, prefixes, time range, free text and phrases', async () => {
      const ns = 'flt';
      await store.ingest([
        newEvent({
          namespace: ns,
          type: 'Warning',
          reason: 'FailedScheduling',
          message: '0/3 nodes are available: 3 Insufficient cpu.',
          timestamp: T0,
        }),
        newEvent({
          namespace: ns,
          type: 'Warning',
          reason: 'FailedScheduling',
          message: '0/3 nodes are available: 3 Insufficient memory.',
          timestamp: T0 + 1000,
        }),
        newEvent({
          namespace: ns,
          type: 'Warning',
          reason: 'BackOff',
          message: 'Back-off restarting failed container cpu-burner',
          name: 'web-abc',
          timestamp: T0 + 2000,
        }),
        newEvent({
          namespace: ns,
          type: 'Normal',
          reason: 'Pulled',
          message: 'Successfully pulled image "nginx:1.27"',
          name: 'web-def',
          timestamp: T0 + 3000,
        }),
        newEvent({
          namespace: 'kube-system',
          type: 'Warning',
          reason: 'FailedScheduling',
          message: 'Insufficient cpu',
          timestamp: T0 + 4000,
        }),
      ]);
      const reasons = async (filter: Parameters<EventStore['search']>[0]['filter']) =>
        (await store.search({ filter, limit: 50, ascending: true })).map((e) => `${e.namespace}:${e.reason}:${e.message.slice(-12)}`);
      assert.deepEqual(
        await reasons({
          ...parseSearch('type:Warning reason:FailedScheduling "insufficient cpu" -namespace:kube-system'),
          include: { ...parseSearch('type:Warning reason:FailedScheduling').include, namespace: [ns] },
        }),
        ['flt:FailedScheduling:ficient cpu.'],
      );
      assert.deepEqual(await reasons({ ...parseSearch('reason:FailedScheduling "insufficient cpu" -namespace:kube-system') }), [
        'flt:FailedScheduling:ficient cpu.',
      ]);
      assert.equal(
        (await reasons({ ...parseSearch('"cpu insufficient"'), include: { namespace: [ns] } })).length,
        0,
        'phrase order matters',
      );
      assert.equal(
        (await reasons({ ...parseSearch('cpu'), include: { namespace: [ns] } })).length,
        2,
        'a word matches in message (cpu-burner too)',
      );
      assert.equal((await reasons({ ...parseSearch('cpu -burner'), include: { namespace: [ns] } })).length, 1);
      assert.equal((await reasons({ ...parseSearch('backoff'), include: { namespace: [ns] } })).length, 1, 'reason is searched');
      assert.equal((await reasons({ ...parseSearch('web'), include: { namespace: [ns] } })).length, 2, 'object name is searched');
      assert.equal((await reasons({ include: { namespace: [ns], name: ['web-*'] } })).length, 2, 'prefix');
      assert.equal(
        (await reasons({ include: { namespace: [ns] }, from: T0 + 1000, to: T0 + 3000 })).length,
        2,
        'from inclusive, to exclusive',
      );
      assert.equal(
        (await reasons({ include: { namespace: [ns], type: ['Normal', 'Warning'] }, exclude: { reason: ['BackOff'] } })).length,
        3,
      );
      assert.equal(
        (await reasons({ ...parseSearch('"!!!" %%%'), include: { namespace: [ns] } })).length,
        4,
        'punctuation-only terms select nothing extra',
      );
    });

    it('hostile values are data, never SQL: quotes, %, _, backslashes, keywords', async () => {
      const names = ["o'brien", 'a%b', 'a_b', 'axb', 'back\\slash', '"; DROP TABLE events; --', "' OR 1=1 --", 'ünïcödé', '\uFFFD'];
      await store.ingest(names.map((name) => newEvent({ namespace: 'hostile', name, message: `msg ${name}` })));
      for (const name of names) {
        const rows = await store.search({ filter: { include: { namespace: ['hostile'], name: [name] } }, limit: 10 });
        assert.deepEqual(
          rows.map((r) => r.name),
          [name],
          `exact ${JSON.stringify(name)}`,
        );
      }
      const prefix = async (p: string) =>
        (await store.search({ filter: { include: { namespace: ['hostile'], name: [p] } }, limit: 10 })).map((r) => r.name).sort();
      assert.deepEqual(await prefix('a%*'), ['a%b'], '% in a prefix is literal');
      assert.deepEqual(await prefix('a_*'), ['a_b'], '_ in a prefix is literal');
      assert.deepEqual(await prefix('back\\*'), ['back\\slash']);
      for (const q of ['select', 'drop table', "' or 1=1", 'NEAR AND OR NOT', '"unterminated', 'a:b:c', '*', '^', '(', 'NOT']) {
        const parsed = (() => {
          try {
            return parseSearch(q);
          } catch {
            return undefined;
          }
        })();
        if (parsed) await store.search({ filter: { ...parsed, include: { namespace: ['hostile'] } }, limit: 10 });
      }
      assert.equal(await store.count({ include: { namespace: ['hostile'] } }), names.length, 'the table is still there');
    });

    it('cursor paging visits every event once, in order', async () => {
      const batch = Array.from({ length: 25 }, (_, i) => newEvent({ namespace: 'page', timestamp: T0 + Math.floor(i / 3) * 1000 }));
      await store.ingest(batch);
      const seen: string[] = [];
      let cursor: { timestamp: number; id: string } | undefined;
      for (let page = 0; page < 10; page++) {
        const rows = await store.search({ filter: { include: { namespace: ['page'] } }, limit: 10, ...(cursor ? { cursor } : {}) });
        seen.push(...rows.map((r) => r.uid));
        const last = rows.at(-1);
        if (rows.length < 10 || !last) break;
        cursor = { timestamp: last.timestamp, id: last.id };
      }
      assert.equal(seen.length, 25);
      assert.equal(new Set(seen).size, 25);
      assert.deepEqual(
        seen,
        [...batch].reverse().map((e) => e.uid),
        'newest first, ties by insertion',
      );
    });

    it('aggregations: counts by field, time buckets, group counts', async () => {
      const ns = 'agg';
      await store.ingest([
        ...Array.from({ length: 5 }, (_, i) =>
          newEvent({ namespace: ns, type: 'Warning', reason: 'BackOff', name: 'a', timestamp: T0 + i * 60_000 }),
        ),
        ...Array.from({ length: 3 }, (_, i) =>
          newEvent({ namespace: ns, type: 'Warning', reason: 'Unhealthy', name: 'b', timestamp: T0 + 3_600_000 + i }),
        ),
        newEvent({ namespace: ns, type: 'Normal', reason: 'Pulled', name: 'a', timestamp: T0 }),
      ]);
      const filter = { include: { namespace: [ns] } };
      assert.deepEqual(await store.countBy(filter, 'reason', 2), [
        { key: 'BackOff', count: 5 },
        { key: 'Unhealthy', count: 3 },
      ]);
      assert.deepEqual(await store.histogram({ ...filter, include: { namespace: [ns], type: ['Warning'] } }, 'reason', 3_600_000), [
        { bucket: T0, key: 'BackOff', count: 5 },
        { bucket: T0 + 3_600_000, key: 'Unhealthy', count: 3 },
      ]);
      const groups = await store.groupCounts({ ...filter, include: { namespace: [ns], type: ['Warning'] } }, ['reason', 'name'], 10);
      assert.deepEqual(groups, [
        { group: { reason: 'BackOff', name: 'a' }, count: 5, last: T0 + 4 * 60_000 },
        { group: { reason: 'Unhealthy', name: 'b' }, count: 3, last: T0 + 3_600_002 },
      ]);
      assert.equal(await store.count(filter), 9);
    });

    it('pod lifecycle: owner chain inferred from names + stored owner events, node events, phases', async () => {
      const ns = 'life';
      const pod = 'web-7d4b9c6f5-x2x9z';
      await store.ingest([
        newEvent({
          namespace: ns,
          kind: 'Deployment',
          name: 'web',
          reason: 'ScalingReplicaSet',
          message: 'Scaled up replica set web-7d4b9c6f5 to 1',
          timestamp: T0,
          node: '',
        }),
        newEvent({
          namespace: ns,
          kind: 'ReplicaSet',
          name: 'web-7d4b9c6f5',
          reason: 'SuccessfulCreate',
          message: `Created pod: ${pod}`,
          timestamp: T0 + 1,
          node: '',
        }),
        newEvent({
          namespace: ns,
          kind: 'Pod',
          name: pod,
          reason: 'Scheduled',
          message: `Successfully assigned ${ns}/${pod} to node-7`,
          node: 'node-7',
          timestamp: T0 + 2,
        }),
        newEvent({ namespace: ns, kind: 'Pod', name: pod, reason: 'Pulling', node: 'node-7', timestamp: T0 + 3 }),
        newEvent({
          namespace: ns,
          kind: 'Pod',
          name: pod,
          type: 'Warning',
          reason: 'Failed',
          message: 'Failed to pull image "nope"',
          node: 'node-7',
          timestamp: T0 + 4,
        }),
        newEvent({
          namespace: ns,
          kind: 'Pod',
          name: pod,
          type: 'Warning',
          reason: 'BackOff',
          message: 'Back-off pulling image "nope"',
          node: 'node-7',
          timestamp: T0 + 5,
        }),
        newEvent({
          namespace: '',
          kind: 'Node',
          name: 'node-7',
          type: 'Warning',
          reason: 'NodeNotReady',
          message: 'Node node-7 status is now: NodeNotReady',
          node: 'node-7',
          timestamp: T0 + 6,
        }),
        newEvent({
          namespace: '',
          kind: 'Node',
          name: 'node-7',
          reason: 'NodeReady',
          message: 'Node node-7 status is now: NodeReady',
          node: 'node-7',
          timestamp: T0 + 7,
        }),
        newEvent({
          namespace: '',
          kind: 'Node',
          name: 'node-7',
          type: 'Warning',
          reason: 'NodeHasFDPressure',
          condition: { type: 'FDPressure', status: 'True', reason: 'NodeHasFDPressure', message: 'too many fds' },
          node: 'node-7',
          timestamp: T0 + 8,
        }),
        newEvent({ namespace: '', kind: 'Node', name: 'node-8', reason: 'NodeReady', node: 'node-8', timestamp: T0 + 7 }),
      ]);
      const life = await podLifecycle(store, { namespace: ns, pod });
      assert.ok(life);
      assert.equal(life.node, 'node-7');
      assert.equal(life.ownerSource, 'names');
      assert.deepEqual(life.owners, [
        { kind: 'ReplicaSet', name: 'web-7d4b9c6f5' },
        { kind: 'Deployment', name: 'web' },
      ]);
      assert.deepEqual(
        life.events.map((e) => `${e.role}:${e.reason}`),
        [
          'owner:ScalingReplicaSet',
          'owner:SuccessfulCreate',
          'pod:Scheduled',
          'pod:Pulling',
          'pod:Failed',
          'pod:BackOff',
          'node:NodeNotReady',
          'node:NodeReady',
          'node:NodeHasFDPressure',
        ],
      );
      assert.deepEqual(
        life.phases.map((p) => p.phase),
        ['Scheduled', 'Pulling image', 'Image pull failing'],
      );
      assert.equal(await podLifecycle(store, { namespace: ns, pod: 'nope' }), undefined);
      const view = await nodeView(store, { node: 'node-7', from: T0 - DAY, to: T0 + DAY });
      assert.deepEqual(
        view.conditions.map((c) => `${c.type}=${c.status} (${c.transitions.map((t) => t.status).join('>')})`),
        ['FDPressure=True (True)', 'Ready=True (False>True)'],
      );
      assert.equal(view.events.length, 3);
      assert.deepEqual(view.podWarnings, [
        { key: 'BackOff', count: 1 },
        { key: 'Failed', count: 1 },
      ]);
    });

    it('counts from the rollup equal counts from the events, edges and deletions included', async () => {
      const base = T0 - 40 * DAY;
      const batch = Array.from({ length: 300 }, (_, i) =>
        newEvent({
          namespace: `roll-${i % 7}`,
          type: i % 3 === 0 ? 'Warning' : 'Normal',
          reason: ['BackOff', 'Pulled', 'Unhealthy', 'Killing'][i % 4],
          node: `n${i % 5}`,
          kind: i % 11 === 0 ? 'Node' : 'Pod',
          timestamp: base + i * 97_000 + (i % 13) * 1000,
        }),
      );
      await store.ingest(batch);
      // A filter the rollup cannot answer (an exclusion that excludes nothing) forces a scan of the events.
      const raw = { exclude: { uid: ['no-such-uid'] } };
      for (const [from, to] of [
        [base - 1, base + 300 * 97_000],
        [base + 123_456, base + 4_000_000],
        [base + 600_000, base + 3_600_000],
      ] as const) {
        for (const field of ['type', 'reason', 'namespace', 'kind', 'node'] as const) {
          for (const type of [undefined, ['Warning']]) {
            const filter = { from, to, include: type ? { type } : {} };
            assert.deepEqual(
              await store.countBy(filter, field, 50),
              await store.countBy({ ...filter, ...raw }, field, 50),
              `${field} ${from}-${to} ${type}`,
            );
            assert.deepEqual(
              await store.histogram(filter, field, 1_800_000),
              await store.histogram({ ...filter, ...raw }, field, 1_800_000),
              `histogram ${field}`,
            );
          }
        }
      }
    });

    it('clusters: one, several or all selected; aggregations per cluster; rules scoped to clusters alert per cluster', async () => {
      await store.ingest([
        newEvent({ cluster: 'c-a', namespace: 'fleet', type: 'Warning', reason: 'FleetBurst', timestamp: T0 + 1 }),
        newEvent({ cluster: 'c-a', namespace: 'fleet', type: 'Warning', reason: 'FleetBurst', timestamp: T0 + 2 }),
        newEvent({ cluster: 'c-b', namespace: 'fleet', type: 'Warning', reason: 'FleetBurst', timestamp: T0 + 3 }),
        newEvent({ cluster: 'c-c', namespace: 'fleet', type: 'Normal', reason: 'Started', timestamp: T0 + 4 }),
      ]);
      const ns = { namespace: ['fleet'] };
      assert.equal(await store.count({ include: { ...ns, cluster: ['c-a'] } }), 2);
      assert.equal(await store.count({ include: { ...ns, cluster: ['c-a', 'c-b'] } }), 3);
      assert.equal(await store.count({ include: ns }), 4);
      assert.equal(
        await store.count({ include: { ...parseSearch('cluster:c-b,c-c').include, ...ns } }),
        2,
        'the search syntax selects clusters too',
      );
      assert.deepEqual(await store.countBy({ include: ns }, 'cluster', 10), [
        { key: 'c-a', count: 2 },
        { key: 'c-b', count: 1 },
        { key: 'c-c', count: 1 },
      ]);
      // Cluster names are documents, like rules.
      await store.putDoc('cluster', 'c-a', { name: 'prod' }, 1);
      assert.deepEqual(await store.listDocs('cluster'), [{ id: 'c-a', body: { name: 'prod' }, updated: 1 }]);
      await store.deleteDoc('cluster', 'c-a');

      const rule = {
        name: 'fleet burst',
        description: '',
        query: 'namespace:fleet reason:FleetBurst',
        threshold: 1,
        windowMs: 3_600_000,
        groupBy: [],
        severity: 'warning',
        notify: [],
        repeatMs: 0,
        enabled: true,
      };
      await store.putDoc('rule', 'fleet-scoped', { ...rule, clusters: ['c-b', 'c-c'] }, 1);
      await store.putDoc('rule', 'fleet-all', { ...rule, clusters: [] }, 1);
      try {
        const { alerts, notifications } = await evaluateRules(store, T0 + 60_000);
        const groups = (id: string) =>
          alerts
            .filter((a) => a.ruleId === id)
            .map((a) => a.group.cluster ?? '')
            .sort();
        assert.deepEqual(groups('fleet-scoped'), ['c-b'], "c-a's burst does not fire the rule scoped to c-b and c-c");
        assert.deepEqual(groups('fleet-all'), ['c-a', 'c-b'], 'each cluster alerts on its own');
        assert.ok(
          notifications.every((n) => n.alert.key.includes(`cluster=${n.alert.group.cluster}`)),
          'notifications name the cluster',
        );
        // A silence scoped to one cluster silences only that cluster's alert.
        await store.putDoc(
          'silence',
          'fleet-s',
          { id: 'fleet-s', ruleId: '', matchers: { cluster: 'c-a' }, comment: '', createdBy: '', startsAt: 0, expiresAt: T0 + DAY },
          1,
        );
        const again = await evaluateRules(store, T0 + 61_000);
        const silenced = again.alerts.filter((a) => a.ruleId === 'fleet-all').map((a) => [a.group.cluster, a.silenced]);
        assert.deepEqual(silenced.sort(), [
          ['c-a', true],
          ['c-b', false],
        ]);
      } finally {
        for (const id of ['fleet-scoped', 'fleet-all']) await store.deleteDoc('rule', id);
        await store.deleteDoc('silence', 'fleet-s');
        for (const doc of await store.listDocs('alert-state')) await store.deleteDoc('alert-state', doc.id);
      }
    });

    it('alert documents and history', async () => {
      await store.putDoc('rule', 'r1', { name: 'one' }, 1);
      await store.putDoc('rule', 'r1', { name: 'uno' }, 2);
      await store.putDoc('silence', 's1', { x: 1 }, 3);
      assert.deepEqual(await store.listDocs('rule'), [{ id: 'r1', body: { name: 'uno' }, updated: 2 }]);
      assert.equal(await store.deleteDoc('rule', 'r1'), true);
      assert.equal(await store.deleteDoc('rule', 'r1'), false);
      await store.addHistory({ ruleId: 'r1', group: 'g', state: 'firing', at: 10, count: 3, message: 'm' });
      await store.addHistory({ ruleId: 'r1', group: 'g', state: 'resolved', at: 20, count: 0, message: 'm' });
      await store.addHistory({ ruleId: 'r2', group: 'g', state: 'firing', at: 15, count: 1, message: 'm' });
      assert.deepEqual(
        (await store.history({ ruleId: 'r1', limit: 10 })).map((h) => h.state),
        ['resolved', 'firing'],
      );
      assert.equal((await store.history({ limit: 2 })).length, 2);
    });

    it('retention per cluster: one cluster’s age and event limits leave the other clusters alone; counts stay right', async () => {
      const now = T0 + 10 * DAY;
      const at = (daysAgo: number, i: number) => now - daysAgo * DAY + i;
      await store.ingest([
        ...[0, 1, 2, 3, 4].map((i) => newEvent({ cluster: 'noisy', namespace: 'perc', timestamp: at(0, i) })),
        newEvent({ cluster: 'noisy', namespace: 'perc', timestamp: at(3, 0) }),
        newEvent({ cluster: 'quiet', namespace: 'perc', timestamp: at(3, 0) }),
        newEvent({ cluster: 'quiet', namespace: 'perc', timestamp: at(0, 0) }),
      ]);
      const count = (cluster: string) => store.count({ include: { namespace: ['perc'], cluster: [cluster] } });
      const result = await store.applyRetention(
        { maxAgeMs: 0, maxBytes: 0, perCluster: [{ cluster: 'noisy', maxAgeMs: 2 * DAY, maxEvents: 3 }] },
        now,
      );
      assert.equal(result.deleted, 3, 'one too old, then two beyond the newest three');
      assert.equal(await count('noisy'), 3);
      assert.equal(await count('quiet'), 2, 'other clusters untouched');
      const kept = await store.search({ filter: { include: { namespace: ['perc'], cluster: ['noisy'] } }, limit: 10 });
      assert.deepEqual(
        kept.map((e) => e.timestamp),
        [at(0, 4), at(0, 3), at(0, 2)],
        'the newest are kept',
      );
      // The overview's pre-aggregated counts follow the deletions.
      const byNamespace = await store.countBy({ from: now - 5 * DAY, to: now + DAY, include: { namespace: ['perc'] } }, 'namespace', 5);
      assert.deepEqual(byNamespace, [{ key: 'perc', count: 5 }]);
    });

    it('retention: by age drops old days, by size drops the oldest first', async () => {
      const now = T0 + 20 * DAY;
      await store.ingest([
        ...Array.from({ length: 50 }, (_, i) => newEvent({ namespace: 'ret', timestamp: now - 12 * DAY + i, message: 'x'.repeat(2000) })),
        ...Array.from({ length: 50 }, (_, i) => newEvent({ namespace: 'ret', timestamp: now - 5 * DAY + i, message: 'y'.repeat(2000) })),
        ...Array.from({ length: 50 }, (_, i) => newEvent({ namespace: 'ret', timestamp: now - 2 * DAY + i, message: 'y'.repeat(2000) })),
        ...Array.from({ length: 50 }, (_, i) => newEvent({ namespace: 'ret', timestamp: now - 1000 + i, message: 'z'.repeat(2000) })),
      ]);
      const before = await store.count({});
      const byAge = await store.applyRetention({ maxAgeMs: 10 * DAY, maxBytes: 0 }, now);
      assert.ok(byAge.deleted >= 50, `deleted ${byAge.deleted}`);
      assert.equal(await store.count({ to: now - 10 * DAY }), 0, 'nothing older than the limit');
      assert.equal(await store.count({ from: now - 6 * DAY, include: { namespace: ['ret'] } }), 150, 'younger ones kept');
      const size = await store.sizeBytes();
      assert.ok(size > 0);
      const bySize = await store.applyRetention({ maxAgeMs: 0, maxBytes: Math.floor(size * 0.6) }, now);
      assert.ok(bySize.deleted > 0);
      assert.equal(await store.count({ from: now - 2000, include: { namespace: ['ret'] } }), 50, 'the newest survive');
      const remaining = await store.search({ filter: {}, limit: 1, ascending: true });
      assert.ok((remaining[0]?.timestamp ?? 0) > now - 6 * DAY, 'the oldest went first');
      assert.ok((await store.count({})) < before);
      const filter = { from: now - 30 * DAY, to: now + DAY };
      assert.deepEqual(
        await store.countBy(filter, 'namespace', 50),
        await store.countBy({ ...filter, exclude: { uid: ['x'] } }, 'namespace', 50),
        'the rollup follows deletions',
      );
    });
  });
}
