import type { Writable } from 'node:stream';
import { ConfigError } from '@ack-npd/core';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';

/** One JSON line per event: the normalized fields plus the raw Event under `event`. */
export function formatLogLine(event: KubeEvent): string {
  return JSON.stringify({
    time: new Date(event.timestamp).toISOString(),
    type: event.type,
    namespace: event.namespace,
    kind: event.involvedObject.kind,
    object: event.involvedObject.name,
    reason: event.reason,
    message: event.message,
    count: event.count,
    change: event.change,
    host: event.source.host,
    ...(event.folded ? { folded: event.folded } : {}),
    event: event.raw,
  });
}

/**
 * `--sink=log` (also `log:stdout`, `log:stderr`): JSON lines on stdout (or stderr).
 * `output` is injectable for tests.
 */
export function createLogSink(spec: SinkSpec, _context: SinkContext, output?: Writable): Sink {
  const target = spec.uri.replace(/^\/\//, '').split('?')[0] ?? '';
  if (!['', 'stdout', 'stderr'].includes(target)) {
    throw new ConfigError(`--sink=${spec.name}`, [{ path: spec.name, message: `log sink writes to stdout or stderr, got "${target}"` }]);
  }
  const stream = output ?? (target === 'stderr' ? process.stderr : process.stdout);
  return {
    name: spec.name,
    async send(batch) {
      const text = `${batch.map(formatLogLine).join('\n')}\n`;
      if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', resolve));
    },
    async close() {},
  };
}

createLogSink satisfies SinkFactory;
