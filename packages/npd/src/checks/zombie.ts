import type { ConditionDefault } from '../types.ts';
import type { ProbeCheck } from './probe.ts';
import { createProcessStateCheck, type ProcessStateCheckOptions } from './ps-hang.ts';

export const zombieConditions: readonly ConditionDefault[] = [
  { type: 'ProcessZ', reason: 'NoZombieProcessPressure', message: 'node has no zombie process pressure' },
];

/** zombie_check: zombie (Z) processes that stay unreaped across consecutive checks. */
export function createZombieCheck(options: ProcessStateCheckOptions = {}): ProbeCheck {
  return createProcessStateCheck(
    {
      name: 'zombie_check',
      source: 'zombie-monitor',
      conditions: zombieConditions,
      state: 'Z',
      reason: 'ZombieProcessPressure',
      label: 'are zombies',
      defaultThreshold: 100,
    },
    options,
  );
}
