import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs a command to completion; throws with its output on failure. */
export async function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<string> {
  try {
    const { stdout } = await exec(command, [...args], { ...options, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Installs Debian packages that are missing (one apt at a time across processes). */
export async function ensureDebianPackages(packages: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const name of packages) {
    try {
      await run('dpkg', ['-s', name]);
    } catch {
      missing.push(name);
    }
  }
  if (missing.length === 0) return;
  await run('flock', [
    '/var/lib/dpkg/ack-npd-apt.lock',
    'bash',
    '-c',
    `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`,
  ]);
}

/** Runs `scripts/peers/fetch.sh` (cached download/build) and returns the directory it printed. */
export async function fetchPeer(peer: string, version?: string): Promise<string> {
  const script = new URL('../../../../scripts/peers/fetch.sh', import.meta.url).pathname;
  const out = await run('bash', [script, peer, ...(version ? [version] : [])]);
  return out.trim().split('\n').pop() ?? '';
}

/** An HTTP GET answered with a status below 500 (the server is up). */
export async function httpUp(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(3000) });
    await response.arrayBuffer();
    return response.status < 500;
  } catch {
    return false;
  }
}
