import { createHash, createHmac } from 'node:crypto';

/**
 * Log Service request signature v1:
 * `Authorization: LOG <AccessKeyId>:base64(HMAC-SHA1(secret, S))`, S =
 * `VERB\n{Content-MD5}\n{Content-Type}\n{Date}\n{CanonicalizedLOGHeaders}{CanonicalizedResource}`.
 */

export interface SlsSigningInput {
  readonly method: string;
  /** Upper-case hex MD5 of the body sent ("" without a body). */
  readonly contentMd5: string;
  readonly contentType: string;
  readonly date: string;
  /** Request headers; those named x-log-* / x-acs-* are signed. */
  readonly headers: Readonly<Record<string, string>>;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
}

export function slsStringToSign(input: SlsSigningInput): string {
  const signed = Object.entries(input.headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim()] as const)
    .filter(([name]) => name.startsWith('x-log-') || name.startsWith('x-acs-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value}\n`)
    .join('');
  const query = Object.entries(input.query ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const resource = query.length === 0 ? input.path : `${input.path}?${query.map(([k, v]) => `${k}=${v}`).join('&')}`;
  return `${input.method}\n${input.contentMd5}\n${input.contentType}\n${input.date}\n${signed}${resource}`;
}

export function slsSignature(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

export function slsContentMd5(body: Uint8Array): string {
  return createHash('md5').update(body).digest('hex').toUpperCase();
}

/** RFC 1123 date in GMT, as the Date header wants it. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
