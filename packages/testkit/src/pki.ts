import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  /** Serving certificate of the apiserver (127.0.0.1, localhost, kubernetes.default...). */
  readonly apiserver: CertPair;
  /** Client certificate in group system:masters. */
  readonly admin: CertPair;
  readonly controllerManager: CertPair;
  readonly scheduler: CertPair;
  /** RSA key that signs service account tokens, and its public half. */
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
}

export interface CertPair {
  readonly cert: string;
  readonly key: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', [...args]);
  } catch (error) {
    throw new Error(`openssl ${args[0]} failed (is openssl installed?): ${(error as { stderr?: string }).stderr ?? error}`, {
      cause: error,
    });
  }
}

/** A throwaway CA and the certificates a control plane needs, made with openssl (valid 2 days). */
export async function createPki(dir: string, serviceIp: string): Promise<Pki> {
  const path = (name: string): string => join(dir, name);
  await openssl([
    'req',
    '-x509',
    ...EC,
    '-days',
    '2',
    '-keyout',
    path('ca.key'),
    '-out',
    path('ca.crt'),
    '-subj',
    '/CN=ack-npd-test-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  const leaf = async (name: string, subject: string, usage: string, san?: string): Promise<CertPair> => {
    const ext = [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${usage}`,
      ...(san ? [`subjectAltName=${san}`] : []),
    ];
    await writeFile(path(`${name}.ext`), `${ext.join('\n')}\n`);
    await openssl(['req', '-new', ...EC, '-keyout', path(`${name}.key`), '-out', path(`${name}.csr`), '-subj', subject]);
    await openssl([
      'x509',
      '-req',
      '-in',
      path(`${name}.csr`),
      '-CA',
      path('ca.crt'),
      '-CAkey',
      path('ca.key'),
      // Certificates are signed concurrently: a serial file (-CAcreateserial) would race.
      '-set_serial',
      `0x${randomBytes(16)
        .toString('hex')
        .replace(/^[89a-f]/, '7')}`,
      '-days',
      '2',
      '-extfile',
      path(`${name}.ext`),
      '-out',
      path(`${name}.crt`),
    ]);
    return { cert: path(`${name}.crt`), key: path(`${name}.key`) };
  };
  const sans = [
    'IP:127.0.0.1',
    'DNS:localhost',
    `IP:${serviceIp}`,
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ].join(',');
  const [apiserver, admin, controllerManager, scheduler] = await Promise.all([
    leaf('apiserver', '/CN=kube-apiserver', 'serverAuth', sans),
    leaf('admin', '/O=system:masters/CN=ack-npd-admin', 'clientAuth'),
    leaf('kcm', '/CN=system:kube-controller-manager', 'clientAuth'),
    leaf('scheduler', '/CN=system:kube-scheduler', 'clientAuth'),
  ]);
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', path('sa.key')]);
  await openssl(['pkey', '-in', path('sa.key'), '-pubout', '-out', path('sa.pub')]);
  return {
    dir,
    caCert: path('ca.crt'),
    caKey: path('ca.key'),
    apiserver,
    admin,
    controllerManager,
    scheduler,
    serviceAccountKey: path('sa.key'),
    serviceAccountPub: path('sa.pub'),
  };
}
