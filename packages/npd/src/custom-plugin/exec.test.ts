import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runPlugin } from './exec.ts';

const plugins = join(import.meta.dirname, '..', 'fixtures', 'plugins');
const run = (name: string, extra: { timeoutMs?: number; maxOutputLength?: number; args?: string[] } = {}) =>
  runPlugin({
    path: join(plugins, name),
    args: extra.args ?? [],
    timeoutMs: extra.timeoutMs ?? 5000,
    maxOutputLength: extra.maxOutputLength ?? 80,
  });

/** Live (non-zombie) processes whose process group is `pgid`. */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // the process is gone
    }
  }
  return members;
}

describe('runPlugin', () => {
  const cases: [string, 'OK' | 'NonOK' | 'Unknown', string][] = [
    ['ok.sh', 'OK', 'OK'],
    ['non-ok.sh', 'NonOK', 'NonOK'],
    ['unknown.sh', 'Unknown', 'UNKNOWN'],
  ];
  for (const [name, result, message] of cases) {
    it(`${name}: exit status → ${result}`, async () => {
      const out = await run(name);
      assert.equal(out.result, result);
      assert.equal(out.message, message);
      assert.equal(out.timedOut, false);
    });
  }

  it('cuts the trimmed output at max_output_length', async () => {
    const out = await run('long-output.sh', { maxOutputLength: 80 });
    assert.equal(out.result, 'OK');
    assert.equal(out.message, '0'.repeat(80));
    const longer = await run('long-output.sh', { maxOutputLength: 500 });
    assert.equal(longer.message, '0'.repeat(200));
  });

  it('a plug-in that sleeps forever is killed at the timeout and reported Unknown with NPD message shape', async () => {
    const started = Date.now();
    const out = await run('sleep.sh', { timeoutMs: 300, maxOutputLength: 200 });
    assert.ok(Date.now() - started < 3000);
    assert.equal(out.result, 'Unknown');
    assert.equal(out.timedOut, true);
    assert.equal(out.signal, 'SIGKILL');
    assert.equal(
      out.message,
      `Timeout when running plugin ${JSON.stringify(join(plugins, 'sleep.sh'))}: state - signal: killed. output - "sleeping"`,
    );
  });

  it('kills the whole process group of a plug-in that forks children and ignores SIGTERM', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'npd-plugin-')), 'pid');
    const out = await run('fork-and-ignore-term.sh', { timeoutMs: 500, args: [pidFile] });
    assert.equal(out.result, 'Unknown');
    assert.equal(out.timedOut, true);
    const pgid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(pgid > 1);
    // SIGKILL is asynchronous for the children: poll briefly, then assert nothing of the group lives.
    const deadline = Date.now() + 3000;
    while (groupMembers(pgid).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(groupMembers(pgid), []);
  });

  it('reports a missing or non-executable plug-in as Unknown', async () => {
    const out = await run('does-not-exist.sh');
    assert.equal(out.result, 'Unknown');
    assert.match(out.message, /^Error in starting plugin/);
  });
});
