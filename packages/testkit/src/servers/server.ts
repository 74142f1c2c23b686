import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Component, type ProcessGroups } from '../processes.ts';
import { waitFor } from '../wait.ts';

/** What a test needs to reach a real server started by the test kit. */
export interface ServerInfo {
  readonly kind: string;
  readonly host: string;
  readonly port: number;
  /** e.g. the HTTP URL, the Kafka bootstrap address, a DSN. */
  readonly url: string;
  readonly version: string;
  /** Anything else a test needs (a second listener's port...). */
  readonly extra: Readonly<Record<string, string>>;
}

/** How to run one kind of real server: prepared once, started (and restarted) on the same port and data. */
export interface ServerDefinition {
  readonly kind: string;
  readonly version: string;
  /** Creates config and data under `workDir` (downloads are cached elsewhere); runs once. */
  prepare(workDir: string, port: number): Promise<void>;
  /** The command line; started in its own process group. */
  command(workDir: string, port: number): { command: string; args: readonly string[] };
  /** True once the server answers. */
  ready(port: number): Promise<boolean>;
  url(port: number): string;
  readonly startTimeoutMs: number;
  /** Extra facts for ServerInfo, known after `prepare`. */
  extra?(): Record<string, string>;
}

/** One real server process that can be stopped and started again with its data kept. */
export class RealServer {
  #info: ServerInfo;
  readonly #definition: ServerDefinition;
  readonly #workDir: string;
  readonly #groups: ProcessGroups;
  #component: Component | undefined;
  #starts = 0;

  constructor(definition: ServerDefinition, options: { workDir: string; port: number; groups: ProcessGroups }) {
    this.#definition = definition;
    this.#workDir = options.workDir;
    this.#groups = options.groups;
    this.#info = {
      kind: definition.kind,
      host: '127.0.0.1',
      port: options.port,
      url: definition.url(options.port),
      version: definition.version,
      extra: {},
    };
  }

  get info(): ServerInfo {
    return this.#info;
  }

  async start(): Promise<void> {
    if (this.#component?.running) return;
    if (this.#starts === 0) {
      mkdirSync(this.#workDir, { recursive: true });
      await this.#definition.prepare(this.#workDir, this.info.port);
      this.#info = { ...this.#info, extra: this.#definition.extra?.() ?? {} };
    }
    this.#starts++;
    const { command, args } = this.#definition.command(this.#workDir, this.info.port);
    const component = new Component({
      name: `${this.#definition.kind}-${this.#starts}`,
      command,
      args,
      logDir: this.#workDir,
      groups: this.#groups,
    });
    this.#component = component;
    let exited = false;
    await waitFor(
      `${this.#definition.kind} on 127.0.0.1:${this.info.port}`,
      async () => {
        exited = !component.running;
        return exited || (await this.#definition.ready(this.info.port));
      },
      { timeoutMs: this.#definition.startTimeoutMs, intervalMs: 500, describe: () => component.tail() },
    );
    if (exited) throw new Error(`${this.#definition.kind} exited while starting:\n${component.tail()}`);
  }

  async stop(): Promise<void> {
    await this.#component?.stop(20_000);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  logPath(): string {
    return this.#component?.logPath ?? join(this.#workDir, 'none.log');
  }
}
