import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from './logger.ts';

function capture(): {
  lines: () => Record<string, unknown>[];
  stream: Writable & { write: Writable['write'] };
} {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with component fields and never the secrets', () => {
    const out = capture();
    const logger = createLogger({ name: 'eventer', destination: out.stream });
    logger.child({ component: 'sink', sink: 'dingtalk' }).warn(
      {
        token: 'T0P',
        options: { accessKeySecret: 'AKS', sign: 'SEC1' },
        headers: { Authorization: 'Bearer x' },
        count: 2,
      },
      'send failed',
    );
    const [line] = out.lines();
    assert.ok(line);
    assert.equal(line.msg, 'send failed');
    assert.equal(line.level, 'warn');
    assert.equal(line.component, 'sink');
    assert.equal(line.sink, 'dingtalk');
    assert.equal(line.count, 2);
    const text = JSON.stringify(line);
    for (const secret of ['T0P', 'AKS', 'SEC1', 'Bearer x']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  });
});
