import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  const cases: [string, number | undefined][] = [
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['500ms', 500],
    ['0', 0],
    ['', undefined],
    ['30', undefined],
    ['5 minutes', undefined],
    ['-5s', undefined],
    ['10x', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`parses ${JSON.stringify(input)}`, () => assert.equal(parseDuration(input), expected));
  }
});

describe('formatDuration', () => {
  it('prints like Go', () => {
    assert.equal(formatDuration(5000), '5s');
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(3_600_000), '1h0m0s');
    assert.equal(formatDuration(250), '250ms');
  });
});
