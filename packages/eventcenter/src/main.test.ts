// The eventcenter's flags go through core's Go-syntax parser: bad values exit 2 naming the flag.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseTime } from './params.ts';

const main = join(import.meta.dirname, 'main.ts');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--conditions=development', main, ...args], { encoding: 'utf8', timeout: 30_000 });

test('bad flags exit 2 naming the flag, never a stack trace', () => {
  for (const [args, pattern] of [
    [['--in-cluster=maybe'], /--in-cluster: "maybe" is not a boolean \(true or false\)/],
    [['serve', '--retention=-1h'], /--retention: "-1h" is not a duration/],
    [['--bogus'], /--bogus: unknown flag/],
    [['--cluster-retention=c-hz=forever'], /--cluster-retention: "c-hz=forever" is not CLUSTER_ID=AGE\[:MAX_EVENTS\]/],
    [['--member-cluster=c-hz'], /--member-cluster: "c-hz" is not CLUSTER_ID=KUBECONFIG:USER/],
  ] as const) {
    const result = run(...args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
  }
  const help = run('-h', '--in-cluster=0');
  assert.equal(help.status, 0, help.stderr);
});

test('a relative time is a Go duration back from now; a negative one is refused', () => {
  assert.equal(parseTime('since', '-1.5h', 10_000_000), 10_000_000 - 5_400_000);
  assert.throws(() => parseTime('since', '--5m', 10_000_000), /is not a duration like -24h/);
});
