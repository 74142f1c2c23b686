import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-peer.ts';

/**
 * The Log Service management API the event center's `provision-sls` uses, as the real service
 * answers it: projects, logstores, indexes, saved searches, dashboards and alert jobs. Bodies
 * are validated for the fields Log Service requires (a missing one is a 400 ParameterInvalid),
 * existing names are `...AlreadyExist`, missing ones `...NotExist`. Authentication is the
 * caller's (sls-server.ts verifies the signature before calling this).
 */

export interface SlsLogstoreState {
  readonly logstoreName: string;
  readonly ttl: number;
  readonly shardCount: number;
  index?: Record<string, unknown>;
}

export interface SlsProjectState {
  readonly projectName: string;
  readonly description: string;
  readonly logstores: Map<string, SlsLogstoreState>;
  readonly savedsearches: Map<string, Record<string, unknown>>;
  readonly dashboards: Map<string, Record<string, unknown>>;
  readonly jobs: Map<string, Record<string, unknown>>;
}

export function newProject(projectName: string, description = '', logstores: readonly string[] = []): SlsProjectState {
  return {
    projectName,
    description,
    logstores: new Map(logstores.map((name) => [name, { logstoreName: name, ttl: 30, shardCount: 2 }])),
    savedsearches: new Map(),
    dashboards: new Map(),
    jobs: new Map(),
  };
}

/** `{project}.{endpoint}` → project; the bare endpoint (an IP, localhost, or one label) → ''. */
export function projectOfHost(host: string): string {
  const hostname = host.replace(/:\d+$/, '');
  if (/^(\d{1,3}\.){3}\d{1,3}$/.test(hostname) || hostname === 'localhost' || !hostname.includes('.')) return '';
  return hostname.split('.')[0] ?? '';
}

type Fail = (status: number, code: string, message: string) => void;

const INDEX_TYPES = new Set(['text', 'long', 'double', 'json']);
const PROJECT_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const RESOURCE_NAME = /^[a-z0-9][a-z0-9_-]{1,126}[a-z0-9]$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkIndex(index: unknown): string | undefined {
  if (!isObject(index)) return 'index must be an object';
  if (index.line === undefined && index.keys === undefined) return 'index needs line or keys';
  if (index.keys !== undefined) {
    if (!isObject(index.keys)) return 'keys must be an object';
    for (const [name, key] of Object.entries(index.keys)) {
      if (!isObject(key) || !INDEX_TYPES.has(String(key.type))) return `keys.${name}.type must be text, long, double or json`;
      if (key.type === 'text' && !Array.isArray(key.token)) return `keys.${name}.token is required for text`;
      if (key.type === 'json' && key.json_keys !== undefined && !isObject(key.json_keys)) return `keys.${name}.json_keys must be an object`;
    }
  }
  return undefined;
}

function checkEntity(kind: 'savedsearch' | 'dashboard' | 'job', body: Record<string, unknown>): string | undefined {
  if (kind === 'savedsearch') {
    for (const field of ['savedsearchName', 'searchQuery', 'logstore'])
      if (typeof body[field] !== 'string' || body[field] === '') return `${field} is required`;
    if (!RESOURCE_NAME.test(String(body.savedsearchName))) return 'savedsearchName is invalid';
  } else if (kind === 'dashboard') {
    if (typeof body.dashboardName !== 'string' || !RESOURCE_NAME.test(body.dashboardName)) return 'dashboardName is invalid';
    if (!Array.isArray(body.charts)) return 'charts must be an array';
    for (const chart of body.charts) {
      if (!isObject(chart) || typeof chart.title !== 'string' || !isObject(chart.search) || typeof chart.search.query !== 'string') {
        return 'every chart needs title and search.query';
      }
    }
  } else {
    if (typeof body.name !== 'string' || !RESOURCE_NAME.test(body.name)) return 'name is invalid';
    if (body.type !== 'Alert') return 'type must be Alert';
    if (!isObject(body.schedule) || typeof body.schedule.type !== 'string') return 'schedule.type is required';
    const configuration = body.configuration;
    if (!isObject(configuration) || !Array.isArray(configuration.queryList) || configuration.queryList.length === 0) {
      return 'configuration.queryList is required';
    }
    for (const query of configuration.queryList) {
      if (!isObject(query) || typeof query.store !== 'string' || typeof query.query !== 'string')
        return 'every query needs store and query';
    }
    if (!Array.isArray(configuration.severityConfigurations) || configuration.severityConfigurations.length === 0) {
      return 'configuration.severityConfigurations is required';
    }
  }
  return undefined;
}

