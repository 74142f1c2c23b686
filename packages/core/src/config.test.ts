import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { durationMs, goBoolOption, parseConfig, parseGoBool, regexString } from './config.ts';
import { ConfigError } from './errors.ts';

const schema = z.object({
  interval: zm.prefault(durationMs, '30s'),
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

describe('Go booleans', () => {
  it('parses strconv.ParseBool spellings and nothing else', () => {
    for (const text of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.equal(parseGoBool(text), true, text);
    for (const text of ['0', 'f', 'F', 'false', 'FALSE', 'False']) assert.equal(parseGoBool(text), false, text);
    for (const text of ['', 'yes', 'on', 'tRUE']) assert.equal(parseGoBool(text), undefined, text);
  });

  it('names the option in a bad value', () => {
    const schema = z.object({ internal: goBoolOption('internal') });
    assert.deepEqual(schema.parse({ internal: 'True' }), { internal: true });
    assert.equal(schema.parse({}).internal, undefined);
    assert.throws(() => parseConfig(schema, { internal: 'yes' }, '--sink=sls'), /internal: internal must be true or false/);
  });
});
