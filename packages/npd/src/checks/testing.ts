import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLiteLogger } from '@ack-npd/core/log-lite';
import { createHostFs, type HostFs } from '../hostfs.ts';
import type { ProbeCheck, ProbeCondition, ProbeResult } from './probe.ts';

/** Test helpers for checks: fixture roots, a silent logger, one probe run. */
export const fixtures = new URL('./fixtures/', import.meta.url).pathname;
export const silentLogger = createLiteLogger({ name: 'test', level: 'silent' });

export function fixtureFs(name: string): HostFs {
  return createHostFs(join(fixtures, name));
}

export async function probeOnce(check: ProbeCheck, hostfs: HostFs, now = Date.now()): Promise<ProbeResult> {
  return check.probe({ hostfs, now, signal: AbortSignal.timeout(check.timeout ?? 30_000), logger: silentLogger });
}

/** The single condition a probe reported (checks own one condition each). */
export function only(result: ProbeResult): ProbeCondition {
  const [condition, ...rest] = result.conditions ?? [];
  if (!condition || rest.length > 0) throw new Error(`expected one condition, got ${JSON.stringify(result.conditions)}`);
  return condition;
}

/** A writable copy of a fixture tree under a short /tmp path (unix socket paths are limited to 107 bytes). */
export async function copyFixture(
  name: string | undefined,
): Promise<{ root: string; hostfs: HostFs; [Symbol.asyncDispose](): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'npd-chk-'));
  if (name) await cp(join(fixtures, name), root, { recursive: true });
  return { root, hostfs: createHostFs(root), [Symbol.asyncDispose]: () => rm(root, { recursive: true, force: true }) };
}

/** Asserts a result is well formed: every condition has a type and a valid status (for runs on the real host). */
export function assertWellFormed(check: ProbeCheck, result: ProbeResult): void {
  const types = new Set(check.conditions.map((c) => c.type));
  for (const c of result.conditions ?? []) {
    if (!types.has(c.type)) throw new Error(`${check.name}: undeclared condition ${c.type}`);
    if (!['True', 'False', 'Unknown'].includes(c.status)) throw new Error(`${check.name}: bad status ${c.status}`);
    if (c.status === 'True' && !c.reason) throw new Error(`${check.name}: True without reason`);
    if (c.status === 'Unknown' && !c.message) throw new Error(`${check.name}: Unknown without message`);
  }
  for (const e of result.events ?? []) {
    if (!e.reason || !e.message) throw new Error(`${check.name}: event without reason/message`);
  }
}
