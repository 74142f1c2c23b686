import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** packages/eventcenter/ui: the web UI's sources and its built dist/. */
export const UI_ROOT = join(import.meta.dirname, '..', '..', 'ui');
export const UI_DIST = join(UI_ROOT, 'dist');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function fresh(): boolean {
  const index = join(UI_DIST, 'index.html');
  if (!existsSync(index)) return false;
  const built = statSync(index).mtimeMs;
  return [join(UI_ROOT, 'src'), join(UI_ROOT, 'index.html'), join(UI_ROOT, 'vite.config.ts')].every(
    (path) => (statSync(path).isDirectory() ? newestSource(path) : statSync(path).mtimeMs) <= built,
  );
}

/**
 * The built UI (what the server serves), built with the UI's own vite when dist/ is missing or
 * older than the sources: one build at a time across test processes (flock; this file is the
 * locked command and checks again under the lock).
 */
export async function ensureUiBuilt(): Promise<string> {
  if (fresh()) return UI_DIST;
  const lock = join(tmpdir(), 'ack-npd-eventcenter-ui-build.lock');
  await run('flock', [lock, process.execPath, import.meta.filename], { cwd: UI_ROOT, timeout: 180_000 });
  if (!fresh()) throw new Error(`building the UI left no fresh ${UI_DIST}/index.html`);
  return UI_DIST;
}

if (process.argv[1] === import.meta.filename && !fresh()) {
  const vite = join(UI_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) throw new Error(`${vite} is missing: run pnpm install`);
  await run(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: UI_ROOT, timeout: 180_000 });
}
