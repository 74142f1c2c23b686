// Loaded with `--import` by scripts/test (and, through NODE_OPTIONS, by every Node process a
// test spawns: the agent, the eventer, the cluster daemon). Tests may only reach this machine's
// loopback (127.0.0.0/8, ::1) and unix sockets: any TCP/TLS connect, UDP send, DNS query or fetch
// towards another address throws a NetGuardError naming the address and the test file.
// Because checks and sinks catch connection errors (a refused connect is a result to them), a
// blocked attempt in a test file is also re-thrown as an uncaught exception, which fails the test
// that made it; in any other guarded process it sets exit code 1. With ACK_NPD_NET_GUARD_LOG set,
// every attempt (allowed or not) is appended to that file as one line, for grepping a whole run.
import dgram from 'node:dgram';
import dns from 'node:dns';
import { appendFileSync } from 'node:fs';
import net from 'node:net';
import { relative } from 'node:path';

export class NetGuardError extends Error {
  readonly code = 'ERR_NET_GUARD';
  override name = 'NetGuardError';
}

const guardUrl = import.meta.url;
const program = process.argv[1] ? relative(process.cwd(), process.argv[1]) : '(eval)';
const isTestFile = /\.test\.[cm]?[jt]s$/.test(program);
// The test file that started this process tree (children inherit it through the environment).
const origin = isTestFile ? program : (process.env.ACK_NPD_NET_GUARD_ORIGIN ?? `${program} (not started by a test file)`);
if (isTestFile) process.env.ACK_NPD_NET_GUARD_ORIGIN = origin;
const logFile = process.env.ACK_NPD_NET_GUARD_LOG;

