// The supervisor behind scripts/start: the event center on SQLite in a local state dir, the
// agent standalone feeding it, and (with a kubeconfig) the eventer watching that cluster into
// it. Prints the UI address; Ctrl-C (SIGINT/SIGTERM) stops every child and waits for them.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const HELP = `scripts/start: the event center (SQLite) + the node agent feeding it [+ the eventer]

  --kubeconfig=FILE     also run the eventer watching that cluster into the event center
                        (default: $KUBECONFIG when set)
  --ui-port=8080        event center (UI + API) port on 127.0.0.1 (0 = any free port)
  --state-dir=DIR       event center database and eventer spool
                        (default: $XDG_STATE_HOME/ack-npd, else ~/.local/state/ack-npd)
  --no-eventcenter      only the agent, printing to stdout (the previous behaviour)
  any other flag        passed to the agent (npd), e.g. --alibaba-cloud-plugins=fd_check
`;

const { values, tokens } = parseArgs({
  args: process.argv.slice(2),
  options: {
    kubeconfig: { type: 'string' },
    'ui-port': { type: 'string', default: '8080' },
    'state-dir': { type: 'string' },
    'no-eventcenter': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: false,
  tokens: true,
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const own = new Set(['kubeconfig', 'ui-port', 'state-dir', 'no-eventcenter', 'help', 'h']);
const npdArgs = tokens
  .filter((t) => (t.kind === 'option' && !own.has(t.name)) || t.kind === 'positional')
  .map((t) => (t.kind === 'option' ? t.rawName + (t.value !== undefined ? `=${t.value}` : '') : t.kind === 'positional' ? t.value : ''));
const port = Number(values['ui-port']);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`scripts/start: --ui-port: "${values['ui-port']}" is not a port\n`);
  process.exit(2);
}
const stateDir = String(values['state-dir'] ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'ack-npd'));
const kubeconfig = (values.kubeconfig as string | undefined) ?? process.env.KUBECONFIG;
if (kubeconfig && !existsSync(kubeconfig)) {
  process.stderr.write(`scripts/start: --kubeconfig: ${kubeconfig} does not exist\n`);
  process.exit(2);
}
mkdirSync(stateDir, { recursive: true });

const children: ChildProcess[] = [];
let stopping = false;
const node = (main: string, args: string[], stdout: 'inherit' | 'pipe' = 'inherit') => {
  const child = spawn(process.execPath, ['--conditions=development', join(root, main), ...args], {
    stdio: ['ignore', stdout, 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  children.push(child);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`scripts/start: ${main} exited (${signal ?? code}); stopping everything\n`);
      void stop(1);
    }
  });
  return child;
};

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const exits = children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => new Promise((r) => c.once('exit', r)));
  for (const child of children) child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const child of children) child.kill('SIGKILL');
  }, 10_000);
  await Promise.all(exits);
  clearTimeout(timer);
  process.exit(code);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

if (values['no-eventcenter']) {
  node('packages/npd/src/main.ts', npdArgs);
} else {
  const center = node(
    'packages/eventcenter/src/main.ts',
    [`--listen=127.0.0.1:${port}`, `--data-dir=${join(stateDir, 'eventcenter')}`, '--log-level=warn', '--alert-interval=15s'],
    'pipe',
  );
  let buffered = '';
  const url = await new Promise<string>((done, fail) => {
    center.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(buffered);
      if (match?.[1]) done(match[1]);
    });
    center.once('exit', () => fail(new Error('the event center did not start')));
  }).catch((error: Error) => {
    process.stderr.write(`scripts/start: ${error.message}\n`);
    process.exit(1);
  });
  center.stdout?.pipe(process.stdout);
  process.stdout.write(`\nEvent center UI: ${url}/   (API: ${url}/api/v1/events, ${url}/openapi.json)\n`);
  node('packages/npd/src/main.ts', ['--enable-k8s-exporter=false', `--eventcenter=${url}`, ...npdArgs]);
  if (kubeconfig) {
    node('packages/eventer/src/main.ts', [
      `--source=kubernetes:?inClusterConfig=false&auth=${encodeURIComponent(kubeconfig)}`,
      `--sink=eventcenter:${url}`,
      '--frequency=2s',
      '--healthz-port=0',
      `--spool-dir=${join(stateDir, 'eventer-spool')}`,
      '--log-level=warn',
    ]);
    process.stdout.write(`Eventer: watching the cluster of ${kubeconfig} into the event center\n`);
  }
  process.stdout.write('Ctrl-C stops everything.\n');
}
