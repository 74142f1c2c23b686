/** What every component logs through: pino (core/logger) and the light logger (core/log-lite) both fit. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LogFn {
  (fields: object, message?: string): void;
  (message: string): void;
}

export interface Logger {
  level: string;
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  child(bindings: Record<string, unknown>): Logger;
  flush(): void;
}

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
