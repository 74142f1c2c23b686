// The real programs the browser test runs as children: the event center, the eventer feeding it,
// and the npd agent for one kwok node (a fixture host root the test edits).
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@ack-npd/testkit';

/** `node --conditions=development <script> ...args`, output appended to `log`. */
export class NodeProgram {
  readonly log: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;

  constructor(script: string, args: readonly string[], log: string, env: NodeJS.ProcessEnv = {}) {
    this.log = log;
    writeFileSync(log, '');
    this.#child = spawn(process.execPath, ['--conditions=development', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    this.#child.stdout?.on('data', (chunk: Buffer) => appendFileSync(log, chunk));
    this.#child.stderr?.on('data', (chunk: Buffer) => appendFileSync(log, chunk));
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
  }

  output(): string {
    return readFileSync(this.log, 'utf8');
  }

  tail(chars = 3000): string {
    return `${this.log}:\n${this.output().slice(-chars)}`;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Waits for `pattern` in the output; fails early when the program exits. */
  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    let match: RegExpExecArray | null = null;
    await waitFor(
      `${pattern} from ${this.log}`,
      () => {
        match = pattern.exec(this.output());
        if (!match && !this.running) throw new Error(`exited: ${this.tail()}`);
        return match !== null;
      },
      { timeoutMs, describe: () => this.tail() },
    );
    return match as unknown as RegExpExecArray;
  }

  async stop(): Promise<void> {
    if (this.running) this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

const resolveMain = (specifier: string) => fileURLToPath(import.meta.resolve(specifier));

/** The event center on a free loopback port with its SQLite store in `dir`; resolves to its URL. */
export async function startCenter(options: {
  dir: string;
  uiDir: string;
  kubeconfig?: string;
  notify?: readonly string[];
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
}): Promise<{ program: NodeProgram; url: string }> {
  const program = new NodeProgram(
    join(import.meta.dirname, '..', 'main.ts'),
    [
      '--listen=127.0.0.1:0',
      `--data-dir=${options.dir}`,
      `--ui-dir=${options.uiDir}`,
      ...(options.kubeconfig ? [`--kubeconfig=${options.kubeconfig}`] : []),
      '--alert-interval=1s',
      ...(options.notify ?? []).map((n) => `--notify=${n}`),
      ...(options.args ?? []),
    ],
    join(options.dir, 'eventcenter.log'),
    options.env,
  );
  const match = await program.waitForOutput(/eventcenter listening on (http:\/\/127\.0\.0\.1:\d+)/);
  return { program, url: match[1] as string };
}

/** The eventer watching `namespaces` of the cluster into the center's ingest API. */
export function startEventer(options: {
  dir: string;
  kubeconfig: string;
  namespaces: readonly string[];
  center: string;
  /** Sink options after `?`, e.g. `token=$T&cluster_name=prod`. */
  sinkQuery?: string;
  env?: NodeJS.ProcessEnv;
  log?: string;
}): NodeProgram {
  return new NodeProgram(
    resolveMain('@ack-npd/eventer/main'),
    [
      `--source=kubernetes:?inClusterConfig=false&auth=${options.kubeconfig}`,
      `--sink=eventcenter:${options.center}${options.sinkQuery ? `?${options.sinkQuery}` : ''}`,
      `--namespaces=${options.namespaces.join(',')}`,
      '--frequency=200ms',
      '--healthz-port=0',
      `--spool-dir=${join(options.dir, `${options.log ?? 'eventer'}-spool`)}`,
    ],
    join(options.dir, `${options.log ?? 'eventer'}.log`),
    options.env,
  );
}

/**
 * npd for kwok node `node` with --host-root at a copy of npd's healthy fixture host: the test
 * raises file-nr for FDPressure and appends an OOM kill to dev/kmsg for PodOOMKilling.
 */
export class NpdAgent {
  readonly program: NodeProgram;
  readonly root: string;
  readonly #boot = Math.floor(Date.now() / 1000) - 1000;
  #sequence = 5000;

  constructor(options: { dir: string; node: string; kubeconfig: string }) {
    const npdMain = resolveMain('@ack-npd/npd/main');
    this.root = join(options.dir, 'host');
    cpSync(join(dirname(npdMain), 'checks', 'fixtures', 'healthy'), this.root, { recursive: true });
    writeFileSync(join(this.root, 'proc', 'stat'), `cpu  1 2 3 4\nbtime ${this.#boot}\nprocesses 100\n`);
    mkdirSync(join(this.root, 'dev'));
    writeFileSync(join(this.root, 'dev', 'kmsg'), this.#kmsg('Linux version 6.6.0 (fixture)'));
    this.program = new NodeProgram(
      npdMain,
      [
        `--host-root=${this.root}`,
        `--kubeconfig=${options.kubeconfig}`,
        `--hostname-override=${options.node}`,
        '--k8s-exporter-heartbeat-period=3s',
        '--port=0',
        '--prometheus-port=0',
        '--alibaba-cloud-plugins=fd_check',
        '--plugin-settings=check_interval=1s,check_fd_warning_percentage=80',
        '--config.system-log-monitor=builtin:ack-kernel-monitor',
        `--state-dir=${join(options.dir, 'npd-state')}`,
      ],
      join(options.dir, 'npd.log'),
    );
  }

  #kmsg(message: string): string {
    return `6,${this.#sequence++},${Math.round((Date.now() / 1000 - this.#boot) * 1_000_000)},-;${message}\n`;
  }

  /** fd usage 95%: FDPressure True on the node, a NodeHasFDPressure Warning event. */
  raiseFdPressure(): void {
    writeFileSync(join(this.root, 'proc', 'sys', 'fs', 'file-nr'), '950000\t0\t1000000\n');
  }

  /** The kernel's OOM-kill block for a container of pod `podUid` (systemd cgroup driver). */
  oomKill(podUid: string, containerId: string): void {
    const slice = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${podUid.replaceAll('-', '_')}.slice`;
    appendFileSync(
      join(this.root, 'dev', 'kmsg'),
      this.#kmsg('java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=999') +
        this.#kmsg(
          `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-${containerId}.scope,mems_allowed=0,oom_memcg=${slice}/cri-containerd-${containerId}.scope,task_memcg=${slice}/cri-containerd-${containerId}.scope,task=java,pid=23456,uid=0`,
        ) +
        this.#kmsg(
          'Memory cgroup out of memory: Killed process 23456 (java) total-vm:4194304kB, anon-rss:520000kB, file-rss:12000kB, shmem-rss:0kB, UID:0 pgtables:1200kB oom_score_adj:999',
        ),
    );
  }
}
