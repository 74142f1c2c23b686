import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { KubeClient } from '@ack-npd/core/kube-lite';
import { HttpError } from './http.ts';

export type Role = 'viewer' | 'editor' | 'ingest';

/** Who may do what. `editor` includes `viewer`; `ingest` only posts events. */
export interface Authenticator {
  readonly mode: 'none' | 'token' | 'tokenreview';
  /** The roles of the request's bearer token; throws 401 without a valid one. */
  authenticate(request: IncomingMessage): Promise<ReadonlySet<Role>>;
}

export interface TokenSets {
  readonly viewer: readonly string[];
  readonly editor: readonly string[];
  readonly ingest: readonly string[];
}

function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const ALL: ReadonlySet<Role> = new Set<Role>(['viewer', 'editor', 'ingest']);

/** Loopback default: nobody else can reach the port, everyone is an editor. */
export function noAuth(): Authenticator {
  return { mode: 'none', authenticate: async () => ALL };
}

/** Static bearer tokens per role (from a Secret via env). An editor token also reads; ingest tokens only ingest. */
export function tokenAuth(tokens: TokenSets): Authenticator {
  return {
    mode: 'token',
    async authenticate(request) {
      const token = bearer(request);
      if (!token) throw new HttpError(401, 'authorization: send "Authorization: Bearer <token>"');
      const roles = new Set<Role>();
      if (tokens.editor.some((t) => same(t, token))) roles.add('editor').add('viewer');
      if (tokens.viewer.some((t) => same(t, token))) roles.add('viewer');
      if (tokens.ingest.some((t) => same(t, token))) roles.add('ingest');
      if (roles.size === 0) throw new HttpError(401, 'authorization: token not accepted');
      return roles;
    },
  };
}

export interface TokenReviewOptions {
  readonly kube: KubeClient;
  /** Groups or users (`system:serviceaccount:ns:name`) that are editors; everyone else authenticated is a viewer. */
  readonly editors: readonly string[];
  /** Users/groups allowed to ingest (the eventer's ServiceAccount). */
  readonly ingesters: readonly string[];
  /** Static tokens still accepted (e.g. the ingest token) before asking the apiserver. */
  readonly tokens?: TokenSets;
  /** Cache successful reviews this long (ms). */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/** Kubernetes TokenReview: the apiserver says who the bearer is; the center maps user/groups to roles. */
export function tokenReviewAuth(options: TokenReviewOptions): Authenticator {
  const cache = new Map<string, { roles: ReadonlySet<Role>; until: number }>();
  const now = options.now ?? Date.now;
  const statics = options.tokens ? tokenAuth(options.tokens) : undefined;
  return {
    mode: 'tokenreview',
    async authenticate(request) {
      const token = bearer(request);
      if (!token) throw new HttpError(401, 'authorization: send "Authorization: Bearer <token>"');
      if (statics) {
        const roles = await statics.authenticate(request).catch(() => undefined);
        if (roles) return roles;
      }
      const hit = cache.get(token);
      if (hit && hit.until > now()) return hit.roles;
      const { reviewToken } = await import('./tokenreview.ts');
      const user = await reviewToken(options.kube, token);
      if (!user) throw new HttpError(401, 'authorization: the apiserver did not authenticate this token');
      const names = [user.username, ...user.groups];
      const roles = new Set<Role>(['viewer']);
      if (names.some((n) => options.editors.includes(n))) roles.add('editor');
      if (names.some((n) => options.ingesters.includes(n))) roles.add('ingest');
      if (cache.size > 1000) cache.clear();
      cache.set(token, { roles, until: now() + (options.cacheMs ?? 60_000) });
      return roles;
    },
  };
}
