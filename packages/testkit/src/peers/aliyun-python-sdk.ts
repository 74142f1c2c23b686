import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs the official Alibaba Cloud Python SDKs (from PyPI) against the test peers:
 * `ensureSdkPython()` creates the virtualenv on demand (scripts/sls-sdk-venv.sh: idempotent,
 * cached in ~/.cache/ack-npd/pyenv-sls), `runSlsSdk()` drives python/put_logs.py
 * (aliyun-log-python-sdk), `runSlsAdminSdk()` python/sls_admin.py (the same SDK's management calls)
 * and `runEventBridgeSdk()` python/put_events.py (alibabacloud-eventbridge).
 */

const VENV_SCRIPT = fileURLToPath(new URL('../../scripts/sls-sdk-venv.sh', import.meta.url));
// Resolved from the package root so it works from src/ and from dist/.
const DRIVERS = fileURLToPath(new URL('../../src/peers/python/', import.meta.url));

const venvs = new Map<string, Promise<string>>();

/** A virtualenv with the official Python clients; `venv` = `{ name, spec, check }` for a client other than Alibaba Cloud's. */
export interface PythonClients {
  /** Directory name under ~/.cache/ack-npd/. */
  readonly name: string;
  /** pip requirement specifiers, space separated. */
  readonly spec: string;
  /** Python that fails unless they are installed. */
  readonly check: string;
}

const ALIYUN: PythonClients = {
  name: 'pyenv-sls',
  spec: 'aliyun-log-python-sdk==0.9.52 lz4 alibabacloud-eventbridge==1.3.8',
  check: 'import aliyun.log, lz4.block, alibabacloud_eventbridge.client',
};

export function ensureSdkPython(clients: PythonClients = ALIYUN): Promise<string> {
  let python = venvs.get(clients.name);
  if (!python) {
    const cache = `${process.env.XDG_CACHE_HOME ?? `${process.env.HOME}/.cache`}/ack-npd/${clients.name}`;
    // The Alibaba Cloud venv keeps the script's defaults (and the user's SLS_SDK_* overrides).
    const env =
      clients === ALIYUN ? process.env : { ...process.env, SLS_SDK_VENV: cache, SLS_SDK_SPEC: clients.spec, SLS_SDK_IMPORT: clients.check };
    python = new Promise<string>((resolve, reject) => {
      execFile('bash', [VENV_SCRIPT], { env, timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`creating the ${clients.name} virtualenv failed: ${stderr || error.message}`));
        else resolve(stdout.trim().split('\n').at(-1) ?? '');
      });
    });
    venvs.set(clients.name, python);
  }
  return python;
}

/** Runs python/<script> in the clients' venv with `command` as JSON on stdin; its stdout is JSON. */
export async function runDriver<T>(script: string, command: unknown, signal?: AbortSignal, clients: PythonClients = ALIYUN): Promise<T> {
  const python = await ensureSdkPython(clients);
  return new Promise<T>((resolve, reject) => {
    const child = execFile(
      python,
      [`${DRIVERS}${script}`],
      { timeout: 120_000, maxBuffer: 64 * 1024 * 1024, ...(signal ? { signal } : {}) },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${script} failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as T);
      },
    );
    child.stdin?.end(JSON.stringify(command));
  });
}

export type SlsSdkCommand =
  | {
      mode: 'put';
      endpoint: string;
      project: string;
      logstore: string;
      accessKeyId: string;
      accessKeySecret: string;
      securityToken?: string;
      topic?: string;
      source?: string;
      logs: { time: number; contents: [string, string][] }[];
      compress?: boolean;
    }
  | { mode: 'decode'; body: string; rawSize: number; compressType: string };

export function runSlsSdk<T = unknown>(command: SlsSdkCommand, signal?: AbortSignal): Promise<T> {
  return runDriver<T>('put_logs.py', command, signal);
}

export interface EventBridgeSdkCommand {
  /** host:port (the SDK dials http://{endpoint}). */
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  events: {
    id: string;
    source: string;
    type: string;
    subject?: string;
    time: string;
    data: unknown;
    bus: string;
    extensions?: Record<string, unknown>;
  }[];
}

export type EventBridgeSdkResult =
  | { ok: true; failedEntryCount: number; entries: { eventId: string; errorCode: string | null }[] }
  | { ok: false; code: string; message: string };

export function runEventBridgeSdk(command: EventBridgeSdkCommand, signal?: AbortSignal): Promise<EventBridgeSdkResult> {
  return runDriver<EventBridgeSdkResult>('put_events.py', command, signal);
}

export interface SlsAdminSdkCommand {
  /** host:port of the peer. */
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  project: string;
  logstore: string;
  savedsearches?: string[];
  dashboards?: string[];
  jobs?: string[];
  /** Created through the SDK first (checks the peer accepts the SDK's create call). */
  create_savedsearch?: Record<string, unknown>;
}

export type SlsAdminSdkResult =
  | {
      project: Record<string, unknown>;
      logstore: { ttl: number; shardCount: number };
      index: Record<string, unknown>;
      savedsearches: Record<string, unknown>[];
      dashboards: Record<string, unknown>[];
      jobs: Record<string, unknown>[];
      created?: boolean;
    }
  | { error: { code: string; message: string; status: number } };

/** Reads projects, logstores, indexes, saved searches, dashboards and alert jobs with aliyun-log-python-sdk. */
export function runSlsAdminSdk(command: SlsAdminSdkCommand, signal?: AbortSignal): Promise<SlsAdminSdkResult> {
  return runDriver<SlsAdminSdkResult>('sls_admin.py', command, signal);
}
