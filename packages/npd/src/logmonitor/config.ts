import { ConfigError, type ConfigIssue, deepFreeze, durationMs, zodIssues } from '@ack-npd/core';
import * as z from 'zod/mini';
import { readJson } from '../config-file.ts';

const nonEmpty = z.string().check(z.minLength(1));

const conditionDefault = z.object({
  type: nonEmpty,
  reason: nonEmpty,
  message: z._default(z.string(), ''),
  /** Ours, not upstream's: a True condition returns to its default after this long without a new match. */
  expiry: z.optional(durationMs),
});

const rule = z.object({
  /** `recovery` is ours: a match sets the condition back to its default (upstream never clears, #215 #728). */
  type: z.enum(['temporary', 'permanent', 'recovery']),
  condition: z.optional(z.string()),
  reason: z._default(z.string(), ''),
  pattern: z.string(),
  patternGeneratedMessageSuffix: z.optional(z.string()),
});

/** NPD's system log monitor config (kmsg | journald | filelog), keys and defaults as upstream. */
const schema = z.object({
  plugin: z.enum(['kmsg', 'journald', 'filelog']),
  pluginConfig: z._default(z.record(z.string(), z.string()), {}),
  logPath: z.optional(z.string()),
  lookback: z.prefault(durationMs, '0'),
  delay: z.prefault(durationMs, '0'),
  bufferSize: z._default(z.int().check(z.nonnegative()), 10),
  source: nonEmpty,
  metricsReporting: z._default(z.boolean(), true),
  skipList: z._default(z.array(z.string()), []),
  conditions: z._default(z.array(conditionDefault), []),
  rules: z._default(z.array(rule), []),
});

export interface CompiledRule {
  readonly type: 'temporary' | 'permanent' | 'recovery';
  readonly condition: string | undefined;
  readonly reason: string;
  /** The pattern, anchored at the end of the joined buffer (NPD's `pattern + \z`). */
  readonly regexp: RegExp;
  readonly pattern: string;
  readonly suffix: string | undefined;
}

export type SystemLogMonitorConfig = Omit<z.output<typeof schema>, 'rules' | 'bufferSize'> & {
  readonly bufferSize: number;
  readonly rules: readonly CompiledRule[];
};

/** Go RE2 → JavaScript: leading `(?i)`/`(?s)` flags become JS flags, `\z` becomes `$`; anchored at the end. */
export function compileGoPattern(pattern: string): RegExp {
  let body = pattern;
  let flags = '';
  const inline = /^\(\?([ims]+)\)/.exec(body);
  if (inline?.[1]) {
    flags = [...new Set(inline[1])].join('');
    body = body.slice(inline[0].length);
  }
  body = body.replaceAll('\\z', '$');
  return new RegExp(`(?:${body})$`, flags);
}

export function parseSystemLogMonitorConfig(raw: unknown, file: string): SystemLogMonitorConfig {
  const result = z.safeParse(schema, raw);
  if (!result.success) throw new ConfigError(file, zodIssues(result.error));
  const config = result.data;
  const issues: ConfigIssue[] = [];
  const types = new Set(config.conditions.map((c) => c.type));
  const rules: CompiledRule[] = [];
  config.rules.forEach((r, i) => {
    let regexp: RegExp | undefined;
    try {
      regexp = compileGoPattern(r.pattern);
    } catch (error) {
      issues.push({ path: `rules[${i}].pattern`, message: `invalid regular expression: ${(error as Error).message}` });
    }
    if (r.type !== 'recovery' && r.reason === '') issues.push({ path: `rules[${i}].reason`, message: 'required' });
    if (r.type !== 'temporary') {
      if (!r.condition) issues.push({ path: `rules[${i}].condition`, message: `a ${r.type} rule needs a condition` });
      else if (!types.has(r.condition)) {
        issues.push({ path: `rules[${i}].condition`, message: `permanent problem ${r.condition} does not have preset default condition` });
      }
    }
    if (regexp) {
      rules.push({
        type: r.type,
        condition: r.condition,
        reason: r.reason,
        regexp,
        pattern: r.pattern,
        suffix: r.patternGeneratedMessageSuffix,
      });
    }
  });
  if (config.plugin === 'filelog') {
    for (const key of ['timestamp', 'message', 'timestampFormat']) {
      if (!config.pluginConfig[key]) issues.push({ path: `pluginConfig.${key}`, message: 'required by the filelog plugin' });
    }
    if (!config.logPath) issues.push({ path: 'logPath', message: 'required by the filelog plugin' });
    for (const key of ['timestamp', 'message']) {
      const text = config.pluginConfig[key];
      if (!text) continue;
      try {
        new RegExp(text);
      } catch (error) {
        issues.push({ path: `pluginConfig.${key}`, message: `invalid regular expression: ${(error as Error).message}` });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(file, issues);
  return deepFreeze({ ...config, bufferSize: config.bufferSize === 0 ? 10 : config.bufferSize, rules });
}

export function loadSystemLogMonitorConfig(file: string): SystemLogMonitorConfig {
  return parseSystemLogMonitorConfig(readJson(file), file);
}
