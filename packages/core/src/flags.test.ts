import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './errors.ts';
import { parseFlags } from './flags.ts';

const specs = {
  sink: { type: 'string', multiple: true },
  source: { type: 'string' },
  frequency: { type: 'duration' },
  'leader-elect': { type: 'bool' },
  help: { type: 'bool', short: 'h' },
} as const;

function issuesOf(argv: string[]): string[] {
  try {
    parseFlags(argv, specs);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('expected a ConfigError');
}

describe('parseFlags (Go flag syntax on node:util parseArgs)', () => {
  it('takes --name=value, --name value, -name, repeats, and the last scalar', () => {
    assert.deepEqual(parseFlags(['--sink=log:', '-sink', 'webhook:http://x', '--source', 'a', '-source=b'], specs), {
      sink: ['log:', 'webhook:http://x'],
      source: 'b',
    });
    assert.deepEqual(parseFlags([], specs), {}, 'absent flags are left to the caller');
    assert.deepEqual(parseFlags(['--source=--weird'], specs), { source: '--weird' }, 'a value may start with a dash after =');
  });

  it("booleans as Go's strconv.ParseBool spells them, and never consume the next argument", () => {
    for (const [arg, want] of [
      ['--leader-elect', true],
      ['-leader-elect', true],
      ['--leader-elect=true', true],
      ['--leader-elect=1', true],
      ['--leader-elect=T', true],
      ['--leader-elect=False', false],
      ['--leader-elect=0', false],
      ['-leader-elect=f', false],
    ] as const)
      assert.equal(parseFlags([arg], specs)['leader-elect'], want, arg);
    assert.deepEqual(parseFlags(['--leader-elect', '--leader-elect=false'], specs), { 'leader-elect': false });
    assert.deepEqual(parseFlags(['-h'], specs), { help: true });
  });

  it('durations as Go parses them, to milliseconds', () => {
    assert.equal(parseFlags(['--frequency=1m30s'], specs).frequency, 90_000);
    assert.equal(parseFlags(['--frequency', '.5s'], specs).frequency, 500);
    assert.equal(parseFlags(['--frequency=500µs'], specs).frequency, 0.5);
    assert.equal(parseFlags(['--frequency=0'], specs).frequency, 0);
  });

  it('collects every problem into one ConfigError naming each flag', () => {
    assert.deepEqual(issuesOf(['--leader-elect=yes', '--frequency=5', '--frequency=-1s', '--bogus=1', 'stray', '--source']), [
      '--leader-elect: "yes" is not a boolean (true or false)',
      '--bogus: unknown flag (see --help)',
      'stray: unexpected argument (flags look like --name=value)',
      '--source: needs a value',
      '--frequency: "-1s" is negative; use a number with a unit, e.g. "30s", "5m", "1h30m", "500ms"',
    ]);
    assert.deepEqual(issuesOf(['--frequency=5']), [
      '--frequency: "5" is not a duration (time: missing unit in duration "5"); use a number with a unit, e.g. "30s", "5m", "1h30m", "500ms"',
    ]);
  });
});
