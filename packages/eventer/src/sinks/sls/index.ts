import { deflateSync } from 'node:zlib';
import { ConfigError, goBoolOption, parseConfig } from '@ack-npd/core';
import { z } from 'zod';
import { SinkError } from '../../errors.ts';
import { eventAction } from '../../normalize.ts';
import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../../types.ts';
import { chunkBySize, sendInRequests } from '../chunk.ts';
import { postForText } from '../post.ts';
import { requireCredentials } from './credentials.ts';
import { goEventJson } from './event-json.ts';
import { lz4CompressBlock } from './lz4.ts';
import { encodedLogSize, encodeLog, encodeLogGroupFromEncoded, type SlsLog } from './protobuf.ts';
import { httpDate, slsContentMd5, slsSignature, slsStringToSign } from './signature.ts';

/**
 * Alibaba Cloud Log Service (SLS), as kube-eventer's `sls` sink:
 * `sls:https://sls.aliyuncs.com?project=P&logStore=L&topic=T&regionId=R&internal=true&label=key,value`.
 * One log per event with kube-eventer's fields (`eventId` = the Event as indented JSON,
 * `hostname`, `level`, `pod_id`/`pod_name`, labels), written with PutLogs.
 *
 * The client is written here on purpose, not on npm `@alicloud/log`: that package sends
 * uncompressed protobuf only, never checks the HTTP status (a 502 page is "success"), and
 * has no types; PutLogs is one signed POST of a protobuf body, which is small to get right
 * and is checked against the official Python SDK in the test kit.
 */

export const SLS_API_VERSION = '0.6.0';
/** Safe per-request bounds (docs: 10 MB raw now, SDKs and older docs 5 MB / 3 MB and 4096 logs). */
export const SLS_MAX_LOGS = 4096;
export const SLS_MAX_RAW_BYTES = 3 * 1024 * 1024;

