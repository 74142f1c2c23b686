import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Field names whose values are never written to a log line, wherever they nest. */
export const SECRET_FIELDS = [
  'token',
  'accessToken',
  'access_token',
  'accessKeySecret',
  'access-key-secret',
  'secret',
  'password',
  'authorization',
  'Authorization',
  'sign',
  'securityToken',
  'writekey',
] as const;

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
