import { readFileSync } from 'node:fs';
import { ConfigError, parseGoBool } from '@ack-npd/core';
import type { KubeClient } from '@ack-npd/core/kube-lite';
import { KubeApiError, SinkError } from '../errors.ts';
import { type FilterSpec, filterFromQuery } from '../filter.ts';
import { kubeJson } from '../kube-http.ts';
import { eventAction } from '../normalize.ts';
import { compileTemplate, type Template, type TemplateEscape } from '../template.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { httpsAgent, httpText } from './http.ts';

/** kube-eventer's default webhook body. */
export const DEFAULT_WEBHOOK_BODY = `
{
	"EventType": "{{ .Type }}",
	"EventKind": "{{ .InvolvedObject.Kind }}",
	"EventReason": "{{ .Reason }}",
	"EventTime": "{{ .LastTimestamp }}",
	"EventMessage": "{{ .Message }}"
}`;

/** Query options this sink consumes; everything else stays in the URL it calls. */
const OPTIONS = new Set([
  'level',
  'namespaces',
  'kinds',
  'reason',
  'method',
  'header',
  'custom_body_configmap',
  'custom_body_configmap_namespace',
  'body_template',
  'body_escape',
  'ca',
  'insecure',
  'timeout',
]);

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH']);

export interface WebhookSinkConfig {
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly filter: FilterSpec;
  readonly body: Template;
}

function configError(spec: SinkSpec, option: string, message: string): ConfigError {
  return new ConfigError(`--sink=${spec.name}`, [{ path: `${spec.name}?${option}`, message }]);
}

