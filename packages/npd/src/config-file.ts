import { readFileSync } from 'node:fs';
import { ConfigError } from '@ack-npd/core';

/** Reads a JSON config file; a ConfigError names the file when it cannot be read or parsed. */
export function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [{ path: '', message: `cannot read: ${(error as Error).message}` }], { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [{ path: '', message: `not valid JSON: ${(error as Error).message}` }], { cause: error });
  }
}
