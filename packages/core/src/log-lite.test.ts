import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLiteLogger } from './log-lite.ts';

function capture() {
  const out: string[] = [];
  return {
    destination: { write: (line: string) => out.push(line) },
    lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>),
    raw: out,
  };
}

describe('createLiteLogger', () => {
  it('writes pino-shaped JSON lines with child fields, and never the secrets at any depth', () => {
    const out = capture();
    const logger = createLiteLogger({ name: 'npd', destination: out.destination });
    logger
      .child({ component: 'sink', sink: 'dingtalk' })
      .warn(
        { token: 'T0P', options: { accessKeySecret: 'AKS', deeper: { sign: 'SEC1' } }, headers: { Authorization: 'Bearer x' }, count: 2 },
        'send failed',
      );
    const [line] = out.lines();
    assert.ok(line);
    assert.equal(line.msg, 'send failed');
    assert.equal(line.level, 'warn');
    assert.equal(line.name, 'npd');
    assert.equal(line.pid, process.pid);
    assert.ok(!Number.isNaN(Date.parse(String(line.time))));
    assert.equal(line.component, 'sink');
    assert.equal(line.sink, 'dingtalk');
    assert.equal(line.count, 2);
    assert.equal(line.token, '[REDACTED]');
    for (const secret of ['T0P', 'AKS', 'SEC1', 'Bearer x']) assert.ok(!out.raw[0]?.includes(secret), `${secret} leaked: ${out.raw[0]}`);
  });

  it('drops records below its level, serializes errors, and survives circular fields', () => {
    const out = capture();
    const logger = createLiteLogger({ name: 'npd', level: 'info', destination: out.destination });
    logger.debug('hidden');
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    logger.error({ err: Object.assign(new Error('boom'), { code: 'E_X' }), circular }, 'failed');
    logger.info('plain message');
    logger.level = 'silent';
    logger.fatal('not even this');
    const lines = out.lines();
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['failed', 'plain message'],
    );
    const err = lines[0]?.err as Record<string, unknown>;
    assert.equal(err.type, 'Error');
    assert.equal(err.message, 'boom');
    assert.equal(err.code, 'E_X');
    assert.match(String(err.stack), /boom/);
    assert.deepEqual(lines[0]?.circular, { a: 1, self: '[Circular]' });
  });
});
