import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A long-running child in its own process group, logging to `<dir>/<name>.log`. */
export class Component {
  readonly name: string;
  readonly logPath: string;
  #child: ChildProcess;
  #exited: Promise<number | null>;

  constructor(options: { name: string; command: string; args: readonly string[]; logDir: string; groups: ProcessGroups }) {
    this.name = options.name;
    this.logPath = join(options.logDir, `${options.name}.log`);
    const fd = openSync(this.logPath, 'a');
    try {
      this.#child = spawn(options.command, [...options.args], { detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error(`could not start ${options.name} (${options.command})`);
    options.groups.add(pid);
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
    this.#child.unref();
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Last lines of the log, for error messages. */
  tail(lines = 20): string {
    try {
      return readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM to the whole group, SIGKILL after the grace period; resolves once the leader exited. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    signalGroup(this.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
    signalGroup(this.pid, 'SIGKILL');
  }
}

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/**
 * Remembers every process group a cluster started, in a file a detached watchdog reads:
 * when the owning process dies (even by SIGKILL), the watchdog kills the groups and removes
 * the work dir, so no control plane outlives its test run.
 */
export class ProcessGroups {
  readonly #file: string;
  readonly #pids = new Set<number>();
  #watchdog: ChildProcess | undefined;

  constructor(workDir: string) {
    this.#file = join(workDir, 'process-groups');
    writeFileSync(this.#file, '');
  }

  add(pid: number): void {
    this.#pids.add(pid);
    writeFileSync(this.#file, `${[...this.#pids].join('\n')}\n`);
  }

  startWatchdog(ownerPid: number, workDir: string): void {
    const script = `
      while kill -0 ${ownerPid} 2>/dev/null; do sleep 1; done
      for pid in $(cat '${this.#file}' 2>/dev/null); do kill -KILL -- -"$pid" 2>/dev/null; done
      rm -rf '${workDir}'
    `;
    this.#watchdog = spawn('bash', ['-c', script], { detached: true, stdio: 'ignore' });
    this.#watchdog.unref();
  }

  stopWatchdog(): void {
    if (this.#watchdog?.pid) signalGroup(this.#watchdog.pid, 'SIGKILL');
  }
}
