import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import { loadCustomPluginConfig, parseCustomPluginConfig } from './config.ts';

const plugins = join(import.meta.dirname, '..', 'fixtures', 'plugins');
const base = {
  plugin: 'custom',
  source: 'ntp-custom-plugin-monitor',
  conditions: [{ type: 'NTPProblem', reason: 'NTPIsUp', message: 'ntp service is up' }],
  rules: [{ type: 'permanent', condition: 'NTPProblem', reason: 'NTPIsDown', path: join(plugins, 'ok.sh') }],
};

function issues(raw: unknown, file = '/etc/npd/ntp.json'): string[] {
  try {
    parseCustomPluginConfig(raw, file);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, new RegExp(`^invalid configuration in ${file}:`));
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
  return assert.fail('expected a ConfigError');
}

describe('parseCustomPluginConfig', () => {
  it('applies NPD defaults', () => {
    const config = parseCustomPluginConfig(base, '/etc/npd/ntp.json');
    assert.deepEqual(config.pluginConfig, {
      invoke_interval: 30_000,
      timeout: 5000,
      max_output_length: 80,
      concurrency: 3,
      enable_message_change_based_condition_update: false,
      skip_initial_status: false,
    });
    assert.deepEqual(config.rules[0]?.args, []);
    assert.equal(config.metricsReporting, true);
  });

  it('resolves relative plug-in paths against the config folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npd-cfg-'));
    writeFileSync(join(dir, 'check.sh'), '#!/bin/sh\nexit 0\n');
    const file = join(dir, 'custom.json');
    writeFileSync(file, JSON.stringify({ ...base, rules: [{ ...base.rules[0], path: './check.sh' }] }));
    assert.equal(loadCustomPluginConfig(file).rules[0]?.path, join(dir, 'check.sh'));
  });

  const cases: [string, unknown, RegExp][] = [
    ['a plugin other than custom', { ...base, plugin: 'other' }, /^plugin: "other" is not supported/],
    [
      'a rule timeout above the global timeout',
      { ...base, pluginConfig: { timeout: '5s' }, rules: [{ ...base.rules[0], timeout: '10s' }] },
      /^rules\[0\]\.timeout: plugin timeout 10000ms is greater than the global timeout 5000ms/,
    ],
    [
      'a missing plug-in',
      { ...base, rules: [{ ...base.rules[0], path: '/nonexistent/check.sh' }] },
      /^rules\[0\]\.path: rule path "\/nonexistent\/check.sh" does not exist/,
    ],
    [
      'a permanent rule without a default condition',
      { ...base, rules: [{ ...base.rules[0], condition: 'Other' }] },
      /^rules\[0\]\.condition: permanent problem Other does not have preset default condition/,
    ],
    [
      'a bad duration',
      { ...base, pluginConfig: { invoke_interval: '30 seconds' } },
      /^pluginConfig\.invoke_interval: "30 seconds" is not a duration/,
    ],
    ['a bad rule type', { ...base, rules: [{ ...base.rules[0], type: 'forever' }] }, /^rules\[0\]\.type: /],
    ['a negative concurrency', { ...base, pluginConfig: { concurrency: 0 } }, /^pluginConfig\.concurrency: /],
  ];
  for (const [name, raw, pattern] of cases) {
    it(`rejects ${name}, naming the field`, () => {
      const found = issues(raw);
      assert.ok(
        found.some((line) => pattern.test(line)),
        found.join('\n'),
      );
    });
  }

  it('names the file when it is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npd-cfg-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "plugin": ');
    assert.throws(
      () => loadCustomPluginConfig(file),
      (error: unknown) => error instanceof ConfigError && error.message.includes(file) && /not valid JSON/.test(error.message),
    );
  });
});