async function loadBodyTemplate(spec: SinkSpec, kube: KubeClient | undefined): Promise<string> {
  const q = spec.query;
  const inline = q.get('body_template');
  if (inline) return inline;
  const name = q.get('custom_body_configmap');
  if (!name) return DEFAULT_WEBHOOK_BODY;
  const namespace = q.get('custom_body_configmap_namespace') || 'default';
  if (!kube) throw configError(spec, 'custom_body_configmap', 'needs a Kubernetes client (--source)');
  try {
    const cm = await kubeJson<{ data?: Record<string, string> }>(
      kube,
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`,
    );
    const content = cm.data?.content;
    if (!content) throw configError(spec, 'custom_body_configmap', `ConfigMap ${namespace}/${name} has no key "content"`);
    return content;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const status = error instanceof KubeApiError ? ` (${error.status})` : '';
    throw configError(spec, 'custom_body_configmap', `cannot read ConfigMap ${namespace}/${name}${status}: ${(error as Error).message}`);
  }
}

/** Parses a webhook sink URI (kube-eventer's options plus ours) into its config. */
export async function parseWebhookSpec(spec: SinkSpec, kube: KubeClient | undefined): Promise<WebhookSinkConfig> {
  if (!spec.endpoint || !/^https?:$/.test(spec.endpoint.protocol)) {
    throw configError(spec, 'url', 'needs an http(s) URL, e.g. webhook:https://hooks.example.com/k8s?level=Warning&method=POST');
  }
  const q = spec.query;
  const method = (q.get('method') || 'GET').toUpperCase();
  if (!METHODS.has(method)) throw configError(spec, 'method', `must be one of ${[...METHODS].join(', ')}, got "${method}"`);
  const headers: Record<string, string> = {};
  // One header per value; a value may also hold several, one per line (a Secret's `headers` key), and
  // may be empty (a Secret with no headers). HTTP header values cannot contain line breaks anyway.
  for (const header of q
    .getAll('header')
    .flatMap((value) => value.split(/\r?\n/))
    .filter((line) => line.trim() !== '')) {
    const at = header.indexOf('=');
    if (at <= 0) throw configError(spec, 'header', `expected header=Name=Value, got "${header}"`);
    headers[header.slice(0, at).trim().toLowerCase()] = header.slice(at + 1);
  }
  headers['content-type'] ??= 'application/json';
  const escaping = (q.get('body_escape') || 'json') as TemplateEscape;
  if (escaping !== 'json' && escaping !== 'none') throw configError(spec, 'body_escape', 'must be json or none');
  const url = new URL(`${spec.endpoint.origin}${spec.endpoint.pathname}`);
  for (const [key, value] of q) if (!OPTIONS.has(key)) url.searchParams.append(key, value);
  const text = await loadBodyTemplate(spec, kube);
  const body = compileTemplate(text, { source: `--sink=${spec.name}`, escape: escaping });
  return { url, method, headers, filter: filterFromQuery(spec.name, q), body };
}

/**
 * `--sink=webhook:https://host/path?level=Warning&method=POST&header=Authorization=Bearer%20x`
 *
 * One request per event (as kube-eventer), body from a template (kube-eventer's default body,
 * `custom_body_configmap` key `content`, or `body_template`), values JSON-escaped unless
 * `body_escape=none`. The method defaults to GET like kube-eventer (with the body): set
 * `method=POST` for most receivers. Each request carries `Idempotency-Key: <uid>:<resourceVersion>`
 * so a receiver can drop the rare redelivery after a crash, `X-Event-Count: <count>` and
 * `X-Event-Action: create|update` (update = a count bump or other change of an event already
 * shipped; templates read the same as `{{ .Count }}` and `{{ .EventAction }}`). 2xx = accepted; 408/429/5xx and
 * network errors are retried (Retry-After honoured); other 4xx are permanent.
 */
export async function createWebhookSink(spec: SinkSpec, context: SinkContext): Promise<Sink> {
  const config = await parseWebhookSpec(spec, context.kube);
  const q = spec.query;
  const insecure = q.has('insecure') ? parseGoBool(q.get('insecure') ?? '') : false;
  if (insecure === undefined) throw configError(spec, 'insecure', `"${q.get('insecure')}" is not a boolean: must be true or false`);
  const caPath = q.get('ca');
  let ca: string | undefined;
  if (caPath) {
    try {
      ca = readFileSync(caPath, 'utf8');
    } catch (error) {
      throw configError(spec, 'ca', `cannot read ${caPath}: ${(error as Error).message}`);
    }
  }
  const timeoutMs = q.get('timeout') ? Number(q.get('timeout')) : 15_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw configError(spec, 'timeout', 'must be milliseconds > 0');
  const agent = config.url.protocol === 'https:' ? httpsAgent({ rejectUnauthorized: !insecure, ...(ca ? { ca } : {}) }) : undefined;

  async function sendOne(event: KubeEvent, signal: AbortSignal): Promise<void> {
    let response: Awaited<ReturnType<typeof httpText>>;
    try {
      response = await httpText(config.url, {
        method: config.method,
        headers: {
          ...config.headers,
          'idempotency-key': `${event.uid}:${event.resourceVersion}`,
          'x-event-count': String(event.count),
          'x-event-action': eventAction(event),
        },
        body: config.body.render(event),
        ...(agent ? { agent } : {}),
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        maxBytes: 4096,
      });
    } catch (error) {
      throw new SinkError(spec.name, `request failed: ${(error as Error).message}`, { retryable: true, cause: error });
    }
    const { text, status } = response;
    if (status >= 200 && status < 300) return;
    const retryAfter = Number(response.headers['retry-after']);
    const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
    const retryable = status === 408 || status === 429 || status >= 500;
    throw new SinkError(spec.name, `HTTP ${status}: ${text.slice(0, 200)}`, {
      retryable,
      rateLimited: status === 429,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      code: 'ERR_SINK_HTTP',
    });
  }

  return {
    name: spec.name,
    // One event per request: a batch of one never resends an already accepted event.
    limits: { maxBatch: 1 },
    // level, namespaces, kinds, reason: applied by the delivery loop.
    filter: config.filter,
    async send(batch, signal) {
      for (const event of batch) await sendOne(event, signal);
    },
    async close() {
      agent?.destroy();
    },
  };
}

createWebhookSink satisfies SinkFactory;
