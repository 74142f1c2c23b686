import { randomUUID } from 'node:crypto';
import { type Logger, systemClock } from '@ack-npd/core';
import type { KubeClient } from '@ack-npd/core/kube-lite';
import type { z } from 'zod';
import { type ApiContext, requireRole } from '../api.ts';
import { HttpError, type Route, readJson, route, sendJson } from '../http.ts';
import { parseIntParam } from '../params.ts';
import type { EventStore } from '../store/types.ts';
import { type AlertState, evaluateRules, type Notification } from './engine.ts';
import { createNotifier, type Notifier } from './notify.ts';
import { type AlertRule, ruleSchema, type Silence, silenceSchema, TEMPLATES } from './rules.ts';

export interface AlertServiceOptions {
  readonly store: EventStore;
  readonly logger: Logger;
  /** `NAME=KEY:URI` notification sinks (eventer sink syntax). */
  readonly notify: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly kube: KubeClient | undefined;
  readonly now?: () => number;
}

export interface AlertService {
  readonly routes: readonly Route<ApiContext>[];
  readonly notifier: Notifier;
  /** Evaluates every rule now and hands transitions to the notifier. */
  evaluate(): Promise<AlertState[]>;
  start(intervalMs: number, signal: AbortSignal): void;
  close(): Promise<void>;
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new HttpError(400, `body.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export async function createAlertService(options: AlertServiceOptions): Promise<AlertService> {
  const { store, logger } = options;
  const now = options.now ?? Date.now;
  const notifier = await createNotifier({
    specs: options.notify,
    env: options.env,
    logger,
    clock: systemClock,
    kube: options.kube,
  });
  let running: Promise<AlertState[]> | undefined;
  const evaluate = async (): Promise<AlertState[]> => {
    // One evaluation at a time: the timer and POST /alerts/evaluate share it.
    while (running) await running.catch(() => undefined);
    running = (async () => {
      const at = now();
      const { alerts, notifications } = await evaluateRules(store, at);
      notifier.notify(await withClusterNames(store, notifications), at);
      return alerts;
    })();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };
  const checkNotify = (rule: AlertRule | z.output<typeof ruleSchema>) => {
    const unknown = rule.notify.filter((n) => !notifier.names.includes(n));
    if (unknown.length > 0) {
      throw new HttpError(
        400,
        `body.notify: unknown notification sink ${unknown.join(', ')}; configured: ${notifier.names.join(', ') || '(none: start with --notify=NAME=KEY:URI)'}`,
      );
    }
  };
  const ruleBody = async (ctx: ApiContext) => {
    const body = (await readJson(ctx.request, 64 * 1024)) as Record<string, unknown>;
    const template = typeof body?.template === 'string' ? TEMPLATES.find((t) => t.id === body.template) : undefined;
    if (typeof body?.template === 'string' && !template && body.query === undefined) {
      throw new HttpError(400, `body.template: unknown template "${String(body.template).slice(0, 40)}"; see /api/v1/alert-templates`);
    }
    const { id: _id, ...base } = template ?? { id: '' };
    const rule = parse(ruleSchema, { ...base, ...body });
    checkNotify(rule);
    return rule;
  };
  const getRule = async (id: string) => {
    const doc = (await store.listDocs<AlertRule>('rule')).find((d) => d.id === id);
    if (!doc) throw new HttpError(404, `alert rule ${id.slice(0, 60)} not found`);
    return { ...doc.body, id: doc.id };
  };
  const routes: Route<ApiContext>[] = [
    route('GET', '/api/v1/alert-templates', (ctx) => {
      requireRole(ctx, 'viewer');
      sendJson(ctx.response, 200, { templates: TEMPLATES.map((t) => ({ ...parse(ruleSchema, t), id: t.id, template: t.id })) });
    }),
    route('GET', '/api/v1/alert-rules', async (ctx) => {
      requireRole(ctx, 'viewer');
      const docs = await store.listDocs<AlertRule>('rule');
      sendJson(ctx.response, 200, { rules: docs.map((d) => ({ ...d.body, id: d.id })) });
    }),
    route('POST', '/api/v1/alert-rules', async (ctx) => {
      requireRole(ctx, 'editor');
      const rule = { ...(await ruleBody(ctx)), id: randomUUID() };
      await store.putDoc('rule', rule.id, rule, now());
      sendJson(ctx.response, 201, rule);
    }),
    route('GET', '/api/v1/alert-rules/:id', async (ctx, params) => {
      requireRole(ctx, 'viewer');
      sendJson(ctx.response, 200, await getRule(params.id ?? ''));
    }),
    route('PUT', '/api/v1/alert-rules/:id', async (ctx, params) => {
      requireRole(ctx, 'editor');
      const existing = await getRule(params.id ?? '');
      const rule = { ...(await ruleBody(ctx)), id: existing.id };
      await store.putDoc('rule', rule.id, rule, now());
      sendJson(ctx.response, 200, rule);
    }),
    route('DELETE', '/api/v1/alert-rules/:id', async (ctx, params) => {
      requireRole(ctx, 'editor');
      if (!(await store.deleteDoc('rule', params.id ?? ''))) throw new HttpError(404, 'alert rule not found');
      ctx.response.writeHead(204).end();
    }),
    route('GET', '/api/v1/alerts', async (ctx) => {
      requireRole(ctx, 'viewer');
      const states = await store.listDocs<AlertState>('alert-state');
      sendJson(ctx.response, 200, { alerts: states.map((d) => d.body).sort((a, b) => b.since - a.since) });
    }),
    route('POST', '/api/v1/alerts/evaluate', async (ctx) => {
      requireRole(ctx, 'editor');
      sendJson(ctx.response, 200, { alerts: await evaluate() });
    }),
    route('GET', '/api/v1/alert-history', async (ctx) => {
      requireRole(ctx, 'viewer');
      const p = ctx.url.searchParams;
      const ruleId = p.get('ruleId');
      const limit = parseIntParam(p, 'limit', 100, 1, 1000);
      sendJson(ctx.response, 200, { history: await store.history({ limit, ...(ruleId ? { ruleId } : {}) }) });
    }),
    route('GET', '/api/v1/silences', async (ctx) => {
      requireRole(ctx, 'viewer');
      const at = now();
      const docs = await store.listDocs<Silence>('silence');
      sendJson(ctx.response, 200, {
        silences: docs
          .map((d) => ({ ...d.body, active: at >= d.body.startsAt && at < d.body.expiresAt }))
          .sort((a, b) => b.expiresAt - a.expiresAt),
      });
    }),
    route('POST', '/api/v1/silences', async (ctx) => {
      requireRole(ctx, 'editor');
      const body = parse(silenceSchema, await readJson(ctx.request, 64 * 1024));
      const at = now();
      if (body.expiresAt <= at) throw new HttpError(400, 'body.expiresAt: must be in the future (ms since epoch)');
      const silence: Silence = {
        id: randomUUID(),
        ruleId: body.ruleId,
        matchers: body.matchers,
        comment: body.comment,
        createdBy: [...ctx.roles].includes('editor') ? 'editor' : '',
        startsAt: body.startsAt ?? at,
        expiresAt: body.expiresAt,
      };
      await store.putDoc('silence', silence.id, silence, at);
      sendJson(ctx.response, 201, silence);
    }),
    route('DELETE', '/api/v1/silences/:id', async (ctx, params) => {
      requireRole(ctx, 'editor');
      if (!(await store.deleteDoc('silence', params.id ?? ''))) throw new HttpError(404, 'silence not found');
      ctx.response.writeHead(204).end();
    }),
  ];
  let timer: NodeJS.Timeout | undefined;
  let runPromise: Promise<void> | undefined;
  return {
    routes,
    notifier,
    evaluate,
    start(intervalMs, signal) {
      runPromise = notifier.run(signal);
      const tick = () => {
        evaluate().catch((error: unknown) => logger.warn({ err: error }, 'alert evaluation failed'));
      };
      timer = setInterval(tick, intervalMs);
      timer.unref();
      signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    },
    async close() {
      if (timer) clearInterval(timer);
      await runPromise?.catch(() => undefined);
      await notifier.close();
    },
  };
}

/** Every notification names its cluster by the name its eventer gave (GET /api/v1/clusters). */
async function withClusterNames(store: EventStore, notifications: readonly Notification[]): Promise<readonly Notification[]> {
  if (!notifications.some((n) => n.alert.group.cluster)) return notifications;
  const names = new Map((await store.listDocs<{ name?: string }>('cluster')).map((d) => [d.id, d.body.name ?? '']));
  return notifications.map((n) => {
    const name = names.get(n.alert.group.cluster ?? '');
    return name ? { ...n, clusterName: name } : n;
  });
}