const schema = z.object({
  project: z.string({ error: 'project is required' }).min(1, 'project is required'),
  logStore: z.string({ error: 'logStore is required' }).min(1, 'logStore is required'),
  topic: z.string().default(''),
  source: z.string().default(''),
  regionId: z.string().optional(),
  internal: goBoolOption('internal'),
  endpoint: z.string().optional(),
  accessKeyId: z.string().optional(),
  accessKeySecret: z.string().optional(),
  akSecretDir: z.string().optional(),
  tokenConfig: z.string().optional(),
  label: z.array(
    z.string().transform((value, ctx) => {
      const parts = value.split(',');
      if (parts.length !== 2 || parts[0] === '') {
        ctx.addIssue({ code: 'custom', message: `label must be "key,value", got ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return [parts[0] as string, parts[1] as string] as const;
    }),
  ),
  compress: z.enum(['lz4', 'deflate', 'none'], { error: 'compress must be lz4, deflate or none' }).default('lz4'),
  maxLogs: z.coerce.number().int().min(1).max(SLS_MAX_LOGS).default(SLS_MAX_LOGS),
  maxBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(SLS_MAX_RAW_BYTES),
  timeout_ms: z.coerce.number().int().positive('timeout_ms must be a positive integer').default(30_000),
});

export interface SlsOptions {
  readonly project: string;
  readonly logStore: string;
  readonly topic: string;
  readonly source: string;
  /** Where requests go, e.g. `https://cn-hangzhou-intranet.log.aliyuncs.com` or `http://127.0.0.1:8080`. */
  readonly endpoint: URL;
  readonly labels: readonly (readonly [string, string])[];
  readonly compress: 'lz4' | 'deflate' | 'none';
  readonly maxLogs: number;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly accessKeyId: string | undefined;
  readonly accessKeySecret: string | undefined;
  readonly akSecretDir: string | undefined;
  readonly tokenConfig: string | undefined;
}

/**
 * Reads the sls URI. The URI's host is ignored (kube-eventer semantics); the endpoint is the
 * `endpoint` option, else env `SLS_ENDPOINT`, else `{region}[-intranet].log.aliyuncs.com`
 * with the region from `regionId`, else env `RegionId` / `ALIBABA_CLOUD_REGION_ID`.
 */
export function parseSlsOptions(spec: SinkSpec, env: NodeJS.ProcessEnv): SlsOptions {
  const q = spec.query;
  const one = (name: string) => q.get(name) ?? undefined;
  const source = `--sink=${spec.key}`;
  const parsed = parseConfig(
    schema,
    {
      project: one('project'),
      logStore: one('logStore'),
      topic: one('topic'),
      source: one('source'),
      regionId: one('regionId'),
      internal: one('internal'),
      endpoint: one('endpoint'),
      accessKeyId: one('accessKeyId'),
      accessKeySecret: one('accessKeySecret'),
      akSecretDir: one('akSecretDir'),
      tokenConfig: one('tokenConfig'),
      label: q.getAll('label'),
      compress: one('compress'),
      maxLogs: one('maxLogs'),
      maxBytes: one('maxBytes'),
      timeout_ms: one('timeout_ms'),
    },
    source,
  );
  const internal = parsed.internal ?? true;
  const region = parsed.regionId || env.RegionId || env.ALIBABA_CLOUD_REGION_ID;
  let endpointText = parsed.endpoint ?? env.SLS_ENDPOINT;
  if (!endpointText) {
    if (!region) {
      throw new ConfigError(source, [
        { path: 'regionId', message: 'regionId is required (or env RegionId, SLS_ENDPOINT, or the endpoint option)' },
      ]);
    }
    endpointText = `${region}${internal ? '-intranet' : ''}.log.aliyuncs.com`;
  }
  let endpoint: URL;
  try {
    endpoint = new URL(/^[a-z]+:\/\//i.test(endpointText) ? endpointText : `https://${endpointText}`);
  } catch {
    throw new ConfigError(source, [{ path: 'endpoint', message: 'endpoint must be a host name or an http(s) URL' }]);
  }
  return {
    project: parsed.project,
    logStore: parsed.logStore,
    topic: parsed.topic,
    source: parsed.source,
    endpoint,
    labels: parsed.label,
    compress: parsed.compress,
    maxLogs: parsed.maxLogs,
    maxBytes: parsed.maxBytes,
    timeoutMs: parsed.timeout_ms,
    accessKeyId: parsed.accessKeyId,
    accessKeySecret: parsed.accessKeySecret,
    akSecretDir: parsed.akSecretDir,
    tokenConfig: parsed.tokenConfig,
  };
}

/** One event as kube-eventer's SLS sink writes it. */
export function eventToSlsLog(event: KubeEvent, labels: readonly (readonly [string, string])[]): SlsLog {
  const contents: [string, string][] = [
    ['eventId', goEventJson(event.raw, ' ')],
    ['hostname', event.source.host],
    ['level', event.type],
  ];
  if (event.involvedObject.kind === 'Pod') {
    contents.push(['pod_id', event.involvedObject.uid], ['pod_name', event.involvedObject.name]);
  }
  // Ours (kube-eventer has only the count inside eventId): the count and create|update.
  contents.push(['count', String(event.count)], ['action', eventAction(event)]);
  for (const [key, value] of labels) contents.push([key, value]);
  return { time: Math.floor(event.timestamp / 1000), contents };
}

/** Splits encoded logs into PutLogs requests within the count and raw-size bounds. */
export function splitLogs(logs: readonly Uint8Array[], maxLogs: number, maxBytes: number): Uint8Array[][] {
  return chunkBySize(logs, { maxCount: maxLogs, maxBytes, sizeOf: encodedLogSize });
}

const QUOTA_CODES = new Set(['WriteQuotaExceed', 'ShardWriteQuotaExceed', 'ExceedQuota', 'ProjectQuotaExceed']);
const AUTH_CODES = new Set([
  'Unauthorized',
  'SignatureNotMatch',
  'InvalidAccessKeyId',
  'SecurityToken.Expired',
  'SecurityTokenExpired',
  'InvalidSecurityToken',
]);

/** Maps a PutLogs failure to a SinkError per the Log Service error codes. */
export function slsError(
  sink: string,
  status: number,
  errorCode: string | undefined,
  errorMessage: string | undefined,
  requestId: string | undefined,
  credentialsRefreshable: boolean,
): SinkError {
  const what = `PutLogs failed: HTTP ${status}${errorCode ? ` ${errorCode}` : ''}${errorMessage ? `: ${errorMessage}` : ''}${requestId ? ` (request ${requestId})` : ''}`;
  if ((errorCode && QUOTA_CODES.has(errorCode)) || status === 429) {
    return new SinkError(sink, what, { retryable: true, rateLimited: true, retryAfterMs: 1000, code: 'ERR_SINK_RATE_LIMITED' });
  }
  if (status >= 500 || errorCode === 'ServerBusy' || errorCode === 'InternalServerError' || errorCode === 'RequestTimeout') {
    return new SinkError(sink, what, { retryable: true });
  }
  if (status === 401 || (errorCode && AUTH_CODES.has(errorCode))) {
    return new SinkError(sink, what, { retryable: credentialsRefreshable, code: 'ERR_SINK_AUTH' });
  }
  return new SinkError(sink, what, { retryable: false, code: 'ERR_SINK_REJECTED' });
}

export const createSlsSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseSlsOptions(spec, context.env);
  const credentials = requireCredentials(spec, options, context);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  logger.info(
    { endpoint: options.endpoint.host, project: options.project, logStore: options.logStore, credentials: credentials.kind },
    'sls sink configured',
  );
  const path = `/logstores/${encodeURIComponent(options.logStore)}/shards/lb`;
  const isIp = /^(\d{1,3}\.){3}\d{1,3}$|^\[|^localhost$/.test(options.endpoint.hostname);
  // Host is always {project}.{endpoint}; an IP endpoint (tests, private links) is dialled directly.
  const hostHeader = `${options.project}.${options.endpoint.host}`;
  const url = isIp ? `${options.endpoint.origin}${path}` : `${options.endpoint.protocol}//${hostHeader}${path}`;

  async function putLogs(logs: readonly Uint8Array[], signal: AbortSignal): Promise<void> {
    const raw = encodeLogGroupFromEncoded(logs, { topic: options.topic, source: options.source });
    const body = options.compress === 'lz4' ? lz4CompressBlock(raw) : options.compress === 'deflate' ? deflateSync(raw) : raw;
    const creds = await credentials.get().catch((error: unknown) => {
      throw new SinkError(spec.name, `cannot read ${credentials.kind} credentials`, { retryable: true, cause: error });
    });
    const headers: Record<string, string> = {
      'x-log-apiversion': SLS_API_VERSION,
      'x-log-bodyrawsize': String(raw.length),
      'x-log-signaturemethod': 'hmac-sha1',
    };
    if (options.compress !== 'none') headers['x-log-compresstype'] = options.compress;
    if (creds.securityToken) headers['x-acs-security-token'] = creds.securityToken;
    const contentMd5 = slsContentMd5(body);
    const contentType = 'application/x-protobuf';
    const date = httpDate(context.clock.now());
    const signature = slsSignature(
      creds.accessKeySecret,
      slsStringToSign({ method: 'POST', contentMd5, contentType, date, headers, path }),
    );
    const response = await postForText(url, {
      headers: {
        ...headers,
        host: hostHeader,
        date,
        'content-type': contentType,
        'content-md5': contentMd5,
        'content-length': String(body.length),
        authorization: `LOG ${creds.accessKeyId}:${signature}`,
        'user-agent': 'ack-npd-eventer',
      },
      body,
      timeoutMs: options.timeoutMs,
      signal,
      sink: spec.name,
      describe: (error) => ({ message: `PutLogs request failed: ${error.message}`, cause: error }),
    });
    const { status, text } = response;
    const rid = response.headers['x-log-requestid'];
    const requestId = Array.isArray(rid) ? rid[0] : rid;
    if (status === 200) return;
    let reply: { errorCode?: string; errorMessage?: string } = {};
    try {
      reply = JSON.parse(text) as typeof reply;
    } catch {
      // A proxy's HTML page: the status decides.
    }
    const failure = slsError(spec.name, status, reply.errorCode, reply.errorMessage, requestId, credentials.refreshable);
    if (failure.code === 'ERR_SINK_AUTH') credentials.invalidate();
    logger.warn({ status, errorCode: reply.errorCode, requestId }, 'sls refused PutLogs');
    throw failure;
  }

  return {
    name: spec.name,
    limits: { maxBatch: options.maxLogs },
    // A batch over one request's limits goes out in several; a retry skips those accepted.
    send: sendInRequests({
      encode: (event) => encodeLog(eventToSlsLog(event, options.labels)),
      split: (encoded) => splitLogs(encoded, options.maxLogs, options.maxBytes),
      send: putLogs,
    }),
    async close() {},
  };
};
