// Real journal files for tests: entries in journald's export format, written into a .journal file
// by Debian's systemd-journal-remote (installed when missing), read back by the real journalctl.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const BINARIES = ['/lib/systemd/systemd-journal-remote', '/usr/lib/systemd/systemd-journal-remote'];
const BOOT_ID = '0123456789abcdef0123456789abcdef';

export interface ExportEntry {
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly identifier: string;
  readonly message: string;
}

/** The systemd-journal-remote binary, `apt-get install`ed (under the shared dpkg flock) when absent. */
export async function journalRemote(): Promise<string> {
  const found = BINARIES.find((b) => existsSync(b));
  if (found) return found;
  const script =
    'dpkg -s systemd-journal-remote >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd-journal-remote; }';
  await exec('flock', ['/var/lib/dpkg/ack-npd-apt.lock', 'sh', '-c', script], { timeout: 600_000 });
  const installed = BINARIES.find((b) => existsSync(b));
  if (!installed) throw new Error('systemd-journal-remote is not installed and apt-get could not install it');
  return installed;
}

/** journald's export format (one KEY=value per line, a blank line after each entry). */
export function exportFormat(entries: readonly ExportEntry[]): string {
  return entries
    .map((e, i) =>
      [
        `__REALTIME_TIMESTAMP=${e.timestamp * 1000}`,
        `__MONOTONIC_TIMESTAMP=${(i + 1) * 1000}`,
        `_BOOT_ID=${BOOT_ID}`,
        '_HOSTNAME=test-node',
        '_TRANSPORT=journal',
        `SYSLOG_IDENTIFIER=${e.identifier}`,
        `MESSAGE=${e.message}`,
        '',
        '',
      ].join('\n'),
    )
    .join('');
}

/** Writes the entries into `<dir>/<name>.journal` (a new file each call) and returns its path. */
export async function writeJournal(dir: string, entries: readonly ExportEntry[], name = 'system'): Promise<string> {
  const binary = await journalRemote();
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}.journal`);
  const child = spawn(binary, ['--split-mode=none', `--output=${file}`, '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(exportFormat(entries));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`systemd-journal-remote exited with ${code}: ${stderr}`);
  return file;
}
