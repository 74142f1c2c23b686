import { createHmac } from 'node:crypto';

/**
 * EventBridge's own request signature (the official SDKs' `getStringToSign`):
 * `authorization: acs:{AccessKeyId}:base64(HMAC-SHA1(secret, S))`, S =
 * `METHOD\n{content-md5}\n{content-type}\n{date}\n` + every lower-case `x-acs-*` header,
 * sorted, as `name:value\n` (tabs/newlines in values turned to spaces, trimmed) + the path
 * (+ `?k=v&...` sorted, when there is a query).
 */
export interface EventBridgeSigningInput {
  readonly method: string;
  /** Lower-case header names, as the SDK keeps them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
}

export function eventBridgeStringToSign(input: EventBridgeSigningInput): string {
  const h = input.headers;
  const acs = Object.keys(h)
    .filter((name) => name.startsWith('x-acs-'))
    .sort()
    .map((name) => `${name}:${(h[name] ?? '').replace(/[\t\n\r\f]/g, ' ').trim()}\n`)
    .join('');
  const keys = Object.keys(input.query ?? {}).sort();
  const resource = keys.length === 0 ? input.path : `${input.path}?${keys.map((k) => `${k}=${input.query?.[k] ?? ''}`).join('&')}`;
  return `${input.method.toUpperCase()}\n${h['content-md5'] ?? ''}\n${h['content-type'] ?? ''}\n${h.date ?? ''}\n${acs}${resource}`;
}

export function eventBridgeSignature(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}
