import { type SlsAdmin, SlsApiError } from './client.ts';
import { indexConfig, slsObjects } from './spec.ts';

export interface ProvisionOptions {
  readonly project: string;
  readonly logstore: string;
  readonly ttlDays: number;
  readonly shardCount: number;
  readonly description?: string;
}

export interface ProvisionStep {
  readonly object: string;
  readonly action: 'created' | 'updated' | 'unchanged';
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Whether `current` already holds every field of `desired` with the same value (extra server fields ignored). */
export function covers(current: Record<string, unknown>, desired: Record<string, unknown>): boolean {
  return Object.entries(desired).every(([k, v]) => canonical(current[k]) === canonical(v));
}

async function missing<T>(call: () => Promise<T>, notFound: string): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof SlsApiError && error.code === notFound) return undefined;
    throw error;
  }
}

/**
 * What ACK's set-up does for the SLS event center, idempotently: the project, the `k8s-event`
 * logstore, its index for the fields the eventer writes, saved searches, a dashboard and alert
 * jobs for the center's templates. Creates what is missing, updates what differs, leaves the
 * rest (a second run reports every object unchanged).
 */
export async function provisionSls(admin: SlsAdmin, options: ProvisionOptions): Promise<ProvisionStep[]> {
  const steps: ProvisionStep[] = [];
  const { project, logstore } = options;
  if (!(await missing(() => admin.getProject(), 'ProjectNotExist'))) {
    await admin.createProject(options.description ?? 'Kubernetes events (ack-npd event center)');
    steps.push({ object: `project ${project}`, action: 'created' });
  } else steps.push({ object: `project ${project}`, action: 'unchanged' });
  if (!(await missing(() => admin.getLogStore(logstore), 'LogStoreNotExist'))) {
    await admin.createLogStore(logstore, options.ttlDays, options.shardCount);
    steps.push({ object: `logstore ${logstore}`, action: 'created' });
  } else steps.push({ object: `logstore ${logstore}`, action: 'unchanged' });
  const index = indexConfig();
  const current = await missing(() => admin.getIndex(logstore), 'IndexConfigNotExist');
  if (!current) {
    await admin.createIndex(logstore, index);
    steps.push({ object: `index ${logstore}`, action: 'created' });
  } else if (!covers(current, index)) {
    await admin.updateIndex(logstore, index);
    steps.push({ object: `index ${logstore}`, action: 'updated' });
  } else steps.push({ object: `index ${logstore}`, action: 'unchanged' });
  const objects = slsObjects(project, logstore);
  const entities: [string, string, string, Record<string, unknown>][] = [
    ...objects.savedsearches.map(
      (s) => ['savedsearches', 'SavedSearchNotExist', String(s.savedsearchName), s] as [string, string, string, Record<string, unknown>],
    ),
    ['dashboards', 'DashboardNotExist', String(objects.dashboard.dashboardName), objects.dashboard],
    ...objects.jobs.map((j) => ['jobs', 'JobNotExist', String(j.name), j] as [string, string, string, Record<string, unknown>]),
  ];
  for (const [kind, notFound, name, body] of entities) {
    const label = `${kind.replace(/es$|s$/, '')} ${name}`;
    const existing = await missing(() => admin.getEntity(kind, name), notFound);
    if (!existing) {
      await admin.createEntity(kind, body);
      steps.push({ object: label, action: 'created' });
    } else if (!covers(existing, body)) {
      await admin.updateEntity(kind, name, body);
      steps.push({ object: label, action: 'updated' });
    } else steps.push({ object: label, action: 'unchanged' });
  }
  return steps;
}
