import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as prom from 'prom-client';
import * as lite from './prom-lite.ts';

/** Sample lines only (HELP/TYPE and blank lines dropped), sorted: the two libraries order series alike but need not. */
const samples = (text: string): string[] =>
  text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .sort();

function exercise(lib: typeof prom | typeof lite, registry: prom.Registry | lite.Registry): void {
  const registers = [registry] as never;
  const counter = new lib.Counter({ name: 'problem_counter', help: 'c', labelNames: ['reason'], registers });
  counter.inc({ reason: 'A' });
  counter.inc({ reason: 'A' }, 2);
  counter.inc({ reason: 'we "quote"\\ and\nnewline' });
  const gauge = new lib.Gauge({ name: 'problem_gauge', help: 'g', labelNames: ['type', 'reason'], registers });
  gauge.set({ type: 'T', reason: 'R1' }, 1);
  gauge.set({ type: 'T', reason: 'R2' }, 0);
  gauge.remove({ type: 'T', reason: 'R1' });
  const histogram = new lib.Histogram({ name: 'check_seconds', help: 'h', labelNames: ['check'], buckets: [0.01, 0.1, 1], registers });
  histogram.observe({ check: 'fd' }, 0.005);
  histogram.observe({ check: 'fd' }, 0.5);
  histogram.observe({ check: 'fd' }, 3);
  new lib.Counter({ name: 'plain_total', help: 'p', registers });
}

describe('prom-lite', () => {
  it('renders the same samples as prom-client for the same calls', async () => {
    const reference = new prom.Registry();
    exercise(prom, reference);
    const ours = new lite.Registry();
    exercise(lite, ours);
    assert.deepEqual(samples(await ours.metrics()), samples(await reference.metrics()));
    assert.equal(ours.contentType, reference.contentType);
  });

  it('writes HELP and TYPE for each metric and reads process metrics when scraped', async () => {
    const registry = lite.createRegistry();
    new lite.Gauge({ name: 'g', help: 'a gauge', registers: [registry] }).set(2);
    const text = await registry.metrics();
    assert.match(text, /^# HELP g a gauge\n# TYPE g gauge\ng 2$/m);
    assert.match(text, /^process_resident_memory_bytes \d+$/m);
    assert.match(text, /^process_cpu_seconds_total [\d.e-]+$/m);
    assert.throws(() => new lite.Gauge({ name: 'g', help: 'again', registers: [registry] }), /already registered/);
  });
});
