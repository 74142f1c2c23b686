import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { durationMs, parseConfig, regexString } from './config.ts';
import { ConfigError } from './errors.ts';

const schema = z.object({
  interval: durationMs.prefault('30s'),
  rules: z.array(z.object({ pattern: regexString, limit: z.number().int().positive() })),
});

describe('parseConfig', () => {
  it('returns typed, defaulted and frozen values', () => {
    const config = parseConfig(schema, { rules: [{ pattern: '^a+$', limit: 3 }] }, 'test.json');
    assert.equal(config.interval, 30_000);
    assert.ok(config.rules[0]?.pattern.test('aaa'));
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.rules[0]));
  });

  it('names the source and every bad field in one error', () => {
    const error = catchError(() =>
      parseConfig(
        schema,
        {
          interval: '5 minutes',
          rules: [
            { pattern: '(', limit: 3 },
            { pattern: 'x', limit: -1 },
          ],
        },
        'my.json',
      ),
    );
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'ERR_CONFIG');
    assert.deepEqual(
      error.issues.map((issue) => issue.path),
      ['interval', 'rules[0].pattern', 'rules[1].limit'],
    );
    assert.match(error.message, /^invalid configuration in my\.json:/);
    assert.match(error.message, /interval: "5 minutes" is not a duration/);
    assert.match(error.message, /rules\[0\]\.pattern: invalid regular expression/);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}
