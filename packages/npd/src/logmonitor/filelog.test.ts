import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createHostFs } from '../hostfs.ts';
import { createFileLogTranslator, createFileLogWatcher } from './filelog.ts';
import { compileGoLayout } from './gotime.ts';
import type { LogLine } from './watcher.ts';

describe('Go time layouts', () => {
  const now = new Date(2026, 5, 1);
  const cases: [string, string, number][] = [
    ['2006-01-02T15:04:05.999999999Z07:00', '2026-03-04T05:06:07.123456+08:00', Date.UTC(2026, 2, 3, 21, 6, 7, 123)],
    ['2006-01-02T15:04:05Z07:00', '2026-03-04T05:06:07Z', Date.UTC(2026, 2, 4, 5, 6, 7)],
    ['Jan _2 15:04:05', 'Mar  4 05:06:07', new Date(2026, 2, 4, 5, 6, 7).getTime()],
    ['Jan 2 15:04:05', 'Dec 31 23:59:59', new Date(2026, 11, 31, 23, 59, 59).getTime()],
    ['0102 15:04:05.000000', '0304 05:06:07.250000', new Date(2026, 2, 4, 5, 6, 7, 250).getTime()],
  ];
  for (const [layout, text, want] of cases) {
    it(`${layout} parses ${text}`, () => assert.equal(compileGoLayout(layout).parse(text, now), want));
  }
  it('rejects text that does not fit', () => assert.equal(compileGoLayout('2006-01-02').parse('yesterday'), undefined));
});

describe('filelog', () => {
  // NPD's config/docker-monitor-filelog.json style
  const pluginConfig = { timestamp: '^time="(\\S*)"', message: 'msg="([^\\n]*)"', timestampFormat: '2006-01-02T15:04:05.999999999Z07:00' };

  it('translates with the last submatch of timestamp and message', () => {
    const t = createFileLogTranslator(pluginConfig);
    assert.deepEqual(t.translate('time="2026-03-04T05:06:07.5Z" level=error msg="containerd: container not found"'), {
      timestamp: Date.UTC(2026, 2, 4, 5, 6, 7, 500),
      message: 'containerd: container not found',
    });
    assert.equal(t.translate('no timestamp here'), undefined);
  });

  it('tails a file from the lookback on, then follows appends and rotation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'npd-filelog-'));
    writeFileSync(join(dir, 'docker.log'), 'time="2020-01-01T00:00:00Z" msg="too old"\ntime="2099-01-01T00:00:00Z" msg="first"\n');
    const watcher = createFileLogWatcher({
      hostfs: createHostFs(dir),
      path: '/docker.log',
      pluginConfig,
      lookbackMs: 60_000,
      delayMs: 0,
      boot: async () => 0,
      pollMs: 20,
    });
    const controller = new AbortController();
    const lines: LogLine[] = [];
    const done = (async () => {
      for await (const line of watcher.watch(controller.signal)) lines.push(line);
    })();
    const waitFor = async (n: number) => {
      const deadline = Date.now() + 3000;
      while (lines.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    };
    await waitFor(1);
    appendFileSync(join(dir, 'docker.log'), 'time="2099-01-01T00:00:01Z" msg="second"\n');
    await waitFor(2);
    writeFileSync(join(dir, 'docker.log.new'), 'time="2099-01-01T00:00:02Z" msg="after rotation"\n');
    const { renameSync } = await import('node:fs');
    renameSync(join(dir, 'docker.log.new'), join(dir, 'docker.log'));
    await waitFor(3);
    controller.abort();
    await done;
    assert.deepEqual(
      lines.map((l) => l.message),
      ['first', 'second', 'after rotation'],
    );
  });
});
