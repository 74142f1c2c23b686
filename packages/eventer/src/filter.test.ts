import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type FilterSpec, filterFromQuery, matchesFilter } from './filter.ts';
import { routeAccepts } from './route.ts';
import { testEvent } from './testing/memory-sink.ts';

describe('matchesFilter', () => {
  const cases: { name: string; filter: FilterSpec; event: Parameters<typeof testEvent>[0]; want: boolean }[] = [
    { name: 'empty filter ships all', filter: {}, event: { type: 'Normal' }, want: true },
    { name: 'level=Warning drops Normal', filter: { level: 'Warning' }, event: { type: 'Normal' }, want: false },
    { name: 'level=Warning ships Warning', filter: { level: 'Warning' }, event: { type: 'Warning' }, want: true },
    { name: 'level=Normal ships Warning too (kube-eventer)', filter: { level: 'Normal' }, event: { type: 'Warning' }, want: true },
    { name: 'namespace listed', filter: { namespaces: ['a', 'b'] }, event: { namespace: 'b' }, want: true },
    { name: 'namespace not listed', filter: { namespaces: ['a'] }, event: { namespace: 'b' }, want: false },
    {
      name: 'Node event (cluster-scoped) survives a namespace filter',
      filter: { namespaces: ['kube-system'] },
      event: { namespace: 'default', kind: 'Node' },
      want: true,
    },
    {
      name: 'Node event dropped when the filter asks for it',
      filter: { namespaces: ['kube-system'], namespacesApplyToClusterScoped: true },
      event: { namespace: 'default', kind: 'Node' },
      want: false,
    },
    { name: 'kind listed', filter: { kinds: ['Pod', 'Node'] }, event: { kind: 'Node' }, want: true },
    { name: 'kind not listed', filter: { kinds: ['Node'] }, event: { kind: 'Pod' }, want: false },
    { name: 'reason regex', filter: { reasons: [/^Evict/] }, event: { reason: 'Evicted' }, want: true },
    { name: 'reason regex miss', filter: { reasons: [/^Evict/] }, event: { reason: 'BackOff' }, want: false },
    { name: 'message regex', filter: { messages: [/OOM/] }, event: { message: 'container OOMKilled' }, want: true },
    { name: 'changes=[added] drops count-bump updates', filter: { changes: ['added'] }, event: { change: 'updated' }, want: false },
    { name: 'changes=[added] keeps new events', filter: { changes: ['added'] }, event: { change: 'added' }, want: true },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(matchesFilter(c.filter, testEvent(c.event)), c.want));
  }

  test('labels must be present and equal', () => {
    const event = testEvent();
    const labelled = { ...event, raw: { ...event.raw, metadata: { ...event.raw.metadata, labels: { team: 'a' } } } };
    assert.equal(matchesFilter({ labels: { team: 'a' } }, labelled), true);
    assert.equal(matchesFilter({ labels: { team: 'b' } }, labelled), false);
    assert.equal(matchesFilter({ labels: { team: '' } }, labelled), true);
    assert.equal(matchesFilter({ labels: { team: '' } }, event), false);
  });

  test('filterFromQuery reads kube-eventer options and rejects bad ones by name', () => {
    const filter = filterFromQuery('webhook', new URLSearchParams('level=Warning&namespaces=a,b&namespaces=c&kinds=Pod&reason=^Fail'));
    assert.deepEqual(filter.namespaces, ['a', 'b', 'c']);
    assert.equal(matchesFilter(filter, testEvent({ namespace: 'c', reason: 'FailedMount' })), true);
    assert.equal(matchesFilter(filter, testEvent({ namespace: 'c', reason: 'Pulled' })), false);
    assert.throws(() => filterFromQuery('webhook', new URLSearchParams('level=Error')), /webhook\?level/);
    assert.throws(() => filterFromQuery('webhook', new URLSearchParams('reason=(')), /webhook\?reason/);
  });
});

describe('route tree', () => {
  const route = {
    drop: [{ namespaces: ['kube-system'], namespacesApplyToClusterScoped: true }],
    match: [{ level: 'Warning' }],
    routes: [{ match: [{ kinds: ['Pod'] }] }, { match: [{ kinds: ['Node'] }], drop: [{ reasons: [/^NodeReady$/] }] }],
  };
  const cases = [
    { name: 'warning pod passes', event: testEvent({ kind: 'Pod', type: 'Warning' }), want: true },
    { name: 'normal pod fails match', event: testEvent({ kind: 'Pod', type: 'Normal' }), want: false },
    { name: 'kube-system dropped', event: testEvent({ namespace: 'kube-system' }), want: false },
    { name: 'deployment matches no child', event: testEvent({ kind: 'Deployment' }), want: false },
    { name: 'node warning passes child', event: testEvent({ kind: 'Node', reason: 'NodeNotReady' }), want: true },
    { name: 'child drop wins', event: testEvent({ kind: 'Node', reason: 'NodeReady' }), want: false },
  ];
  for (const c of cases) test(c.name, () => assert.equal(routeAccepts(route, c.event), c.want));
  test('no route accepts everything', () => assert.equal(routeAccepts(undefined, testEvent()), true));
});
