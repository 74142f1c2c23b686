import type { ConditionDefault } from '../types.ts';
import { CheckInputError, errorCode, errorText, guard, pct } from './common.ts';
import type { ProbeCheck } from './probe.ts';

/**
 * ACK's network_problem_check reports `ConntrackFull`. We keep it as a condition (so it
 * heals, and Unknown can say the module is not loaded); the condition's transition to True
 * is itself posted as a Warning event with reason ConntrackFull.
 */
export const conntrackConditions: readonly ConditionDefault[] = [
  { type: 'ConntrackProblem', reason: 'ConntrackIsNotFull', message: 'conntrack table is not full' },
];

export interface ConntrackCheckOptions {
  /** Percent of nf_conntrack_max at or above which the table counts as full (90). */
  readonly warningPercentage?: number;
  readonly interval?: number;
  readonly timeout?: number;
}

const COUNT = '/proc/sys/net/netfilter/nf_conntrack_count';
const MAX = '/proc/sys/net/netfilter/nf_conntrack_max';

/** network_problem_check: nf_conntrack_count vs nf_conntrack_max (of the network namespace the agent runs in). */
export function createConntrackCheck(options: ConntrackCheckOptions = {}): ProbeCheck {
  const threshold = options.warningPercentage ?? 90;
  return {
    name: 'network_problem_check',
    source: 'network-monitor',
    conditions: conntrackConditions,
    interval: options.interval ?? 30_000,
    ...(options.timeout ? { timeout: options.timeout } : {}),
    async probe({ hostfs }) {
      const conditions = await guard(conntrackConditions, async () => {
        const read = async (path: string): Promise<number | undefined> => {
          let text: string;
          try {
            text = await hostfs.readFile(path);
          } catch (error) {
            if (errorCode(error) === 'ENOENT') return undefined;
            throw new CheckInputError(`cannot read ${path}: ${errorText(error)}`, { cause: error });
          }
          if (!/^\s*\d+\s*$/.test(text)) throw new CheckInputError(`malformed ${path}: ${JSON.stringify(text.trim().slice(0, 40))}`);
          return Number(text);
        };
        const max = await read(MAX);
        const count = await read(COUNT);
        if (max === undefined || count === undefined) {
          return [
            {
              type: 'ConntrackProblem',
              status: 'Unknown',
              message: `nf_conntrack is not loaded (${max === undefined ? MAX : COUNT} absent)`,
            },
          ];
        }
        if (max === 0) throw new CheckInputError(`malformed ${MAX}: 0`);
        const message = `conntrack table ${pct(count, max)}% full (${count}/${max}) at or above ${threshold}%`;
        return (count / max) * 100 >= threshold
          ? [{ type: 'ConntrackProblem', status: 'True', reason: 'ConntrackFull', message }]
          : [{ type: 'ConntrackProblem', status: 'False' }];
      });
      return { conditions };
    },
  };
}
