#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createLogger, createRegistry, healthRoute, metricsRoute, startHttpServer } from '@ack-npd/core';

const HELP = `eventer: ships cluster events to sinks

Usage: eventer [flags]

  --address string        address of the health/conditions server (default "127.0.0.1")
  --port int              port of the health/conditions server, 0 to disable (default 8084)
  -h, --help              show this help
`;

async function main(argv: readonly string[]): Promise<number> {
  let values: { address: string; port: string; help: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        address: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8084' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }) as { values: typeof values });
  } catch (error) {
    process.stderr.write(`eventer: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const logger = createLogger({ name: 'eventer' });
  const registry = createRegistry();
  const server = await startHttpServer({
    address: values.address,
    port: Number(values.port),
    logger,
    routes: {
      '/healthz': healthRoute(),
      '/metrics': metricsRoute(registry),
    },
  });
  logger.info({ url: server.url }, 'eventer started');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
