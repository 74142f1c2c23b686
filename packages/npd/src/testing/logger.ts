import type { Logger } from '@ack-npd/core';
import { createLiteLogger } from '@ack-npd/core/log-lite';

export function silentLogger(): Logger {
  return createLiteLogger({ name: 'test', level: 'silent' });
}

/** A logger whose JSON lines are kept in memory (`lines()`). */
export function captureLogger(): { logger: Logger; lines: () => string[] } {
  const out: string[] = [];
  const logger = createLiteLogger({
    name: 'test',
    level: 'debug',
    destination: {
      write(line: string) {
        out.push(line);
        return true;
      },
    },
  });
  return { logger, lines: () => [...out] };
}
