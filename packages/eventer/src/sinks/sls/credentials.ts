import { createDecipheriv } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, ConfigError } from '@ack-npd/core';
import { httpText } from '../http.ts';

/**
 * Alibaba Cloud credentials for the SLS and EventBridge sinks, from (first found wins):
 * 1. the sink URI's `accessKeyId` / `accessKeySecret` (kube-eventer's options);
 * 2. the environment: `ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET`
 *    (+ `ALIBABA_CLOUD_SECURITY_TOKEN`), `ACCESS_KEY_ID` / `ACCESS_KEY_SECRET`, and
 *    kube-eventer's `AccessKeyId` / `AccessKeySecret`;
 * 3. a mounted Secret directory (the external-cluster Secret `alibaba-addon-secret`, keys
 *    `access-key-id` / `access-key-secret`), re-read every minute so a rotation is picked up;
 * 4. ACK's STS token file (`/var/addon/token-config`: JSON with AES-CBC encrypted
 *    `access.key.id`, `access.key.secret`, `security.token`, the `keyring` and an
 *    `expiration`), re-read 10 minutes before it expires (kube-eventer's rule);
 * 5. the ECS instance's RAM role from the metadata service (kube-eventer's last resort),
 *    refreshed 10 minutes before expiry; `ALIBABA_CLOUD_ECS_METADATA` names the role,
 *    `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` turns this source off.
 * Secrets are held only here and never logged.
 */

export interface Credentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** Set for STS credentials: sent as `x-acs-security-token`. */
  readonly securityToken?: string;
  /** Epoch ms after which STS credentials are no longer valid. */
  readonly expiresAt?: number;
}

export interface CredentialsProvider {
  /** Where the credentials come from, for logs and errors (never the values). */
  readonly kind: 'uri' | 'env' | 'secret-dir' | 'token-config' | 'ecs-ram-role';
  /** Whether a signature failure can be fixed by re-reading (STS, rotated Secret). */
  readonly refreshable: boolean;
  get(): Promise<Credentials>;
  /** Forget the cached value (after a 401): the next get() re-reads. */
  invalidate(): void;
}

export const ACK_TOKEN_CONFIG = '/var/addon/token-config';
export const ECS_METADATA_ENDPOINT = 'http://100.100.100.200';
const REFRESH_BEFORE_EXPIRY_MS = 10 * 60_000;
const SECRET_DIR_RECHECK_MS = 60_000;

export interface CredentialSources {
  readonly accessKeyId?: string | undefined;
  readonly accessKeySecret?: string | undefined;
  /** Directory holding `access-key-id` / `access-key-secret` files. */
  readonly secretDir?: string | undefined;
  /** ACK token-config file; default /var/addon/token-config when it exists. */
  readonly tokenConfig?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly clock: Clock;
  /** The ECS metadata service (tests point it at a local peer). */
  readonly metadataEndpoint?: string | undefined;
}

/** Picks the first available source; undefined when there is none (the caller reports it). */
export function resolveCredentials(sources: CredentialSources): CredentialsProvider | undefined {
  const { env, clock } = sources;
  if (sources.accessKeyId && sources.accessKeySecret) {
    return staticProvider('uri', { accessKeyId: sources.accessKeyId, accessKeySecret: sources.accessKeySecret });
  }
  const pairs: [string | undefined, string | undefined, string | undefined][] = [
    [env.ALIBABA_CLOUD_ACCESS_KEY_ID, env.ALIBABA_CLOUD_ACCESS_KEY_SECRET, env.ALIBABA_CLOUD_SECURITY_TOKEN],
    [env.ACCESS_KEY_ID, env.ACCESS_KEY_SECRET, undefined],
    [env.AccessKeyId, env.AccessKeySecret, undefined],
  ];
  for (const [id, secret, token] of pairs) {
    if (id && secret) {
      return staticProvider('env', { accessKeyId: id, accessKeySecret: secret, ...(token ? { securityToken: token } : {}) });
    }
  }
  const secretDir = sources.secretDir ?? env.ALIBABA_ADDON_SECRET_DIR;
  if (secretDir) return secretDirProvider(secretDir, clock);
  const tokenConfig = sources.tokenConfig ?? env.ACK_TOKEN_CONFIG ?? (existsSync(ACK_TOKEN_CONFIG) ? ACK_TOKEN_CONFIG : undefined);
  if (tokenConfig) return tokenConfigProvider(tokenConfig, clock);
  if (/^(true|1)$/i.test(env.ALIBABA_CLOUD_ECS_METADATA_DISABLED ?? '')) return undefined;
  return ecsRamRoleProvider(sources.metadataEndpoint ?? ECS_METADATA_ENDPOINT, env.ALIBABA_CLOUD_ECS_METADATA, clock);
}

function staticProvider(kind: 'uri' | 'env', credentials: Credentials): CredentialsProvider {
  return { kind, refreshable: false, get: async () => credentials, invalidate() {} };
}

