import { type PythonClients, runDriver } from './aliyun-python-sdk.ts';

/** riemann-client from PyPI (maintained; protobuf over TCP), in its own cached venv. */
const RIEMANN_CLIENT: PythonClients = {
  name: 'pyenv-riemann',
  spec: 'riemann-client==7.0.0 protobuf==3.20.3',
  check: 'import riemann_client.client, riemann_client.transport',
};

export interface RiemannClientCommand {
  readonly host: string;
  readonly port: number;
  readonly events: readonly Record<string, unknown>[];
  readonly query?: string;
}

export type RiemannClientResult =
  | { ok: true; sent: number; query?: { service: string; host: string; state: string; metric_sint64: number | null }[] }
  | { ok: false; error: string; sent: number };

export function runRiemannClient(command: RiemannClientCommand, signal?: AbortSignal): Promise<RiemannClientResult> {
  return runDriver<RiemannClientResult>('riemann_client_driver.py', command, signal, RIEMANN_CLIENT);
}
