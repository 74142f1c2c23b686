#!/usr/bin/env node
import { hostname } from 'node:os';
import { ConfigError } from '@ack-npd/core';
import { createLiteLogger } from '@ack-npd/core/log-lite';
import { startAgent } from './app.ts';
import { HELP, parseCli } from './cli.ts';

/** The only place that reads argv/env and decides the exit code: 0 ok, 2 bad flag/config, 1 anything else. */
async function main(argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseCli>;
  try {
    options = parseCli(argv);
  } catch (error) {
    process.stderr.write(`npd: ${(error as Error).message}\n\nRun npd --help for the flags.\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const logger = createLiteLogger({ name: 'npd', level: options.logLevel });
  let agent: Awaited<ReturnType<typeof startAgent>>;
  try {
    agent = await startAgent(options, { env: process.env, hostname: hostname(), logger, stdout: process.stdout });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`npd: ${error.message}\n`);
      return 2;
    }
    logger.fatal({ err: error }, 'npd failed to start');
    return 1;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('stopping');
  await agent.stop();
  logger.flush();
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
