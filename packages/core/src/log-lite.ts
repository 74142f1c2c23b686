import { type Logger, type LogLevel, SECRET_FIELDS } from './log.ts';

/**
 * JSON lines in pino's shape (`level` label, ISO `time`, `pid`, `name`, bindings, fields, `msg`)
 * without pino: pino and its worker-thread transport machinery load worker_threads, assert and
 * more of Node's built-ins, several MiB of RSS a node agent does not need. Secret fields are
 * redacted at any depth; `err` Errors become `{ type, message, stack }`.
 */
export interface LiteLoggerOptions {
  readonly name: string;
  readonly level?: LogLevel;
  /** Where lines go; stderr by default, so stdout stays free for reports. */
  readonly destination?: { write(line: string): unknown };
}

const LEVELS: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
const SECRETS = new Set<string>(SECRET_FIELDS);

const stderr = { write: (line: string) => process.stderr.write(line) };

export function createLiteLogger(options: LiteLoggerOptions): Logger {
  const destination = options.destination ?? stderr;
  const threshold = { value: LEVELS[options.level ?? 'info'] };
  const make = (bindings: string): Logger => {
    const emit = (level: Exclude<LogLevel, 'silent'>) =>
      ((fields: object | string, message?: string) => {
        if (LEVELS[level] < threshold.value) return;
        const head = `{"level":"${level}","time":"${new Date().toISOString()}","pid":${process.pid},"name":${JSON.stringify(options.name)}${bindings}`;
        const own = typeof fields === 'string' ? '' : serializeFields(fields);
        const text = typeof fields === 'string' ? fields : message;
        destination.write(`${head}${own}${text === undefined ? '' : `,"msg":${JSON.stringify(text)}`}}\n`);
      }) as Logger['info'];
    return {
      get level() {
        return (Object.keys(LEVELS) as LogLevel[]).find((l) => LEVELS[l] === threshold.value) ?? 'info';
      },
      set level(value: string) {
        threshold.value = LEVELS[value as LogLevel] ?? threshold.value;
      },
      fatal: emit('fatal'),
      error: emit('error'),
      warn: emit('warn'),
      info: emit('info'),
      debug: emit('debug'),
      trace: emit('trace'),
      child: (more) => make(bindings + serializeFields(more)),
      flush: () => undefined,
    };
  };
  return make('');
}

/** `,"key":value` for each field, secrets redacted, Errors serialized. */
function serializeFields(fields: object): string {
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out += `,${JSON.stringify(key)}:${safeJson(SECRETS.has(key) ? '[REDACTED]' : value)}`;
  }
  return out;
}

function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return (
      JSON.stringify(value, function (this: unknown, key, inner: unknown) {
        if (key !== '' && SECRETS.has(key)) return '[REDACTED]';
        if (inner instanceof Error) {
          return {
            type: inner.name,
            message: inner.message,
            stack: inner.stack,
            ...((inner as { code?: unknown }).code !== undefined ? { code: (inner as { code?: unknown }).code } : {}),
          };
        }
        if (typeof inner === 'bigint') return inner.toString();
        if (inner !== null && typeof inner === 'object') {
          if (seen.has(inner)) return '[Circular]';
          seen.add(inner);
        }
        return inner;
      }) ?? 'null'
    );
  } catch {
    return '"[unserializable]"';
  }
}
