import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HostFs } from '../hostfs.ts';
import { parseKmsgRecord } from '../logmonitor/kmsg.ts';
import type { ConditionDefault, ProblemEvent } from '../types.ts';
import { errorCode, errorText } from './common.ts';
import type { ProbeCheck, ProbeContext } from './probe.ts';

export const nvidiaConditions: readonly ConditionDefault[] = [
  { type: 'NvidiaXidError', reason: 'NodeHasNoNvidiaXidError', message: 'node has no nvidia xid error' },
];

/**
 * Xids that mean the GPU (not the application) is broken and needs a reset, a reboot or an RMA,
 * after NVIDIA's Xid catalog (docs.nvidia.com/deploy/xid-errors): 48 double-bit ECC, 61/62 internal
 * micro-controller breakpoint/halt, 63/64 ECC page retirement / row remapping event or failure,
 * 74 NVLink error, 79 fallen off the bus, 92 high single-bit ECC rate, 94/95 contained/uncontained
 * ECC error, 119/120 GSP RPC timeout / GSP error. Everything else (13, 31, 43, 45, 68: application
 * faults, as NVIDIA's device plugin also treats them) is informational: an event, no condition.
 */
export const defaultFatalXids: readonly number[] = [48, 61, 62, 63, 64, 74, 79, 92, 94, 95, 119, 120];

export interface XidRecord {
  readonly xid: number;
  readonly device: string;
  readonly detail: string;
}

/** Parses "NVRM: Xid (PCI:0000:3b:00): 79, pid=1234, GPU has fallen off the bus." */
export function parseXid(message: string): XidRecord | undefined {
  const match = /NVRM: Xid \(([^)]*)\): (\d+)(?:,\s*(.*))?$/.exec(message);
  if (!match?.[1] || !match[2]) return undefined;
  return { xid: Number(match[2]), device: match[1], detail: (match[3] ?? '').trim() };
}

interface FatalEntry {
  readonly xid: number;
  readonly device: string;
  readonly detail: string;
}

/** What survives a restart: which records of this boot were processed, and the fatal Xids seen. */
interface XidState {
  bootId: string;
  source: string;
  /** kmsg sequence number (or byte offset for a plain log file) of the last processed record. */
  lastSequence: number;
  fatal: FatalEntry[];
}

export interface NvidiaGpuCheckOptions {
  /** kmsg-format device or file (/dev/kmsg); a plain log file (syslog) works too, positions are then byte offsets. */
  readonly logPath?: string;
  /** Host path of the state file (/var/lib/ack-npd/nvidia-xid.json). */
  readonly stateFile?: string;
  readonly fatalXids?: readonly number[];
  readonly interval?: number;
  readonly timeout?: number;
}

const MAX_RECORDS_PER_PROBE = 50_000;

/**
 * nvidia_gpu_check: "NVRM: Xid" records in the kernel log. Each new Xid is posted as an
 * NvidiaXidError event; a fatal one sets the NvidiaXidError condition for the rest of the boot.
 * Processed records are remembered by boot id + kmsg sequence in a host state file, so a
 * restarted agent neither re-posts them nor forgets a fatal Xid of this boot.
 */
