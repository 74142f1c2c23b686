import { spawn } from 'node:child_process';

/** NPD's plug-in result: exit 0 = OK, 1 = NonOK, anything else (or a failure to run) = Unknown. */
export type PluginResult = 'OK' | 'NonOK' | 'Unknown';

export interface PluginRun {
  readonly result: PluginResult;
  readonly message: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stderr: string;
}

export interface RunPluginOptions {
  readonly path: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  readonly maxOutputLength: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
}

/** Bytes of stdout/stderr kept from a plug-in (NPD's maxCustomPluginBufferBytes). */
export const MAX_PLUGIN_BUFFER_BYTES = 4096;

/**
 * Runs one plug-in in its own process group (spawned detached). On timeout the WHOLE group is
 * SIGKILLed — children that ignore SIGTERM included — and the leader reaped, so nothing piles up
 * (upstream #726 #941). When the leader exits on its own, stragglers left in its group are killed too.
 */
export function runPlugin(options: RunPluginOptions): Promise<PluginRun> {
  return new Promise((resolvePromise) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(options.path, [...options.args], {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: options.env ?? process.env,
      });
    } catch (error) {
      resolvePromise(failed(`Error in starting plugin. Please check the error log: ${(error as Error).message}`));
      return;
    }
    const stdout = new Capture();
    const stderr = new Capture();
    child.stdout?.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.add(chunk));
    let timedOut = false;
    let settled = false;
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const onAbort = (): void => killGroup();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (run: PluginRun): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolvePromise(run);
    };

    child.once('error', (error) => {
      finish(failed(`Error in starting plugin. Please check the error log: ${error.message}`));
    });
    // 'exit': the leader is reaped. Kill what is left of its group, then wait (bounded) for the pipes.
    child.once('exit', (code, signal) => {
      killGroup();
      const done = (): void => {
        let output = stdout.text().trim();
        if (timedOut) {
          output = `Timeout when running plugin ${JSON.stringify(options.path)}: state - ${goState(code, signal)}. output - ${JSON.stringify(output)}`;
        }
        if (output.length > options.maxOutputLength) output = output.slice(0, options.maxOutputLength);
        const result: PluginResult = timedOut ? 'Unknown' : code === 0 ? 'OK' : code === 1 ? 'NonOK' : 'Unknown';
        finish({ result, message: output, exitCode: code, signal, timedOut, stderr: stderr.text() });
      };
      let pending = 2;
      const closed = (): void => {
        pending--;
        if (pending === 0) done();
      };
      for (const stream of [child.stdout, child.stderr]) {
        if (!stream || stream.readableEnded || stream.destroyed) closed();
        else stream.once('close', closed);
      }
      // A grandchild that escaped the group (setsid) may hold a pipe open: do not wait on it forever.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        done();
      }, 1000).unref();
    });
  });
}

function failed(message: string): PluginRun {
  return { result: 'Unknown', message, exitCode: null, signal: null, timedOut: false, stderr: '' };
}

/** Go's os.ProcessState.String(): "exit status 2", "signal: killed". */
function goState(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal: ${GO_SIGNAL_NAMES[signal] ?? signal}`;
  return `exit status ${code ?? -1}`;
}

const GO_SIGNAL_NAMES: Partial<Record<NodeJS.Signals, string>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGINT: 'interrupt',
};

class Capture {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  add(chunk: Buffer): void {
    if (this.#size >= MAX_PLUGIN_BUFFER_BYTES) return;
    const part = chunk.subarray(0, MAX_PLUGIN_BUFFER_BYTES - this.#size);
    this.#chunks.push(part);
    this.#size += part.length;
  }
  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}