// Children spawned with this environment load the guard too.
const importFlag = `--import=${guardUrl}`;
if (!(process.env.NODE_OPTIONS ?? '').includes(importFlag)) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} ${importFlag}`.trim();
}

/** The system resolver's servers: a query through them leaves the machine even when the stub is local. */
const systemDnsServers = dns.getServers().join(',');
let blocked = 0;

export function isLoopbackAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '');
  if (net.isIPv4(ip)) return ip.startsWith('127.') || ip === '0.0.0.0';
  if (net.isIPv6(ip)) {
    const lower = ip.toLowerCase();
    if (lower === '::1' || lower === '::' || lower === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped?.[1]?.startsWith('127.') === true;
  }
  return false;
}

/** An IP literal on loopback, or a name that can only mean this machine. */
export function isLocalHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return isLoopbackAddress(name) || name === 'localhost' || name.endsWith('.localhost');
}

function record(kind: string, destination: string, allowed: boolean): void {
  if (logFile) {
    const verdict = allowed ? 'allow' : 'BLOCK';
    appendFileSync(
      logFile,
      `${new Date().toISOString()} ${verdict} ${kind} ${destination} pid=${process.pid} test=${origin} program=${program}\n`,
    );
  }
}

function check(kind: string, destination: string, allowed: boolean): void {
  record(kind, destination, allowed);
  if (allowed) return;
  blocked++;
  const error = new NetGuardError(
    `net-guard: ${kind} to ${destination} blocked in ${origin}: tests may only reach loopback (127.0.0.0/8, ::1); point the code under test at a local peer`,
  );
  process.stderr.write(`${error.message}\n`);
  // The caller may swallow the error (a check reports "unreachable"): fail the test anyway.
  if (isTestFile)
    setImmediate(() => {
      throw error;
    });
  throw error;
}

function hostPort(host: string | undefined, port: unknown): string {
  const h = host ?? 'localhost';
  return `${net.isIPv6(h) ? `[${h}]` : h}:${String(port)}`;
}

// TCP and TLS (tls.connect, http(s), http2 and undici all end in net.Socket#connect).
const originalConnect = net.Socket.prototype.connect as (this: net.Socket, ...args: unknown[]) => net.Socket;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
  // net.connect() passes its normalized [options, callback] as one array argument.
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (first !== null && typeof first === 'object') {
    const options = first as { path?: string | null; host?: string; port?: unknown };
    // As net does: a truthy path is a unix socket (http passes path: null).
    if (!options.path) check('tcp connect', hostPort(options.host, options.port), isLocalHost(options.host ?? 'localhost'));
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const host = typeof args[1] === 'string' ? args[1] : undefined;
    check('tcp connect', hostPort(host, first), isLocalHost(host ?? 'localhost'));
  }
  return originalConnect.apply(this, args);
} as typeof net.Socket.prototype.connect;

// UDP.
const originalSend = dgram.Socket.prototype.send as (this: dgram.Socket, ...args: unknown[]) => void;
dgram.Socket.prototype.send = function guardedSend(this: dgram.Socket, ...args: unknown[]): void {
  // send(msg, [offset, length,] [port, address,] callback)
  const rest = typeof args[1] === 'number' && typeof args[2] === 'number' && typeof args[3] === 'number' ? args.slice(3) : args.slice(1);
  if (typeof rest[0] === 'number') {
    const address = typeof rest[1] === 'string' ? rest[1] : undefined;
    check('udp send', hostPort(address, rest[0]), isLocalHost(address ?? 'localhost'));
  }
  originalSend.apply(this, args);
} as typeof dgram.Socket.prototype.send;
const originalUdpConnect = dgram.Socket.prototype.connect as (this: dgram.Socket, ...args: unknown[]) => void;
dgram.Socket.prototype.connect = function guardedUdpConnect(this: dgram.Socket, ...args: unknown[]): void {
  const address = typeof args[1] === 'string' ? args[1] : undefined;
  check('udp connect', hostPort(address, args[0]), isLocalHost(address ?? 'localhost'));
  originalUdpConnect.apply(this, args);
} as typeof dgram.Socket.prototype.connect;

// DNS: getaddrinfo of a name that is not this machine's, and c-ares queries through the
// system's servers (a local server a test started with setServers() is fine).
type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
function wrap(target: object, key: string, guard: (self: unknown, args: unknown[]) => void): void {
  const original = (target as Record<string, unknown>)[key];
  if (typeof original !== 'function') return;
  (target as Record<string, unknown>)[key] = function guarded(this: unknown, ...args: unknown[]) {
    guard(this, args);
    return (original as AnyFunction).apply(this, args);
  };
}
const lookupGuard = (_self: unknown, args: unknown[]) => {
  const name = typeof args[0] === 'string' ? args[0] : '';
  check('dns lookup', name, isLocalHost(name));
};
for (const target of [dns, dns.promises]) {
  wrap(target, 'lookup', lookupGuard);
  wrap(target, 'lookupService', (_self, args) => check('dns lookupService', String(args[0]), isLocalHost(String(args[0]))));
}
const queries = [
  'resolve',
  'resolve4',
  'resolve6',
  'resolveAny',
  'resolveCaa',
  'resolveCname',
  'resolveMx',
  'resolveNaptr',
  'resolveNs',
  'resolvePtr',
  'resolveSoa',
  'resolveSrv',
  'resolveTlsa',
  'resolveTxt',
  'reverse',
];
function queryGuard(servers: () => string[]) {
  return (_self: unknown, args: unknown[]) => {
    const list = servers();
    const allowed = list.join(',') !== systemDnsServers && list.every((s) => isLoopbackAddress(s.replace(/:\d+$/, '')));
    check('dns query', `${String(args[0])} via ${list.join(',') || '(no servers)'}`, allowed);
  };
}
for (const key of queries) {
  wrap(
    dns,
    key,
    queryGuard(() => dns.getServers()),
  );
  wrap(
    dns.promises,
    key,
    queryGuard(() => dns.promises.getServers()),
  );
  for (const Resolver of [dns.Resolver, dns.promises.Resolver]) {
    const proto = Resolver.prototype as unknown as { getServers(): string[] };
    wrap(proto, key, (self, args) => queryGuard(() => (self as typeof proto).getServers.call(self))(self, args));
  }
}

// fetch: refuse before undici dispatches (its connect is guarded too, but this names the URL).
const originalFetch = globalThis.fetch;
globalThis.fetch = function guardedFetch(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
  let url: URL | undefined;
  try {
    url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  } catch {
    url = undefined; // fetch itself rejects a bad URL
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:')) {
    try {
      check('fetch', url.origin, isLocalHost(url.hostname));
    } catch (error) {
      return Promise.reject(new TypeError('fetch failed', { cause: error }));
    }
  }
  return originalFetch(input, init);
};

process.on('exit', (code) => {
  if (blocked === 0) return;
  process.stderr.write(`net-guard: ${blocked} connection attempt(s) beyond loopback blocked in ${program} (${origin})\n`);
  if (code === 0) process.exitCode = 1;
});
