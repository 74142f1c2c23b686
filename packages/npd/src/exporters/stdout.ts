import { namePodOomKill } from '../checks/pod-oom.ts';
import type { Condition, Exporter, Status } from '../types.ts';

export interface StdoutExporterOptions {
  readonly write: (text: string) => void;
  /** Human table (a terminal) or JSON lines (anything else). */
  readonly tty: boolean;
  /** Terminal mode: how long to gather changes before printing the table (default 200ms). */
  readonly debounceMs?: number;
}

/** Standalone mode: condition changes and events on stdout (a PodOOMKilling names the pod UID and container, no API to ask). */
export function createStdoutExporter(options: StdoutExporterOptions): Exporter {
  const printed = new Map<string, string>();
  const all = new Map<string, { source: string; condition: Condition }>();
  // On a terminal, changes arriving together (every monitor's defaults at start) print as one table.
  let pending: NodeJS.Timeout | undefined;
  const printTable = (): void => {
    pending = undefined;
    options.write(table([...all.values()]));
  };
  return {
    name: 'stdout',
    async export(status: Status) {
      const events = status.events.map(namePodOomKill);
      const changed: Condition[] = [];
      for (const condition of status.conditions) {
        const key = `${status.source}\u0000${condition.type}`;
        // A message refreshed in place (a probe's measured value; same transition) is not a change.
        const fingerprint = `${condition.status}\u0000${condition.reason}\u0000${condition.transition}`;
        all.set(key, { source: status.source, condition });
        if (printed.get(key) === fingerprint) continue;
        printed.set(key, fingerprint);
        changed.push(condition);
      }
      if (options.tty) {
        for (const event of events) {
          const type = event.severity === 'warn' ? 'Warning' : 'Normal';
          options.write(
            `${new Date(event.timestamp).toISOString()}  EVENT  ${type.padEnd(7)}  ${status.source}  ${event.reason}: ${event.message}\n`,
          );
        }
        if (changed.length > 0) pending ??= setTimeout(printTable, options.debounceMs ?? 200);
        return;
      }
      for (const c of changed) {
        options.write(
          `${JSON.stringify({
            kind: 'condition',
            source: status.source,
            type: c.type,
            status: c.status,
            reason: c.reason,
            message: c.message,
            lastTransitionTime: new Date(c.transition).toISOString(),
          })}\n`,
        );
      }
      for (const e of events) {
        options.write(
          `${JSON.stringify({
            kind: 'event',
            source: status.source,
            type: e.severity === 'warn' ? 'Warning' : 'Normal',
            reason: e.reason,
            message: e.message,
            timestamp: new Date(e.timestamp).toISOString(),
          })}\n`,
        );
      }
    },
    async close() {
      if (pending) {
        clearTimeout(pending);
        printTable();
      }
    },
  };
}

function table(rows: { source: string; condition: Condition }[]): string {
  const header = ['SOURCE', 'TYPE', 'STATUS', 'REASON', 'MESSAGE', 'SINCE'];
  const body = rows.map(({ source, condition: c }) => [
    source,
    c.type,
    c.status,
    c.reason,
    c.message.replaceAll('\n', ' ').slice(0, 80),
    new Date(c.transition).toISOString().slice(0, 19).replace('T', ' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `\n${[line(header), ...body.map(line)].join('\n')}\n`;
}
