import { ConfigError } from '@ack-npd/core';
import type { KubeClient } from '@ack-npd/core/kube-lite';
import { SinkError } from '../errors.ts';
import { filterFromQuery } from '../filter.ts';
import { kubeJson } from '../kube-http.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../types.ts';
import { postForText } from './post.ts';

/** Which cluster the events come from: a stable id and a name people recognise. */
export interface ClusterIdentity {
  readonly id: string | undefined;
  readonly name: string | undefined;
}

/** The ingest body's event: the normalized fields, the raw Event, and the cluster id and name. */
export function eventCenterPayload(event: KubeEvent, cluster: ClusterIdentity | string | undefined): Record<string, unknown> {
  const identity = typeof cluster === 'string' || cluster === undefined ? { id: cluster, name: undefined } : cluster;
  return {
    uid: event.uid,
    count: event.count,
    timestamp: event.timestamp,
    ...(identity.id ? { cluster: identity.id } : {}),
    ...(identity.name ? { clusterName: identity.name } : {}),
    namespace: event.namespace,
    name: event.name,
    type: event.type,
    reason: event.reason,
    message: event.message,
    involvedObject: event.involvedObject,
    source: event.source,
    raw: event.raw,
  };
}

/**
 * The cluster id when none is configured: the kube-system namespace's UID, read once at start.
 * It never changes for the life of the cluster, so the id is stable without configuration.
 */
export async function kubeSystemUid(kube: KubeClient): Promise<string> {
  const namespace = await kubeJson<{ metadata?: { uid?: string } }>(kube, '/api/v1/namespaces/kube-system');
  const uid = namespace.metadata?.uid;
  if (!uid) throw new Error('the kube-system namespace has no metadata.uid');
  return uid;
}

function configError(spec: SinkSpec, option: string, message: string): ConfigError {
  return new ConfigError(`--sink=${spec.name}`, [{ path: `${spec.name}?${option}`, message }]);
}

/**
 * `--sink=eventcenter:http://eventcenter:8080?token=$EVENTCENTER_TOKEN&cluster=ID&cluster_name=prod`
 *
 * Every event carries the cluster's id (`cluster`, else the kube-system namespace UID when the
 * eventer watches a cluster) and name (`cluster_name`, else the id).
 *
 * Batched POST of normalized events to the event center's `/api/v1/ingest` with a bearer token.
 * The center stores each (cluster, uid, count) once, so a batch retried after a timeout or a
 * crash never duplicates. 2xx = stored; network errors, 408, 429 and 5xx are retried by the
 * delivery layer (then spooled); other 4xx are permanent (bad token, bad body).
 */
export async function createEventCenterSink(spec: SinkSpec, context: SinkContext): Promise<Sink> {
  if (!spec.endpoint || !/^https?:$/.test(spec.endpoint.protocol)) {
    throw configError(spec, 'url', 'needs the center URL, e.g. eventcenter:http://eventcenter:8080?token=$EVENTCENTER_TOKEN');
  }
  const q = spec.query;
  const path = spec.endpoint.pathname.replace(/\/$/, '');
  const url = `${spec.endpoint.origin}${path.endsWith('/api/v1/ingest') ? path : `${path}/api/v1/ingest`}`;
  const token = q.get('token') ?? '';
  let clusterId = q.get('cluster') || undefined;
  const clusterName = q.get('cluster_name') || undefined;
  if (!clusterId && context.kube) {
    try {
      clusterId = await kubeSystemUid(context.kube);
    } catch (error) {
      throw configError(
        spec,
        'cluster',
        `unset, and the kube-system namespace UID could not be read (${(error as Error).message}); set cluster=ID`,
      );
    }
  }
  const cluster: ClusterIdentity = { id: clusterId, name: clusterName ?? clusterId };
  const timeoutMs = q.get('timeout') ? Number(q.get('timeout')) : 30_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw configError(spec, 'timeout', 'must be milliseconds > 0');
  const maxBatch = q.get('max_batch') ? Number(q.get('max_batch')) : 500;
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 10_000) throw configError(spec, 'max_batch', 'must be 1..10000');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return {
    name: spec.name,
    limits: { maxBatch },
    filter: filterFromQuery(spec.name, q),
    async send(batch, signal) {
      const body = JSON.stringify({ events: batch.map((e) => eventCenterPayload(e, cluster)) });
      const {
        status,
        text,
        headers: replyHeaders,
      } = await postForText(url, {
        headers,
        body,
        timeoutMs,
        signal,
        sink: spec.name,
        describe: (error) => ({ message: `request to the event center failed: ${error.message}`, cause: error }),
      });
      if (status >= 200 && status < 300) return;
      const retryAfter = Number(replyHeaders['retry-after']);
      throw new SinkError(spec.name, `HTTP ${status}: ${text.slice(0, 200)}`, {
        retryable: status === 408 || status === 429 || status >= 500,
        rateLimited: status === 429,
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
        code: 'ERR_SINK_HTTP',
      });
    },
    async close() {},
  };
}

createEventCenterSink satisfies SinkFactory;
