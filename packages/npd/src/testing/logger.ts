import type { Logger } from '@ack-npd/core';
import { createLogger } from '@ack-npd/core/logger';

export function silentLogger(): Logger {
  return createLogger({ name: 'test', level: 'silent' });
}

/** A logger whose JSON lines are kept in memory (`lines()`). */
export function captureLogger(): { logger: Logger; lines: () => string[] } {
  const out: string[] = [];
  const logger = createLogger({
    name: 'test',
    level: 'debug',
    destination: {
      write(line: string) {
        out.push(line);
        return true;
      },
    } as never,
  });
  return { logger, lines: () => [...out] };
}
