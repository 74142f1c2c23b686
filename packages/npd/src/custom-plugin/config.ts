import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, type ConfigIssue, deepFreeze, durationMs, zodIssues } from '@ack-npd/core';
import * as z from 'zod/mini';
import { readJson } from '../config-file.ts';

const nonEmpty = z.string().check(z.minLength(1));
const positiveInt = z.int().check(z.positive());

const conditionDefault = z.object({
  type: nonEmpty,
  reason: nonEmpty,
  message: z._default(z.string(), ''),
});

const rule = z.object({
  type: z.enum(['temporary', 'permanent']),
  condition: z.optional(z.string()),
  reason: nonEmpty,
  path: nonEmpty,
  args: z._default(z.array(z.string()), []),
  timeout: z.optional(durationMs),
  invoke_interval: z.optional(durationMs),
});

/** NPD's custom plugin monitor config (`plugin: "custom"`), keys and defaults as upstream. */
const schema = z.object({
  plugin: z.string(),
  pluginConfig: z.prefault(
    z.object({
      invoke_interval: z.prefault(durationMs, '30s'),
      timeout: z.prefault(durationMs, '5s'),
      max_output_length: z._default(positiveInt, 80),
      concurrency: z._default(positiveInt, 3),
      enable_message_change_based_condition_update: z._default(z.boolean(), false),
      skip_initial_status: z._default(z.boolean(), false),
    }),
    {},
  ),
  source: nonEmpty,
  metricsReporting: z._default(z.boolean(), true),
  conditions: z._default(z.array(conditionDefault), []),
  rules: z._default(z.array(rule), []),
});

export type CustomPluginConfig = z.output<typeof schema>;
export type CustomRule = CustomPluginConfig['rules'][number];

/**
 * Parses and validates as NPD does at start-up (rule timeout ≤ global timeout, plug-in path
 * exists, a permanent rule's condition has a default), naming the file and field on error.
 * Relative plug-in paths resolve against the config file's folder.
 */
export function parseCustomPluginConfig(raw: unknown, file: string): CustomPluginConfig {
  const result = z.safeParse(schema, raw);
  if (!result.success) throw new ConfigError(file, zodIssues(result.error));
  const config = result.data;
  const issues: ConfigIssue[] = [];
  if (config.plugin !== 'custom') {
    issues.push({ path: 'plugin', message: `"${config.plugin}" is not supported; only "custom"` });
  }
  const types = new Set(config.conditions.map((c) => c.type));
  config.rules.forEach((r, i) => {
    if (r.timeout !== undefined && r.timeout > config.pluginConfig.timeout) {
      issues.push({
        path: `rules[${i}].timeout`,
        message: `plugin timeout ${r.timeout}ms is greater than the global timeout ${config.pluginConfig.timeout}ms`,
      });
    }
    if (!isAbsolute(r.path)) r.path = resolve(file, '..', r.path);
    if (!existsSync(r.path)) issues.push({ path: `rules[${i}].path`, message: `rule path "${r.path}" does not exist` });
    if (r.type === 'permanent') {
      if (!r.condition) issues.push({ path: `rules[${i}].condition`, message: 'a permanent rule needs a condition' });
      else if (!types.has(r.condition)) {
        issues.push({
          path: `rules[${i}].condition`,
          message: `permanent problem ${r.condition} does not have preset default condition`,
        });
      }
    }
  });
  if (issues.length > 0) throw new ConfigError(file, issues);
  return deepFreeze(config);
}

export function loadCustomPluginConfig(file: string): CustomPluginConfig {
  return parseCustomPluginConfig(readJson(file), file);
}
