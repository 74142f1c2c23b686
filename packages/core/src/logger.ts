import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';
import { type LogLevel, SECRET_FIELDS } from './log.ts';

export type { LogLevel } from './log.ts';
export { SECRET_FIELDS } from './log.ts';

/** pino's own type; it satisfies core's Logger. */
export type Logger = PinoLogger;

export interface LoggerOptions {
  readonly name: string;
  readonly level?: LogLevel;
  /** Where lines go; stderr by default so stdout stays free for reports. */
  readonly destination?: DestinationStream;
}

/**
 * Structured JSON logger, one line per record. Components take a child logger
 * (`logger.child({ component: 'sink', sink: 'dingtalk' })`) and keep messages constant,
 * with data in fields.
 */
export function createLogger(options: LoggerOptions): Logger {
  const paths = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]).map(quoteField);
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths, censor: '[REDACTED]' },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

function quoteField(path: string): string {
  return path
    .split('.')
    .map((part) => (/^[A-Za-z_$][\w$]*$|^\*$/.test(part) ? part : `["${part}"]`))
    .join('.')
    .replaceAll('.[', '[');
}
