import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/** The eventer as a child process (`node --conditions=development src/main.ts ...`), output to a log file. */
export class EventerProcess {
  readonly #args: readonly string[];
  readonly #logPath: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #command: readonly string[];
  #child: ChildProcess | undefined;
  #exited: Promise<number | null> = Promise.resolve(null);

  /**
   * `env` is added to this process's environment (secrets that `--sink` URIs reference);
   * `command` replaces `node --conditions=development src/main.ts` (the built dist/main.js,
   * or kube-eventer in the benchmark).
   */
  constructor(args: readonly string[], logPath: string, env: NodeJS.ProcessEnv = {}, command?: readonly string[]) {
    this.#args = args;
    this.#command = command ?? [process.execPath, '--conditions=development', MAIN];
    this.#logPath = logPath;
    this.#env = env;
  }

  start(): void {
    const log = createWriteStream(this.#logPath, { flags: 'a' });
    const [file, ...prefix] = this.#command as [string, ...string[]];
    const child = spawn(file, [...prefix, ...this.#args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.#env },
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** SIGKILL (no cleanup at all) or SIGTERM (graceful), and wait for the exit. */
  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<number | null> {
    if (this.running) this.#child?.kill(signal);
    return this.#exited;
  }
}

/** Leader-election flags with short timings (a 4 s lease) for two replicas in tests. */
export function leaseArgs(namespace: string): string[] {
  return [
    '--leader-elect',
    `--leader-elect-namespace=${namespace}`,
    '--leader-elect-lease-name=eventer',
    '--leader-elect-lease-duration=4s',
    '--leader-elect-renew-deadline=3s',
    '--leader-elect-retry-period=500ms',
  ];
}
