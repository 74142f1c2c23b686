import { parseArgs } from 'node:util';
import { ConfigError, systemClock } from '@ack-npd/core';
import { requireCredentials } from '@ack-npd/eventer/sinks/sls/credentials';
import { createSlsAdmin, SlsApiError } from './client.ts';
import { provisionSls } from './provision.ts';

const HELP = `eventcenter provision-sls: create (if missing) the SLS event center for a cluster

Usage: eventcenter provision-sls --project=k8s-log-<cluster id> --region=cn-hangzhou [flags]

  --project=NAME          SLS project (ACK: k8s-log-<cluster id>)          $SLS_PROJECT
  --cluster-id=ID[,ID]    instead of --project: one project k8s-log-<ID> per cluster, as ACK keeps them
  --region=ID             region, endpoint {region}.log.aliyuncs.com         $RegionId
  --endpoint=HOST|URL     endpoint instead (e.g. cn-hangzhou-intranet.log.aliyuncs.com)  $SLS_ENDPOINT
  --logstore=k8s-event    logstore the eventer's sls sink writes
  --ttl=90                days the logstore keeps events
  --shards=2              shards of a new logstore
  --ak-secret-dir=DIR     mounted alibaba-addon-secret (files access-key-id, access-key-secret)
Credentials, first found: --ak-secret-dir, $ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET(/_SECURITY_TOKEN),
$ACCESS_KEY_ID/$ACCESS_KEY_SECRET, $ALIBABA_ADDON_SECRET_DIR, ACK's /var/addon/token-config, the ECS RAM role.
Creates the project, the logstore, its index, saved searches, a dashboard and alert jobs for the
event center's templates; updates what differs; a second run changes nothing.
`;

export async function provisionSlsMain(argv: readonly string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        project: { type: 'string' },
        'cluster-id': { type: 'string' },
        region: { type: 'string' },
        endpoint: { type: 'string' },
        logstore: { type: 'string', default: 'k8s-event' },
        ttl: { type: 'string', default: '90' },
        shards: { type: 'string', default: '2' },
        'ak-secret-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`eventcenter provision-sls: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const env = process.env;
  const issues: { path: string; message: string }[] = [];
  const clusterIds = String(values['cluster-id'] ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (clusterIds.length > 0 && values.project) issues.push({ path: '--cluster-id', message: 'give --cluster-id or --project, not both' });
  const projects = clusterIds.length > 0 ? clusterIds.map((id) => `k8s-log-${id}`) : [String(values.project ?? env.SLS_PROJECT ?? '')];
  for (const project of projects) {
    if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(project))
      issues.push({
        path: clusterIds.length > 0 ? '--cluster-id' : '--project',
        message: `"${project}": required: 3-63 lower-case letters, digits, hyphens (ACK: k8s-log-<cluster id>)`,
      });
  }
  const endpointText =
    (values.endpoint as string | undefined) ??
    env.SLS_ENDPOINT ??
    (values.region || env.RegionId ? `${values.region ?? env.RegionId}.log.aliyuncs.com` : '');
  let endpoint: URL | undefined;
  try {
    endpoint = endpointText ? new URL(/^https?:\/\//.test(endpointText) ? endpointText : `https://${endpointText}`) : undefined;
  } catch {
    endpoint = undefined;
  }
  if (!endpoint) issues.push({ path: '--region', message: 'give --region=cn-hangzhou or --endpoint=HOST' });
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 3650) issues.push({ path: '--ttl', message: 'days, 1..3650' });
  const shards = Number(values.shards);
  if (!Number.isInteger(shards) || shards < 1 || shards > 64) issues.push({ path: '--shards', message: '1..64' });
  let credentials: ReturnType<typeof requireCredentials> | undefined;
  try {
    if (issues.length > 0) throw new ConfigError('eventcenter provision-sls', issues);
    credentials = requireCredentials(
      { key: 'provision-sls' },
      {
        accessKeyId: undefined,
        accessKeySecret: undefined,
        akSecretDir: values['ak-secret-dir'] as string | undefined,
        tokenConfig: undefined,
      },
      { env, clock: systemClock },
    );
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`eventcenter provision-sls: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  for (const project of projects) {
    const admin = await createSlsAdmin({ endpoint: endpoint as URL, project, credentials });
    try {
      const steps = await provisionSls(admin, { project, logstore: String(values.logstore), ttlDays: ttl, shardCount: shards });
      for (const step of steps) process.stdout.write(`${step.action.padEnd(9)} ${step.object}\n`);
    } catch (error) {
      const message = error instanceof SlsApiError ? error.message : (error as Error).message;
      process.stderr.write(`eventcenter provision-sls: ${project}: ${message}\n`);
      return 1;
    }
  }
  return 0;
}
