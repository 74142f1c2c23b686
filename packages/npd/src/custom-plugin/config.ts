import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, type ConfigIssue, deepFreeze, durationMs, zodIssues } from '@ack-npd/core';
import { z } from 'zod';
import { readJson } from '../config-file.ts';

const conditionDefault = z.object({
  type: z.string().min(1),
  reason: z.string().min(1),
  message: z.string().default(''),
});

const rule = z.object({
  type: z.enum(['temporary', 'permanent']),
  condition: z.string().optional(),
  reason: z.string().min(1),
  path: z.string().min(1),
  args: z.array(z.string()).default([]),
  timeout: durationMs.optional(),
  invoke_interval: durationMs.optional(),
});

/** NPD's custom plugin monitor config (`plugin: "custom"`), keys and defaults as upstream. */
const schema = z.object({
  plugin: z.string(),
  pluginConfig: z
    .object({
      invoke_interval: durationMs.prefault('30s'),
      timeout: durationMs.prefault('5s'),
      max_output_length: z.number().int().positive().default(80),
      concurrency: z.number().int().positive().default(3),
      enable_message_change_based_condition_update: z.boolean().default(false),
      skip_initial_status: z.boolean().default(false),
    })
    .prefault({}),
  source: z.string().min(1),
  metricsReporting: z.boolean().default(true),
  conditions: z.array(conditionDefault).default([]),
  rules: z.array(rule).default([]),
});

export type CustomPluginConfig = z.output<typeof schema>;
export type CustomRule = CustomPluginConfig['rules'][number];

/**
 * Parses and validates as NPD does at start-up (rule timeout ≤ global timeout, plug-in path
 * exists, a permanent rule's condition has a default), naming the file and field on error.
 * Relative plug-in paths resolve against the config file's folder.
 */
export function parseCustomPluginConfig(raw: unknown, file: string): CustomPluginConfig {
  const result = schema.safeParse(raw);
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
