import type { IncomingMessage, ServerResponse } from 'node:http';
import { ingestClusterOf, type Role } from './auth.ts';
import type { ClusterRegistry } from './clusters.ts';
import { HttpError, type Route, readJson, route, sendJson } from './http.ts';
import { type OwnerLookup, podLifecycle } from './lifecycle.ts';
import { IngestError, type IngestEvent, parseIngestBatch, type StoredEvent, toNewEvent } from './model.ts';
import { nodeView } from './nodes.ts';
import { filterFromParams, parseIntParam, parseTime } from './params.ts';
import { decodeCursor, type EventFilter, encodeCursor, GROUP_FIELDS, type GroupField, QueryError } from './query.ts';
import type { EventStore } from './store/types.ts';

export interface ApiContext {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  readonly roles: ReadonlySet<Role>;
  readonly now: number;
}

export interface ApiDeps {
  readonly store: EventStore;
  readonly defaultCluster: string;
  readonly lookupOwners?: OwnerLookup;
  readonly maxIngestBytes?: number;
  /** Called after rows were written (alert evaluation, metrics). */
  readonly onIngest?: (inserted: number) => void;
  /** Cluster id → name, recorded on ingest (GET /api/v1/clusters). */
  readonly clusters?: ClusterRegistry;
  /** A cluster-bound credential sent another cluster's events. */
  readonly onRefused?: (cluster: string, reason: 'foreign-cluster') => void;
}

const DAY = 24 * 3600_000;

export function requireRole(ctx: ApiContext, role: Role): void {
  if (!ctx.roles.has(role)) throw new HttpError(403, `this token lacks the ${role} role`);
}

/** The event as the API shows it: ISO time beside the ms timestamp; `raw` only in the detail view. */
export function eventJson(event: StoredEvent, withRaw = false): Record<string, unknown> {
  const { raw, ...rest } = event;
  return { ...rest, time: new Date(event.timestamp).toISOString(), ...(withRaw ? { raw } : {}) };
}

function groupField(params: URLSearchParams, name: string, fallback: GroupField): GroupField {
  const value = params.get(name) ?? fallback;
  if (!(GROUP_FIELDS as readonly string[]).includes(value)) throw new QueryError(name, `one of ${GROUP_FIELDS.join(', ')}`);
  return value as GroupField;
}

/** A bucket width that gives about 60 buckets over the range, rounded to a minute multiple. */
export function autoBucket(from: number, to: number): number {
  const raw = Math.max(60_000, (to - from) / 60);
  const steps = [60_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, DAY];
  return steps.find((s) => s >= raw) ?? DAY;
}

function rangeOf(filter: EventFilter, now: number): { from: number; to: number } {
  const from = filter.from ?? now - DAY;
  const to = filter.to ?? now + 60_000;
  if (to <= from) throw new QueryError('to', 'must be after from');
  return { from, to };
}

