import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConditionSet, type Observation, transition } from './conditions.ts';
import type { Condition, ConditionDefault } from './types.ts';

const fallback: ConditionDefault = { type: 'FDPressure', reason: 'NodeHasNoFDPressure', message: 'node has no fd pressure' };
const at = (status: Condition['status'], reason: string, message: string): Condition => ({
  type: 'FDPressure',
  status,
  transition: 1,
  reason,
  message,
});
const healthy = at('False', fallback.reason, fallback.message);
const sick = at('True', 'NodeHasFDPressure', 'fd usage 95%');
const unknown = at('Unknown', 'FDPressureUnknown', 'plugin timed out');

describe('transition (NPD custom plugin state machine)', () => {
  const cases: {
    name: string;
    current: Condition;
    observed: Observation;
    messageChange?: boolean;
    want: Partial<Condition> | undefined;
  }[] = [
    {
      name: 'False → True takes the rule reason and output',
      current: healthy,
      observed: { status: 'True', reason: 'NodeHasFDPressure', message: 'fd usage 95%' },
      want: { status: 'True', reason: 'NodeHasFDPressure', message: 'fd usage 95%', transition: 100 },
    },
    {
      name: 'True → False takes the default reason and message',
      current: sick,
      observed: { status: 'False', reason: 'NodeHasFDPressure', message: 'ok' },
      want: { status: 'False', reason: 'NodeHasNoFDPressure', message: 'node has no fd pressure' },
    },
    {
      name: 'True → Unknown says Unknown in its reason (not the healthy default) and keeps the output for debugging',
      current: sick,
      observed: { status: 'Unknown', reason: 'NodeHasFDPressure', message: 'Timeout when running plugin' },
      want: { status: 'Unknown', reason: 'FDPressureUnknown', message: 'Timeout when running plugin' },
    },
    {
      name: 'False → Unknown',
      current: healthy,
      observed: { status: 'Unknown', reason: 'NodeHasFDPressure', message: 'exit 3' },
      want: { status: 'Unknown', reason: 'FDPressureUnknown', message: 'exit 3' },
    },
    {
      name: 'Unknown → False restores the default message',
      current: unknown,
      observed: { status: 'False', reason: 'NodeHasFDPressure', message: 'OK' },
      want: { status: 'False', reason: 'NodeHasNoFDPressure', message: 'node has no fd pressure' },
    },
    {
      name: 'True → True with another reason updates',
      current: sick,
      observed: { status: 'True', reason: 'NodeHasSevereFDPressure', message: 'fd usage 99%' },
      want: { status: 'True', reason: 'NodeHasSevereFDPressure', message: 'fd usage 99%' },
    },
    {
      name: 'True → True with another message only: no change by default',
      current: sick,
      observed: { status: 'True', reason: 'NodeHasFDPressure', message: 'fd usage 96%' },
      want: undefined,
    },
    {
      name: 'True → True with another message: update when message-based updates are enabled',
      current: sick,
      observed: { status: 'True', reason: 'NodeHasFDPressure', message: 'fd usage 96%' },
      messageChange: true,
      want: { status: 'True', reason: 'NodeHasFDPressure', message: 'fd usage 96%' },
    },
    { name: 'False → False: no change', current: healthy, observed: { status: 'False', reason: 'x', message: 'OK' }, want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const next = transition(c.current, fallback, c.observed, 100, { messageChangeUpdates: c.messageChange ?? false });
      if (c.want === undefined) return assert.equal(next, undefined);
      assert.ok(next);
      assert.deepEqual(next, { type: 'FDPressure', transition: 100, ...c.want });
    });
  }
});

describe('ConditionSet', () => {
  it('starts False with defaults and emits NPD change events (Warning when True)', () => {
    const set = new ConditionSet([fallback], 5);
    assert.deepEqual(set.conditions, [{ ...healthy, transition: 5 }]);
    const up = set.observe('FDPressure', { status: 'True', reason: 'NodeHasFDPressure', message: 'fd usage 95%' }, 10);
    assert.deepEqual(up, {
      severity: 'warn',
      timestamp: 10,
      reason: 'NodeHasFDPressure',
      message: 'Node condition FDPressure is now: True, reason: NodeHasFDPressure, message: "fd usage 95%"',
    });
    assert.equal(set.observe('FDPressure', { status: 'True', reason: 'NodeHasFDPressure', message: 'fd usage 95%' }, 11), undefined);
    const down = set.observe('FDPressure', { status: 'False', reason: 'NodeHasFDPressure', message: '' }, 12);
    assert.equal(down?.severity, 'info');
    assert.equal(down?.message, 'Node condition FDPressure is now: False, reason: NodeHasNoFDPressure, message: "node has no fd pressure"');
    assert.equal(set.get('FDPressure')?.transition, 12);
  });

  it('marks every condition Unknown once', () => {
    const set = new ConditionSet([fallback, { type: 'B', reason: 'BOk', message: 'b ok' }], 0);
    assert.equal(set.markUnknown('no /dev/kmsg', 1).length, 2);
    assert.equal(set.markUnknown('no /dev/kmsg', 2).length, 0);
    assert.deepEqual(
      set.conditions.map((c) => [c.status, c.message]),
      [
        ['Unknown', 'no /dev/kmsg'],
        ['Unknown', 'no /dev/kmsg'],
      ],
    );
  });

  it('refreshMessage: a moving measured value updates the message in place, without an event or a new transition', () => {
    const set = new ConditionSet([fallback], 0);
    const opts = { refreshMessage: true };
    assert.ok(set.observe('FDPressure', { status: 'True', reason: 'NodeHasFDPressure', message: 'fd usage 91%' }, 10, opts));
    assert.equal(set.observe('FDPressure', { status: 'True', reason: 'NodeHasFDPressure', message: 'fd usage 93%' }, 20, opts), undefined);
    assert.deepEqual(set.get('FDPressure'), { ...at('True', 'NodeHasFDPressure', 'fd usage 93%'), transition: 10 });
    // A reason change still is a change (event, new transition).
    assert.ok(set.observe('FDPressure', { status: 'True', reason: 'OtherReason', message: 'x' }, 30, opts));
    assert.equal(set.get('FDPressure')?.transition, 30);
  });

  it('refreshMessage: False → False with its own message (e.g. "single CPU, irqbalance not needed") updates it silently', () => {
    const set = new ConditionSet([fallback], 0);
    const opts = { refreshMessage: true };
    const single = { status: 'False', reason: fallback.reason, message: 'single CPU, irqbalance not needed' } as const;
    assert.equal(set.observe('FDPressure', single, 5, opts), undefined);
    assert.equal(set.get('FDPressure')?.message, 'single CPU, irqbalance not needed');
    assert.equal(set.get('FDPressure')?.transition, 0);
    // Unknown → False is a status change (event) and keeps the observed message.
    set.observe('FDPressure', { status: 'Unknown', reason: fallback.reason, message: 'no /proc' }, 6, opts);
    const back = set.observe('FDPressure', single, 7, opts);
    assert.equal(
      back?.message,
      'Node condition FDPressure is now: False, reason: NodeHasNoFDPressure, message: "single CPU, irqbalance not needed"',
    );
    // Without the option (NPD's plug-in monitors), False keeps the default message.
    const npd = new ConditionSet([fallback], 0);
    assert.equal(npd.observe('FDPressure', single, 5), undefined);
    assert.equal(npd.get('FDPressure')?.message, fallback.message);
  });
});
