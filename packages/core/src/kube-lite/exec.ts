import { execFile } from 'node:child_process';
import { isAbsolute, join } from 'node:path';
import { KubeApiError } from '../errors.ts';
import type { ExecPlugin } from './config.ts';

/** What an exec credential plugin returned (ExecCredential status). */
export interface ExecCredential {
  readonly token?: string;
  readonly clientCert?: Buffer;
  readonly clientKey?: Buffer;
  /** Epoch ms after which the plugin must run again; undefined = until the apiserver says 401. */
  readonly expiresAt?: number;
}

/** Runs a kubeconfig exec plugin (client.authentication.k8s.io/v1 and v1beta1) non-interactively. */
export async function runExecPlugin(plugin: ExecPlugin, options: { timeoutMs?: number } = {}): Promise<ExecCredential> {
  const command = plugin.command.includes('/') && !isAbsolute(plugin.command) ? join(plugin.dir, plugin.command) : plugin.command;
  const info = { apiVersion: plugin.apiVersion, kind: 'ExecCredential', spec: { interactive: false } };
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      command,
      [...plugin.args],
      {
        env: { ...process.env, ...plugin.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) },
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        maxBuffer: 1024 * 1024,
      },
      (error, out, err) => {
        if (error)
          reject(new KubeApiError(`exec credential plugin ${plugin.command} failed: ${error.message} ${String(err).slice(0, 300)}`));
        else resolve(String(out));
      },
    );
  });
  let status: Record<string, unknown>;
  try {
    status = ((JSON.parse(stdout) as { status?: Record<string, unknown> }).status ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw new KubeApiError(`exec credential plugin ${plugin.command} printed no ExecCredential JSON`, { cause: error });
  }
  const text = (key: string): string | undefined => (typeof status[key] === 'string' && status[key] !== '' ? status[key] : undefined);
  const token = text('token');
  const cert = text('clientCertificateData');
  const key = text('clientKeyData');
  const expires = text('expirationTimestamp');
  if (!token && !(cert && key)) {
    throw new KubeApiError(`exec credential plugin ${plugin.command} returned neither a token nor a client certificate and key`);
  }
  return {
    ...(token ? { token } : {}),
    ...(cert && key ? { clientCert: Buffer.from(cert), clientKey: Buffer.from(key) } : {}),
    ...(expires ? { expiresAt: Date.parse(expires) } : {}),
  };
}
