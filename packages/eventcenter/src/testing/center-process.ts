import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@ack-npd/testkit';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/** The event center as a child process (`node --conditions=development src/main.ts ...`). */
export class CenterProcess {
  readonly #args: readonly string[];
  #child: ChildProcess | undefined;
  #output = '';
  #exited: Promise<number | null> = Promise.resolve(null);

  constructor(args: readonly string[]) {
    this.#args = args;
  }

  async start(): Promise<string> {
    this.#output = '';
    const child = spawn(process.execPath, ['--conditions=development', MAIN, ...this.#args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => (this.#output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.#output += c.toString()));
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor('the event center to listen', () => /listening on (http:\/\/\S+)/.test(this.#output), {
      timeoutMs: 60_000,
      describe: () => this.#output,
    });
    return (/listening on (http:\/\/\S+)/.exec(this.#output) as RegExpExecArray)[1] as string;
  }

  get output(): string {
    return this.#output;
  }

  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<number | null> {
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
    return this.#exited;
  }
}