function secretDirProvider(dir: string, clock: Clock): CredentialsProvider {
  let cached: { value: Credentials; readAt: number } | undefined;
  return {
    kind: 'secret-dir',
    refreshable: true,
    async get() {
      if (cached && clock.now() - cached.readAt < SECRET_DIR_RECHECK_MS) return cached.value;
      const [id, secret] = await Promise.all([
        readFile(join(dir, 'access-key-id'), 'utf8'),
        readFile(join(dir, 'access-key-secret'), 'utf8'),
      ]);
      const value = { accessKeyId: id.trim(), accessKeySecret: secret.trim() };
      cached = { value, readAt: clock.now() };
      return value;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

interface TokenConfig {
  'access.key.id'?: string;
  'access.key.secret'?: string;
  'security.token'?: string;
  expiration?: string;
  keyring?: string;
}

/** Decrypts one token-config value: base64(IV || AES-CBC(PKCS#7)), key = the keyring's bytes. */
export function decryptTokenValue(value: string, keyring: string): string {
  const data = Buffer.from(value, 'base64');
  const key = Buffer.from(keyring, 'utf8');
  if (![16, 24, 32].includes(key.length)) throw new Error(`keyring must be 16, 24 or 32 bytes, not ${key.length}`);
  const decipher = createDecipheriv(`aes-${key.length * 8}-cbc`, key, data.subarray(0, 16));
  return Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]).toString('utf8');
}

export async function readTokenConfig(path: string): Promise<Credentials> {
  const config = JSON.parse(await readFile(path, 'utf8')) as TokenConfig;
  const keyring = config.keyring;
  if (!keyring || !config['access.key.id'] || !config['access.key.secret']) {
    throw new Error(`${path}: missing access.key.id, access.key.secret or keyring`);
  }
  const expiresAt = config.expiration ? Date.parse(config.expiration) : Number.NaN;
  const token = config['security.token'];
  return {
    accessKeyId: decryptTokenValue(config['access.key.id'], keyring),
    accessKeySecret: decryptTokenValue(config['access.key.secret'], keyring),
    ...(token ? { securityToken: decryptTokenValue(token, keyring) } : {}),
    ...(Number.isFinite(expiresAt) ? { expiresAt } : {}),
  };
}

function tokenConfigProvider(path: string, clock: Clock): CredentialsProvider {
  let cached: Credentials | undefined;
  return {
    kind: 'token-config',
    refreshable: true,
    async get() {
      if (cached && (cached.expiresAt === undefined || cached.expiresAt - REFRESH_BEFORE_EXPIRY_MS > clock.now())) {
        return cached;
      }
      cached = await readTokenConfig(path);
      return cached;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

interface RamRoleCredentials {
  Code?: string;
  AccessKeyId?: string;
  AccessKeySecret?: string;
  SecurityToken?: string;
  Expiration?: string;
}

async function getText(url: string): Promise<string> {
  const response = await httpText(url, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`ECS metadata answered HTTP ${response.status}`);
  return response.text;
}

function ecsRamRoleProvider(endpoint: string, roleName: string | undefined, clock: Clock): CredentialsProvider {
  let cached: Credentials | undefined;
  const base = `${endpoint.replace(/\/+$/, '')}/latest/meta-data/ram/security-credentials/`;
  return {
    kind: 'ecs-ram-role',
    refreshable: true,
    async get() {
      if (cached?.expiresAt !== undefined && cached.expiresAt - REFRESH_BEFORE_EXPIRY_MS > clock.now()) return cached;
      const role = roleName || (await getText(base)).split('\n')[0]?.trim();
      if (!role) throw new Error('the ECS instance has no RAM role');
      const body = JSON.parse(await getText(`${base}${encodeURIComponent(role)}`)) as RamRoleCredentials;
      if (body.Code !== 'Success' || !body.AccessKeyId || !body.AccessKeySecret || !body.SecurityToken) {
        throw new Error(`ECS metadata refused RAM role credentials: ${body.Code ?? 'no Code'}`);
      }
      const expiresAt = body.Expiration ? Date.parse(body.Expiration) : Number.NaN;
      cached = {
        accessKeyId: body.AccessKeyId,
        accessKeySecret: body.AccessKeySecret,
        securityToken: body.SecurityToken,
        expiresAt: Number.isFinite(expiresAt) ? expiresAt : clock.now() + REFRESH_BEFORE_EXPIRY_MS + 60_000,
      };
      return cached;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/** The credential options SLS and EventBridge share (URI keys, a mounted Secret dir, ACK's token file). */
export interface CredentialOptions {
  readonly accessKeyId: string | undefined;
  readonly accessKeySecret: string | undefined;
  readonly akSecretDir: string | undefined;
  readonly tokenConfig: string | undefined;
}

/** Resolves credentials for a sink at start-up, or fails with a ConfigError listing every source tried. */
export function requireCredentials(
  spec: { readonly key: string },
  options: CredentialOptions,
  context: { readonly env: NodeJS.ProcessEnv; readonly clock: Clock },
): CredentialsProvider {
  const resolved = resolveCredentials({
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    secretDir: options.akSecretDir,
    tokenConfig: options.tokenConfig,
    env: context.env,
    clock: context.clock,
    metadataEndpoint: context.env.ACK_NPD_ECS_METADATA_ENDPOINT,
  });
  if (!resolved) {
    throw new ConfigError(`--sink=${spec.key}`, [
      {
        path: 'accessKeyId',
        message:
          'no credentials: set accessKeyId/accessKeySecret, env ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET, akSecretDir, mount /var/addon/token-config, or allow the ECS RAM role (ALIBABA_CLOUD_ECS_METADATA_DISABLED is set)',
      },
    ]);
  }
  return resolved;
}