const ENTITIES = {
  savedsearches: { kind: 'savedsearch', key: 'savedsearchName', label: 'SavedSearch', store: 'savedsearches' },
  dashboards: { kind: 'dashboard', key: 'dashboardName', label: 'Dashboard', store: 'dashboards' },
  jobs: { kind: 'job', key: 'name', label: 'Job', store: 'jobs' },
} as const;

/** Handles one management request; returns false when the path is not a management call. */
export function handleSlsAdmin(
  projects: Map<string, SlsProjectState>,
  request: IncomingMessage,
  url: URL,
  host: string,
  body: Buffer,
  response: ServerResponse,
  fail: Fail,
  requestId: string,
): boolean {
  const method = request.method ?? 'GET';
  const path = url.pathname;
  const refuse = (status: number, code: string, message: string): true => {
    fail(status, code, message);
    return true;
  };
  const ok = (status: number, payload?: unknown) => {
    if (payload === undefined) {
      response.writeHead(status, { 'x-log-requestid': requestId, 'content-length': '0' });
      response.end();
    } else sendJson(response, status, payload, { 'x-log-requestid': requestId });
  };
  const projectName = projectOfHost(host);
  const createProject = path === '/' && method === 'POST' && projectName === '';
  const isAdmin =
    createProject ||
    path === '/' ||
    path === '/logstores' ||
    /^\/logstores\/[^/]+(\/index)?$/.test(path) ||
    /^\/(savedsearches|dashboards|jobs)(\/[^/]+)?$/.test(path);
  // POST /logstores/{name} is PutLogs, not a management call.
  if (!isAdmin || (method === 'POST' && /^\/logstores\/[^/]+$/.test(path))) return false;
  let json: unknown;
  if (body.length > 0) {
    if (!/^application\/json/.test(request.headers['content-type'] ?? '')) {
      fail(400, 'InvalidContentType', 'Content-Type must be application/json');
      return true;
    }
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      fail(400, 'PostBodyInvalid', 'body is not valid JSON');
      return true;
    }
  }
  // CreateProject goes to the bare endpoint (no project in the host).
  if (createProject) {
    const name = isObject(json) ? String(json.projectName ?? '') : '';
    if (!PROJECT_NAME.test(name)) return refuse(400, 'ParameterInvalid', 'projectName is invalid');
    if (projects.has(name)) return refuse(400, 'ProjectAlreadyExist', `Project ${name} already exist`);
    projects.set(name, newProject(name, isObject(json) ? String(json.description ?? '') : ''));
    ok(200);
    return true;
  }
  const project = projects.get(projectName);
  if (!project) return refuse(404, 'ProjectNotExist', `Project ${projectName} does not exist`);

  if (path === '/') {
    if (method !== 'GET') return refuse(405, 'MethodNotAllowed', `${method} /`);
    ok(200, {
      projectName: project.projectName,
      description: project.description,
      status: 'Normal',
      region: 'cn-local',
      owner: '1234567890',
      createTime: '2024-01-01 00:00:00',
      lastModifyTime: '2024-01-01 00:00:00',
      resourceGroupId: '',
      dataRedundancyType: 'LRS',
    });
    return true;
  }
  if (path === '/logstores') {
    if (method === 'GET') {
      const names = [...project.logstores.keys()];
      ok(200, { count: names.length, total: names.length, logstores: names });
      return true;
    }
    if (method !== 'POST') return refuse(405, 'MethodNotAllowed', `${method} ${path}`);
    const b = isObject(json) ? json : {};
    const name = String(b.logstoreName ?? '');
    if (!RESOURCE_NAME.test(name)) return refuse(400, 'ParameterInvalid', 'logstoreName is invalid');
    if (!Number.isInteger(b.ttl) || (b.ttl as number) < 1 || (b.ttl as number) > 3650)
      return refuse(400, 'ParameterInvalid', 'ttl must be 1..3650');
    if (!Number.isInteger(b.shardCount) || (b.shardCount as number) < 1) return refuse(400, 'ParameterInvalid', 'shardCount must be > 0');
    if (project.logstores.has(name)) return refuse(400, 'LogStoreAlreadyExist', `logstore ${name} already exists`);
    project.logstores.set(name, { logstoreName: name, ttl: b.ttl as number, shardCount: b.shardCount as number });
    ok(200);
    return true;
  }
  const logstoreMatch = /^\/logstores\/([^/]+)(\/index)?$/.exec(path);
  if (logstoreMatch) {
    const logstore = project.logstores.get(decodeURIComponent(logstoreMatch[1] as string));
    if (!logstore) return refuse(404, 'LogStoreNotExist', `logstore ${logstoreMatch[1]} does not exist`);
    if (!logstoreMatch[2]) {
      if (method !== 'GET') return refuse(405, 'MethodNotAllowed', `${method} ${path}`);
      ok(200, {
        logstoreName: logstore.logstoreName,
        ttl: logstore.ttl,
        shardCount: logstore.shardCount,
        enable_tracking: false,
        appendMeta: false,
        autoSplit: true,
        maxSplitShard: 64,
        mode: 'standard',
        createTime: 1_700_000_000,
        lastModifyTime: 1_700_000_000,
      });
      return true;
    }
    if (method === 'GET') {
      if (!logstore.index) return refuse(404, 'IndexConfigNotExist', 'index config does not exist');
      ok(200, { ...logstore.index, index_mode: 'v2', lastModifyTime: 0 });
      return true;
    }
    if (method === 'POST' || method === 'PUT') {
      const problem = checkIndex(json);
      if (problem) return refuse(400, 'ParameterInvalid', problem);
      if (method === 'POST' && logstore.index) return refuse(400, 'IndexAlreadyExist', 'index already exists');
      if (method === 'PUT' && !logstore.index) return refuse(404, 'IndexConfigNotExist', 'index config does not exist');
      logstore.index = json as Record<string, unknown>;
      ok(200);
      return true;
    }
    return refuse(405, 'MethodNotAllowed', `${method} ${path}`);
  }
  const entityMatch = /^\/(savedsearches|dashboards|jobs)(?:\/([^/]+))?$/.exec(path);
  if (entityMatch) {
    const entity = ENTITIES[entityMatch[1] as keyof typeof ENTITIES];
    const store = project[entity.store];
    const name = entityMatch[2] ? decodeURIComponent(entityMatch[2]) : undefined;
    if (name === undefined) {
      if (method === 'GET') {
        const items = [...store.values()];
        ok(200, { count: items.length, total: items.length, [entity.store]: items.map((i) => i[entity.key]), results: items });
        return true;
      }
      if (method !== 'POST') return refuse(405, 'MethodNotAllowed', `${method} ${path}`);
      const b = isObject(json) ? json : {};
      const problem = checkEntity(entity.kind, b);
      if (problem) return refuse(400, 'ParameterInvalid', problem);
      const key = String(b[entity.key]);
      if (store.has(key)) return refuse(400, `${entity.label}AlreadyExist`, `${entity.kind} ${key} already exists`);
      store.set(key, b);
      ok(200);
      return true;
    }
    const existing = store.get(name);
    if (method === 'GET') {
      if (!existing) return refuse(404, `${entity.label}NotExist`, `${entity.kind} ${name} does not exist`);
      ok(200, existing);
      return true;
    }
    if (method === 'PUT') {
      if (!existing) return refuse(404, `${entity.label}NotExist`, `${entity.kind} ${name} does not exist`);
      const b = isObject(json) ? json : {};
      const problem = checkEntity(entity.kind, b) ?? (b[entity.key] !== name ? `${entity.key} must equal the name in the path` : undefined);
      if (problem) return refuse(400, 'ParameterInvalid', problem);
      store.set(name, b);
      ok(200);
      return true;
    }
    if (method === 'DELETE') {
      if (!store.delete(name)) return refuse(404, `${entity.label}NotExist`, `${entity.kind} ${name} does not exist`);
      ok(200);
      return true;
    }
    return refuse(405, 'MethodNotAllowed', `${method} ${path}`);
  }
  return false;
}