export function apiRoutes(deps: ApiDeps): Route<ApiContext>[] {
  const { store } = deps;
  return [
    route('POST', '/api/v1/ingest', async (ctx) => {
      requireRole(ctx, 'ingest');
      const body = await readJson(ctx.request, deps.maxIngestBytes ?? 16 * 1024 * 1024);
      let events: IngestEvent[];
      try {
        events = parseIngestBatch(body);
      } catch (error) {
        if (error instanceof IngestError) throw new HttpError(400, error.message);
        throw error;
      }
      // A cluster's credential writes only that cluster's events; unlabelled events are its own.
      const bound = ingestClusterOf(ctx.request);
      const defaultCluster = bound ?? deps.defaultCluster;
      if (bound !== undefined) {
        const foreign = events.findIndex((e) => e.cluster !== undefined && e.cluster !== bound);
        if (foreign >= 0) {
          deps.onRefused?.(bound, 'foreign-cluster');
          throw new HttpError(
            403,
            `body.events.${foreign}.cluster: this credential writes only cluster "${bound}", not "${events[foreign]?.cluster}"`,
          );
        }
      }
      await deps.clusters?.seen(events, defaultCluster, ctx.now);
      const result = await store.ingest(events.map((e) => toNewEvent(e, defaultCluster)));
      if (result.inserted > 0) deps.onIngest?.(result.inserted);
      sendJson(ctx.response, 200, { accepted: events.length, ...result });
    }),
    route('GET', '/api/v1/events', async (ctx) => {
      requireRole(ctx, 'viewer');
      const p = ctx.url.searchParams;
      const filter = filterFromParams(p, ctx.now);
      const limit = parseIntParam(p, 'limit', 100, 1, 1000);
      const cursorText = p.get('cursor');
      const cursor = cursorText ? decodeCursor(cursorText) : undefined;
      const events = await store.search({ filter, limit: limit + 1, ...(cursor ? { cursor } : {}) });
      const page = events.slice(0, limit);
      const last = page.at(-1);
      sendJson(ctx.response, 200, {
        events: page.map((e) => eventJson(e)),
        nextCursor: events.length > limit && last ? encodeCursor({ timestamp: last.timestamp, id: last.id }) : null,
      });
    }),
    route('GET', '/api/v1/events/:id', async (ctx, params) => {
      requireRole(ctx, 'viewer');
      const event = await store.get(params.id ?? '');
      if (!event) throw new HttpError(404, `event ${(params.id ?? '').slice(0, 40)} not found`);
      sendJson(ctx.response, 200, eventJson(event, true));
    }),
    route('GET', '/api/v1/stats/histogram', async (ctx) => {
      requireRole(ctx, 'viewer');
      const p = ctx.url.searchParams;
      const filter = filterFromParams(p, ctx.now);
      const { from, to } = rangeOf(filter, ctx.now);
      const bucketMs = p.get('bucket') ? parseIntParam(p, 'bucket', 0, 1000, 31 * DAY) : autoBucket(from, to);
      const by = groupField(p, 'by', 'type');
      const rows = await store.histogram({ ...filter, from, to }, by, bucketMs);
      sendJson(ctx.response, 200, { from, to, bucketMs, by, buckets: rows });
    }),
    route('GET', '/api/v1/stats/top', async (ctx) => {
      requireRole(ctx, 'viewer');
      const p = ctx.url.searchParams;
      const filter = filterFromParams(p, ctx.now);
      const { from, to } = rangeOf(filter, ctx.now);
      const by = groupField(p, 'by', 'reason');
      const limit = parseIntParam(p, 'limit', 10, 1, 500);
      sendJson(ctx.response, 200, { from, to, by, top: await store.countBy({ ...filter, from, to }, by, limit) });
    }),
    route('GET', '/api/v1/stats/top-warnings', async (ctx) => {
      requireRole(ctx, 'viewer');
      const p = ctx.url.searchParams;
      const filter = filterFromParams(p, ctx.now);
      const { from, to } = rangeOf(filter, ctx.now);
      const limit = parseIntParam(p, 'limit', 10, 1, 500);
      const groups = await store.groupCounts(
        { ...filter, from, to, include: { ...filter.include, type: ['Warning'] } },
        ['reason', 'namespace', 'kind', 'name'],
        limit,
      );
      sendJson(ctx.response, 200, { from, to, warnings: groups.map((g) => ({ ...g.group, count: g.count, last: g.last })) });
    }),
    route('GET', '/api/v1/overview', async (ctx) => {
      requireRole(ctx, 'viewer');
      const p = ctx.url.searchParams;
      const filter = filterFromParams(p, ctx.now);
      const { from, to } = rangeOf(filter, ctx.now);
      const ranged = { ...filter, from, to };
      const bucketMs = autoBucket(from, to);
      const [byType, series, reasons, namespaces, nodes, kinds] = await Promise.all([
        store.countBy(ranged, 'type', 10),
        store.histogram(ranged, 'type', bucketMs),
        store.countBy({ ...ranged, include: { ...ranged.include, type: ['Warning'] } }, 'reason', 10),
        store.countBy(ranged, 'namespace', 10),
        store.countBy({ ...ranged, include: { ...ranged.include, type: ['Warning'] } }, 'node', 10),
        store.countBy(ranged, 'kind', 10),
      ]);
      const total = byType.reduce((n, r) => n + r.count, 0);
      sendJson(ctx.response, 200, {
        from,
        to,
        bucketMs,
        total,
        warnings: byType.find((r) => r.key === 'Warning')?.count ?? 0,
        byType,
        series,
        topWarningReasons: reasons,
        topNamespaces: namespaces,
        topWarningNodes: nodes.filter((r) => r.key !== ''),
        topKinds: kinds,
      });
    }),
    route('GET', '/api/v1/pods/:namespace/:name/lifecycle', async (ctx, params) => {
      requireRole(ctx, 'viewer');
      const p = ctx.url.searchParams;
      const from = p.get('from');
      const to = p.get('to');
      const cluster = p.get('cluster');
      const lifecycle = await podLifecycle(store, {
        namespace: params.namespace ?? '',
        pod: params.name ?? '',
        ...(from ? { from: parseTime('from', from, ctx.now) } : {}),
        ...(to ? { to: parseTime('to', to, ctx.now) } : {}),
        ...(cluster !== null ? { cluster } : {}),
        ...(deps.lookupOwners ? { lookup: deps.lookupOwners } : {}),
      });
      if (!lifecycle) throw new HttpError(404, `no events of pod ${params.namespace}/${params.name}`);
      sendJson(ctx.response, 200, { ...lifecycle, events: lifecycle.events.map((e) => ({ ...eventJson(e), role: e.role })) });
    }),
    route('GET', '/api/v1/nodes', async (ctx) => {
      requireRole(ctx, 'viewer');
      const p = ctx.url.searchParams;
      const filter = filterFromParams(p, ctx.now);
      const { from, to } = rangeOf(filter, ctx.now);
      const [all, warnings] = await Promise.all([
        store.countBy({ ...filter, from, to, include: { ...filter.include, kind: ['Node'] } }, 'name', 500),
        store.countBy({ ...filter, from, to, include: { ...filter.include, kind: ['Node'], type: ['Warning'] } }, 'name', 500),
      ]);
      const warn = new Map(warnings.map((r) => [r.key, r.count]));
      sendJson(ctx.response, 200, { from, to, nodes: all.map((r) => ({ node: r.key, events: r.count, warnings: warn.get(r.key) ?? 0 })) });
    }),
    route('GET', '/api/v1/nodes/:name', async (ctx, params) => {
      requireRole(ctx, 'viewer');
      const p = ctx.url.searchParams;
      const filter = filterFromParams(p, ctx.now, { from: ctx.now - 7 * DAY });
      const { from, to } = rangeOf(filter, ctx.now);
      const cluster = p.get('cluster');
      const view = await nodeView(store, { node: params.name ?? '', from, to, ...(cluster !== null ? { cluster } : {}) });
      sendJson(ctx.response, 200, { ...view, events: view.events.map((e) => eventJson(e)) });
    }),
  ];
}
