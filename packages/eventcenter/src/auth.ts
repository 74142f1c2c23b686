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

/** The cluster an ingest credential is bound to, per request (set by clusterIngestAuth). */
const boundClusters = new WeakMap<IncomingMessage, string>();

/** The only cluster this request's credential may write events of; undefined = any (a fleet-wide ingest token). */
export function ingestClusterOf(request: IncomingMessage): string | undefined {
  return boundClusters.get(request);
}

export interface ClusterReviewer {
  readonly cluster: string;
  /** That cluster's apiserver, which authenticates its own ServiceAccount tokens. */
  readonly kube: KubeClient;
  /** Users/groups of that cluster allowed to ingest (its eventer's ServiceAccount). */
  readonly ingesters: readonly string[];
}

export interface ClusterIngestOptions {
  /** Token → the cluster it writes for (from a Secret). */
  readonly tokens: ReadonlyMap<string, string>;
  /** Member clusters whose ServiceAccount tokens are verified by TokenReview against their own apiserver. */
  readonly reviewers?: readonly ClusterReviewer[];
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/**
 * Per-cluster ingest credentials in front of another authenticator: a cluster token (or a
 * member cluster's ServiceAccount token its apiserver vouches for) gets the ingest role bound
 * to that one cluster; every other bearer goes to `base`.
 */
export function clusterIngestAuth(base: Authenticator, options: ClusterIngestOptions): Authenticator {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { cluster: string | undefined; until: number }>();
  const INGEST: ReadonlySet<Role> = new Set<Role>(['ingest']);
  const reviewed = async (token: string): Promise<string | undefined> => {
    const hit = cache.get(token);
    if (hit && hit.until > now()) return hit.cluster;
    const { reviewToken } = await import('./tokenreview.ts');
    let cluster: string | undefined;
    for (const reviewer of options.reviewers ?? []) {
      const user = await reviewToken(reviewer.kube, token).catch(() => undefined);
      if (user && [user.username, ...user.groups].some((n) => reviewer.ingesters.includes(n))) {
        cluster = reviewer.cluster;
        break;
      }
    }
    if (cache.size > 1000) cache.clear();
    cache.set(token, { cluster, until: now() + (options.cacheMs ?? 60_000) });
    return cluster;
  };
  return {
    mode: base.mode,
    async authenticate(request) {
      const token = bearer(request);
      if (token) {
        for (const [known, cluster] of options.tokens) {
          if (same(known, token)) {
            boundClusters.set(request, cluster);
            return INGEST;
          }
        }
        // Only ingest posts are tried against the member clusters' apiservers.
        if (options.reviewers?.length && request.method === 'POST' && request.url?.startsWith('/api/v1/ingest')) {
          const cluster = await reviewed(token);
          if (cluster !== undefined) {
            boundClusters.set(request, cluster);
            return INGEST;
          }
        }
      }
      return base.authenticate(request);
    },
  };
}