export function createNvidiaGpuCheck(options: NvidiaGpuCheckOptions = {}): ProbeCheck & { close(): Promise<void> } {
  const logPath = options.logPath ?? '/dev/kmsg';
  const stateFile = options.stateFile ?? '/var/lib/ack-npd/nvidia-xid.json';
  const fatalXids = new Set(options.fatalXids ?? defaultFatalXids);
  let handle: FileHandle | undefined;
  let state: XidState | undefined;
  /** Plain files: bytes consumed so far and the unfinished last line. */
  let offset = 0;
  let pending = '';

  const loadState = async (hostfs: HostFs, bootId: string, logger: ProbeContext['logger']): Promise<XidState> => {
    const fresh: XidState = { bootId, source: logPath, lastSequence: -1, fatal: [] };
    let text: string;
    try {
      text = await hostfs.readFile(stateFile);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') logger.warn({ file: stateFile, err: errorText(error) }, 'cannot read xid state, starting fresh');
      return fresh;
    }
    try {
      const saved = JSON.parse(text) as Partial<XidState>;
      if (saved.bootId !== bootId || saved.source !== logPath || typeof saved.lastSequence !== 'number' || !Array.isArray(saved.fatal))
        return fresh;
      return { bootId, source: logPath, lastSequence: saved.lastSequence, fatal: saved.fatal };
    } catch {
      logger.warn({ file: stateFile }, 'malformed xid state, starting fresh');
      return fresh;
    }
  };

  const saveState = async (hostfs: HostFs, logger: ProbeContext['logger']): Promise<void> => {
    const file = hostfs.resolve(stateFile);
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(`${file}.tmp`, `${JSON.stringify(state)}\n`);
      await rename(`${file}.tmp`, file);
    } catch (error) {
      logger.warn({ file: stateFile, err: errorText(error) }, 'cannot write xid state');
    }
  };

  /** Reads what is new: one record per read() on /dev/kmsg, chunks split into lines for files. */
  const readNew = async (fh: FileHandle): Promise<{ sequence: number; message: string }[]> => {
    const out: { sequence: number; message: string }[] = [];
    const buffer = Buffer.alloc(16 * 1024);
    while (out.length < MAX_RECORDS_PER_PROBE) {
      let bytes: number;
      try {
        ({ bytesRead: bytes } = await fh.read(buffer, 0, buffer.length, null));
      } catch (error) {
        if (errorCode(error) === 'EPIPE') continue; // records overwritten before we read them
        if (errorCode(error) === 'EAGAIN') break;
        throw error;
      }
      if (bytes === 0) break;
      const chunk = buffer.toString('utf8', 0, bytes);
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      let position = offset;
      offset += bytes;
      for (const line of lines) {
        position += Buffer.byteLength(line) + 1;
        const record = parseKmsgRecord(line);
        if (record) out.push({ sequence: record.sequence, message: record.message });
        else if (line.trim() !== '' && !line.startsWith(' ')) out.push({ sequence: position, message: line });
      }
    }
    return out;
  };

  return {
    /** Closes the kernel log (the check keeps it open between probes to read only what is new). */
    async close() {
      const fh = handle;
      handle = undefined;
      await fh?.close();
    },
    name: 'nvidia_gpu_check',
    source: 'nvidia-gpu-monitor',
    conditions: nvidiaConditions,
    interval: options.interval ?? 60_000,
    ...(options.timeout ? { timeout: options.timeout } : {}),
    async probe({ hostfs, logger }) {
      if (!(await hostfs.exists('/proc/driver/nvidia'))) {
        return {
          conditions: [
            { type: 'NvidiaXidError', status: 'Unknown', message: 'no NVIDIA driver on this node (/proc/driver/nvidia absent)' },
          ],
        };
      }
      let bootId: string;
      try {
        bootId = (await hostfs.readFile('/proc/sys/kernel/random/boot_id')).trim();
      } catch (error) {
        return {
          conditions: [
            { type: 'NvidiaXidError', status: 'Unknown', message: `cannot read /proc/sys/kernel/random/boot_id: ${errorText(error)}` },
          ],
        };
      }
      if (!state || state.bootId !== bootId) state = await loadState(hostfs, bootId, logger);
      if (!handle) {
        try {
          handle = await open(hostfs.resolve(logPath), constants.O_RDONLY | constants.O_NONBLOCK);
          offset = 0;
          pending = '';
        } catch (error) {
          return { conditions: [{ type: 'NvidiaXidError', status: 'Unknown', message: `cannot open ${logPath}: ${errorText(error)}` }] };
        }
      }
      let records: { sequence: number; message: string }[];
      try {
        records = await readNew(handle);
      } catch (error) {
        await handle.close().catch(() => undefined);
        handle = undefined;
        return { conditions: [{ type: 'NvidiaXidError', status: 'Unknown', message: `cannot read ${logPath}: ${errorText(error)}` }] };
      }
      const events: Omit<ProblemEvent, 'timestamp'>[] = [];
      let changed = false;
      for (const record of records) {
        if (record.sequence <= state.lastSequence) continue;
        state.lastSequence = record.sequence;
        changed = true;
        const xid = parseXid(record.message);
        if (!xid) continue;
        const fatal = fatalXids.has(xid.xid);
        events.push({
          severity: fatal ? 'warn' : 'info',
          reason: 'NvidiaXidError',
          message: `Xid ${xid.xid} (${fatal ? 'fatal' : 'informational'}) on ${xid.device}: ${xid.detail}`,
        });
        if (fatal) state.fatal.push({ xid: xid.xid, device: xid.device, detail: xid.detail });
      }
      if (changed) await saveState(hostfs, logger);
      if (state.fatal.length === 0) return { conditions: [{ type: 'NvidiaXidError', status: 'False' }], events };
      const codes = [...new Set(state.fatal.map((f) => f.xid))].sort((a, b) => a - b);
      const shown = state.fatal
        .slice(-5)
        .map((f) => `Xid ${f.xid} on ${f.device}: ${f.detail}`)
        .join('; ');
      const message = `${state.fatal.length} fatal NVIDIA Xid error(s) this boot, codes ${codes.join(',')} (fatal set: ${[...fatalXids].sort((a, b) => a - b).join(',')}); last: ${shown}`;
      return { conditions: [{ type: 'NvidiaXidError', status: 'True', reason: 'NvidiaXidError', message }], events };
    },
  };
}
