import { parseConfig } from '@ack-npd/core';
import { z } from 'zod';
import type { FilterSpec } from '../../filter.ts';
import type { SinkSpec } from '../../types.ts';

/**
 * Options every chat sink takes, named as kube-eventer's dingtalk/wechat sinks name them:
 * `level` (Warning, or Normal = all), `label` (repeatable), `namespaces`, `kinds` (comma
 * separated), `cluster_id`, plus `timeout_ms`.
 */
export interface ChatOptions {
  readonly level: 'Normal' | 'Warning';
  readonly labels: readonly string[];
  readonly clusterId: string;
  readonly namespaces: readonly string[] | undefined;
  readonly kinds: readonly string[] | undefined;
  readonly timeoutMs: number;
}

export const CHAT_OPTION_KEYS = ['level', 'label', 'cluster_id', 'namespaces', 'kinds', 'timeout_ms'] as const;

const csv = z
  .string()
  .optional()
  .transform((value) => (value ? value.split(',').filter(Boolean) : undefined));

export const chatOptionsShape = {
  level: z.enum(['Normal', 'Warning'], { error: 'level must be Normal or Warning' }).default('Warning'),
  label: z.array(z.string()).default([]),
  cluster_id: z.string().default(''),
  namespaces: csv,
  kinds: csv,
  timeout_ms: z.coerce.number().int().positive('timeout_ms must be a positive integer').default(10_000),
};

/** The raw values of {@link CHAT_OPTION_KEYS} from the URI, for a schema built on {@link chatOptionsShape}. */
export function rawChatOptions(query: URLSearchParams): Record<string, unknown> {
  return {
    level: query.get('level') ?? undefined,
    label: query.getAll('label'),
    cluster_id: query.get('cluster_id') ?? undefined,
    namespaces: query.get('namespaces') ?? undefined,
    kinds: query.get('kinds') ?? undefined,
    timeout_ms: query.get('timeout_ms') ?? undefined,
  };
}

export function chatOptions(parsed: z.infer<z.ZodObject<typeof chatOptionsShape>>): ChatOptions {
  return {
    level: parsed.level,
    labels: parsed.label,
    clusterId: parsed.cluster_id,
    namespaces: parsed.namespaces,
    kinds: parsed.kinds,
    timeoutMs: parsed.timeout_ms,
  };
}

/** Parses a chat sink's options: the common ones plus `extra` (a zod shape over `extraRaw`). */
export function parseChatOptions<E extends z.ZodRawShape>(
  spec: SinkSpec,
  extra: E,
  extraRaw: Record<string, unknown>,
): ChatOptions & z.infer<z.ZodObject<E>> {
  const schema = z.object({ ...chatOptionsShape, ...extra });
  const parsed = parseConfig(schema, { ...rawChatOptions(spec.query), ...extraRaw }, `--sink=${spec.name}`) as Record<string, unknown>;
  return { ...parsed, ...chatOptions(parsed as z.infer<z.ZodObject<typeof chatOptionsShape>>) } as ChatOptions & z.infer<z.ZodObject<E>>;
}

export function chatFilter(options: ChatOptions): FilterSpec {
  return {
    level: options.level,
    ...(options.namespaces ? { namespaces: options.namespaces } : {}),
    ...(options.kinds ? { kinds: options.kinds } : {}),
  };
}

/**
 * The service URL as written, without the eventer's own options: a Teams workflow URL keeps
 * its `api-version`, `sp`, `sv` and `sig` parameters, `level=Warning` is not sent on.
 */
export function serviceUrl(spec: SinkSpec, ownKeys: readonly string[]): string | undefined {
  if (!spec.endpoint) return undefined;
  const own = new Set<string>([...CHAT_OPTION_KEYS, ...ownKeys]);
  const kept = [...spec.query].filter(([key]) => !own.has(key));
  const query = new URLSearchParams(kept).toString();
  return `${spec.endpoint.origin}${spec.endpoint.pathname}${query ? `?${query}` : ''}`;
}
