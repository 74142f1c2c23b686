// The web UI in real Chromium (Debian's, driven by playwright-core) against events from the REAL
// control plane (testkit): a Deployment whose image cannot be pulled, a FailedScheduling, a taint
// eviction, a pod OOM kill (npd from a kmsg fixture) and an npd node condition, shipped by the
// real eventer into the real event center, whose server serves the built UI.
// Screenshots of each page go to $ACK_NPD_SCREENSHOTS_DIR when set (docs/eventcenter is made that way).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NPD_CLUSTER_ROLE } from '@ack-npd/npd/rbac';
import { type ClusterClient, type RunningPeer, sharedCluster, startPeer, waitFor } from '@ack-npd/testkit';
import { type Browser, launchChromium, offLoopback, type Page, recordRequests } from '@ack-npd/testkit/browser';
import type { V1Pod } from '@kubernetes/client-node';
import { type NodeProgram, NpdAgent, startCenter, startEventer } from './programs.ts';
import { EVICT_TAINT, evictedPod, kubeletEvent, oomVictim, unpullableDeployment, unschedulablePod } from './scenario.ts';
import { ensureUiBuilt } from './ui-dist.ts';

const work = mkdtempSync(join(tmpdir(), 'eventcenter-ui-'));
const shotsDir = process.env.ACK_NPD_SCREENSHOTS_DIR;
let cluster: ClusterClient;
let browser: Browser;
let page: Page;
let requests: string[] = [];
let center: { program: NodeProgram; url: string };
let eventer: NodeProgram;
let npd: NpdAgent;
let hook: RunningPeer;
const notifications: string[] = [];
let namespace = '';
let node = '';
let webPod: V1Pod;

const programs = () =>
  [center?.program, eventer, npd?.program]
    .filter(Boolean)
    .map((p) => p?.tail(1500))
    .join('\n');

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${center.url}/api/v1${path}`);
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return (await response.json()) as T;
}

/** Waits until the center has stored an event matching the query (as the API answers it). */
async function stored(query: string, timeoutMs = 90_000): Promise<void> {
  await waitFor(`the center to store ${query}`, async () => (await api<{ events: unknown[] }>(`/events?${query}`)).events.length > 0, {
    timeoutMs,
    describe: programs,
  });
}

/** Waits until the app rendered the current URL and every answer for it arrived (nothing aria-busy, nothing loading). */
async function settled(): Promise<void> {
  const hash = String(await page.evaluate('location.hash'));
  await page.locator(`main[data-route="${hash.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"]`).waitFor();
  await waitFor(
    `${hash} loaded`,
    async () => (await page.locator('[aria-busy="true"]').count()) === 0 && (await page.getByText('Loading…').count()) === 0,
    { timeoutMs: 30_000, intervalMs: 50 },
  );
}

async function open(hash: string): Promise<void> {
  await page.goto(`${center.url}/#/${hash}`);
  await settled();
}

async function reload(): Promise<void> {
  await page.reload();
  await settled();
}

async function shot(name: string): Promise<void> {
  if (!shotsDir) return;
  mkdirSync(shotsDir, { recursive: true });
  const file = join(work, `${name}.png`);
  await page.screenshot({ path: file });
  copyFileSync(file, join(shotsDir, `${name}.png`));
}

const texts = (selector: string) => page.locator(selector).allInnerTexts();

before(async () => {
  const [client, uiDir, chromium] = await Promise.all([sharedCluster(), ensureUiBuilt(), launchChromium()]);
  cluster = client;
  browser = chromium;
  namespace = await cluster.createNamespace('ecui');
  node = await cluster.createNode('ecui');
  hook = await startPeer((_request, body, response) => {
    notifications.push(body.toString('utf8'));
    response.writeHead(200).end('ok');
  });
  center = await startCenter({ dir: work, uiDir, kubeconfig: cluster.kubeconfigPath, notify: [`hook=webhook:${hook.url}/alerts`] });
  eventer = startEventer({ dir: work, kubeconfig: cluster.kubeconfigPath, namespaces: [namespace, 'default'], center: center.url });
  const npdKubeconfig = await cluster.serviceAccountWithClusterRole(namespace, 'npd', NPD_CLUSTER_ROLE.rules, [
    'list',
    'pods',
    '--all-namespaces',
  ]);
  npd = new NpdAgent({ dir: work, node, kubeconfig: npdKubeconfig });

  webPod = await unpullableDeployment(cluster, namespace, node);
  await unschedulablePod(cluster, namespace);
  const victim = await oomVictim(cluster, namespace, node);
  // npd reports its conditions once its checks and kmsg watch run: only then is the OOM kill read.
  await waitFor(
    'npd conditions on the node',
    async () => (await cluster.core.readNode({ name: node })).status?.conditions?.some((c) => c.type === 'FDPressure') ?? false,
    { timeoutMs: 60_000, describe: () => npd.program.tail() },
  );
  npd.oomKill(victim.metadata?.uid ?? '', randomBytes(32).toString('hex'));
  npd.raiseFdPressure();
  await evictedPod(cluster, namespace, node);

  await Promise.all([
    stored(`namespace=${namespace}&reason=Failed&q=${encodeURIComponent('"ImagePullBackOff"')}`),
    stored(`namespace=${namespace}&reason=FailedScheduling`),
    stored(`namespace=${namespace}&reason=PodOOMKilling`),
    stored(`namespace=${namespace}&reason=TaintManagerEviction`),
    stored(`kind=Node&name=${node}&reason=NodeHasFDPressure`),
  ]);
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  requests = recordRequests(page);
});

after(async () => {
  await browser?.close();
  await eventer?.stop();
  await npd?.program.stop();
  await center?.program.stop();
  await hook?.close();
  // The eviction taint would evict other tests' pods placed on this node later.
  if (node) await cluster.kubectl(['taint', 'node', node, `${EVICT_TAINT.key}-`]).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe('event center web UI in Chromium, events from the real control plane', { timeout: 300_000 }, () => {
  test('overview: counts over time and top reasons, namespaces and nodes', async () => {
    await open(`overview?range=15m&namespace=${namespace}`);
    await page.locator('svg[aria-label="events over time"] rect.bar').first().waitFor();
    assert.ok((await page.locator('svg rect.bar.Warning').count()) > 0, 'warning bars drawn');
    const reasons = await texts('table[aria-label="top warning reasons"] td.label');
    for (const reason of ['FailedScheduling', 'PodOOMKilling', 'Failed']) assert.ok(reasons.includes(reason), `${reason} in ${reasons}`);
    assert.deepEqual(await texts('table[aria-label="top namespaces"] td.label'), [namespace]);
    await open('overview?range=15m');
    await page.locator('table[aria-label="top nodes"]').waitFor();
    assert.ok((await texts('table[aria-label="top nodes"] td.label')).includes(node), 'the npd node among the nodes with warnings');
    await shot('overview');

    // A bar is a link to the search over its bucket.
    await page.locator('svg[aria-label="events over time"] a[href] rect.bar.Warning').first().click();
    await page.waitForURL(/#\/search\?from=[^&]+&to=/);
    await settled();
    assert.equal(await page.inputValue('select[aria-label="time range"]'), 'custom');
    assert.ok((await page.locator('table.events tbody tr').count()) > 0, 'the bucket has events');
  });

  test('search: filters and free text narrow the list, the URL keeps them, the detail shows the raw event', async () => {
    await open(`search?range=1h&namespace=${namespace}`);
    await page.locator('table.events tbody tr').first().waitFor();
    await page.fill('input[name="q"]', 'reason:FailedScheduling "insufficient cpu"');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/q=reason%3AFailedScheduling/);
    await settled();
    assert.deepEqual([...new Set(await texts('table.events td.reason'))], ['FailedScheduling']);
    assert.match((await texts('table.events td.object')).join(' '), /Pod\/.*\/too-big/);
    await shot('search');

    await reload();
    assert.equal(await page.inputValue('input[name="q"]'), 'reason:FailedScheduling "insufficient cpu"', 'reload restores the query');
    assert.deepEqual([...new Set(await texts('table.events td.reason'))], ['FailedScheduling']);

    await open(`search?range=1h&namespace=${namespace}&type=Warning`);
    await page.locator('table.events tbody tr').first().waitFor();
    assert.deepEqual([...new Set(await texts('table.events td .badge'))], ['Warning']);
    await open(`search?range=1h&namespace=${namespace}&q=${encodeURIComponent('-type:Warning')}`);
    await page.locator('table.events tbody tr').first().waitFor();
    assert.deepEqual([...new Set(await texts('table.events td .badge'))], ['Normal']);

    // A query the server refuses: its message next to the search box, the query kept for fixing.
    await page.fill('input[name="q"]', 'colour:red');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/q=colour%3Ared/);
    await settled();
    assert.match((await page.locator('[role="alert"]').textContent()) ?? '', /unknown field "colour"/);
    assert.equal(await page.inputValue('input[name="q"]'), 'colour:red');

    await open(`search?range=1h&namespace=${namespace}&reason=PodOOMKilling`);
    await page.locator('table.events tbody tr td.time a').first().click();
    await page.locator('[data-testid="raw-json"]').waitFor();
    const raw = JSON.parse((await page.locator('[data-testid="raw-json"]').textContent()) ?? '{}') as {
      reason?: string;
      involvedObject?: { name?: string };
    };
    assert.equal(raw.reason, 'PodOOMKilling');
    assert.equal(raw.involvedObject?.name, 'oom-victim');
    await shot('event');
  });

  test('pod lifecycle: the pod, its ReplicaSet and Deployment, in time order, with the phases', async () => {
    const pod = webPod.metadata?.name ?? '';
    await open(`pod?range=1h&namespace=${namespace}&name=${pod}`);
    await page.locator('ol.timeline li').first().waitFor();
    const rows: { who: string; reason: string; ts: number }[] = [];
    for (const li of await page.locator('ol.timeline li').all()) {
      const [who, reason, ts] = await Promise.all(['data-who', 'data-reason', 'data-ts'].map((a) => li.getAttribute(a)));
      rows.push({ who: who ?? '', reason: reason ?? '', ts: Number(ts) });
    }
    // The Deployment's and ReplicaSet's events may share a second (their timestamps' resolution):
    // the story's order is by time, each step no earlier than the one before.
    const step = (who: RegExp, reason: string) => rows.find((r) => who.test(r.who) && r.reason === reason);
    const podName = new RegExp(`^Pod/${pod}$`);
    const steps = [
      step(/^Deployment\/web$/, 'ScalingReplicaSet'),
      step(/^ReplicaSet\/web-/, 'SuccessfulCreate'),
      step(podName, 'Scheduled'),
      step(podName, 'Pulling'),
      step(podName, 'Failed'),
      step(podName, 'BackOff'),
    ];
    assert.ok(
      steps.every((s) => s !== undefined),
      `every step present: ${JSON.stringify(rows)}`,
    );
    const times = steps.map((s) => s?.ts ?? 0);
    assert.deepEqual(
      times,
      times.toSorted((a, b) => a - b),
      `steps in time order: ${JSON.stringify(rows)}`,
    );
    assert.ok((times[2] ?? 0) > (times[1] ?? 0), 'the pod is scheduled after its ReplicaSet created it');
    assert.deepEqual(
      rows.map((r) => r.ts),
      rows.map((r) => r.ts).toSorted((a, b) => a - b),
      'the timeline is in time order',
    );
    assert.match((await page.locator('dl.fields').textContent()) ?? '', /ReplicaSet\/web-\S+ → Deployment\/web/);
    assert.ok((await texts('ol.phases strong')).includes('Image pull failing'));
    await shot('pod-lifecycle');

    await open(`pod?range=1h&namespace=${namespace}&name=oom-victim`);
    await page.locator('ol.timeline li[data-reason="PodOOMKilling"]').waitFor();
    assert.ok((await texts('ol.phases strong')).includes('OOMKilled'));
    await open(`pod?range=1h&namespace=${namespace}&name=evict-me`);
    await page.locator('ol.timeline li[data-reason="TaintManagerEviction"]').waitFor();
  });

  test('node page: the npd condition history and the node events', async () => {
    await open('nodes?range=1h');
    await shot('nodes');
    await page.locator(`table[aria-label="nodes"] a:text-is("${node}")`).click();
    await page.waitForURL(new RegExp(`#/node/${node}`));
    await page.locator('[data-condition="FDPressure"]').first().waitFor();
    assert.equal(await page.locator('.conditions [data-condition="FDPressure"]').textContent(), 'FDPressure: True');
    assert.equal(
      await page.locator('table[aria-label="condition history"] tr[data-condition="FDPressure"][data-status="True"]').count(),
      1,
    );
    assert.ok((await texts('table.events td.reason')).includes('NodeHasFDPressure'));
    await shot('node');
  });

  test('alerts: a rule from a template fires into the webhook sink, resolves, and a silence suppresses it', async () => {
    const rule = `web image pull ${namespace}`;
    const pod = webPod.metadata?.name ?? '';
    const pullFailed = () =>
      kubeletEvent(
        cluster,
        webPod,
        node,
        'Warning',
        'Failed',
        'Failed to pull image "registry.invalid/shop/web:does-not-exist": not found',
      );
    await open('rules');
    await page.locator('ul[aria-label="templates"] a', { hasText: 'Image pull failure' }).click();
    await page.waitForURL(/#\/rule\/new\?template=image-pull-failure/);
    assert.match(await page.inputValue('input[name="query"]'), /reason:Failed,ErrImagePull,ImagePullBackOff/);
    await page.fill('input[name="name"]', rule);
    await page.fill('input[name="query"]', `${await page.inputValue('input[name="query"]')} namespace:${namespace}`);
    await page.fill('input[name="window"]', '15s');
    await page.fill('input[name="notifyOther"]', 'hook');
    await page.click('form.rule button[type="submit"]');
    await page.waitForURL(/#\/rules$/);
    const row = page.locator(`table[aria-label="rules"] tr[data-rule="${rule}"]`);
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /≥ 1 in 15s/);

    // Fires: a fresh pull failure on the pod.
    await pullFailed();
    await waitFor('the firing notification', () => notifications.some((n) => n.includes('AlertFiring') && n.includes(rule)), {
      timeoutMs: 60_000,
      describe: () => `notifications: ${JSON.stringify(notifications)}\n${programs()}`,
    });
    await open('history');
    await page.locator(`table[aria-label="alert history"] tr[data-rule="${rule}"][data-state="firing"]`).waitFor();
    assert.match(
      (await page.locator(`table[aria-label="alert history"] tr[data-rule="${rule}"]`).first().textContent()) ?? '',
      new RegExp(`name=${pod}`),
    );

    // Resolves: no matching event for a whole window.
    await waitFor('the resolved notification', () => notifications.some((n) => n.includes('AlertResolved') && n.includes(rule)), {
      timeoutMs: 90_000,
      describe: () => `notifications: ${JSON.stringify(notifications)}`,
    });
    await reload();
    await page.locator(`table[aria-label="alert history"] tr[data-rule="${rule}"][data-state="resolved"]`).waitFor();

    // A silence for the rule in this namespace: the next firing is recorded as silenced and not sent.
    await open('silences');
    await page.selectOption('form[aria-label="new silence"] select[name="ruleId"]', { label: rule });
    await page.fill('form[aria-label="new silence"] input[name="namespace"]', namespace);
    await page.fill('form[aria-label="new silence"] input[name="comment"]', 'registry maintenance');
    await page.click('form[aria-label="new silence"] button[type="submit"]');
    await page.locator('table[aria-label="silences"] tr[data-active="true"]', { hasText: 'registry maintenance' }).waitFor();
    await shot('silences');
    const sent = notifications.length;
    await pullFailed();
    let diagnosis = '';
    const diagnose = setInterval(() => {
      Promise.all(['/alerts', '/alert-history', '/silences', `/events?namespace=${namespace}&reason=Failed&from=-1m`].map((p) => api(p)))
        .then((answers) => {
          diagnosis = `${JSON.stringify(answers)}\n${programs()}`;
        })
        .catch((error: unknown) => {
          diagnosis = String(error);
        });
    }, 2000);
    await open('history');
    try {
      await waitFor(
        'a silenced firing in the history',
        async () => {
          await reload();
          return (await page.locator(`table[aria-label="alert history"] tr[data-rule="${rule}"][data-state="silenced"]`).count()) > 0;
        },
        { timeoutMs: 60_000, intervalMs: 1000, describe: () => diagnosis },
      );
    } finally {
      clearInterval(diagnose);
    }
    await page.locator(`table[aria-label="current alerts"] tr[data-rule="${rule}"][data-silenced="true"]`).waitFor();
    await shot('alert-history');
    // Several evaluations (every second) later, still nothing sent.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(notifications.length, sent, `nothing notified while silenced: ${JSON.stringify(notifications.slice(sent))}`);

    await open('rules');
    await row.waitFor();
    await shot('alert-rules');
    await page.locator(`table[aria-label="rules"] tr[data-rule="${rule}"] a`).first().click();
    await page.locator('form.rule').waitFor();
    assert.equal(await page.inputValue('input[name="name"]'), rule, 'the edit form shows the rule');
    await page.fill('input[name="threshold"]', '2');
    await shot('alert-rule-edit');
    await page.click('form.rule button[type="submit"]');
    await page.waitForURL(/#\/rules$/);
    await settled();
    assert.match((await row.textContent()) ?? '', /≥ 2 in 15s/, 'the edit is saved');
  });

  test('the page never asked for anything off this machine', () => {
    assert.ok(requests.length > 10, `requests recorded: ${requests.length}`);
    assert.deepEqual(offLoopback(requests), []);
  });
});

describe('event center web UI with token auth', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eventcenter-ui-auth-'));
  let secured: { program: NodeProgram; url: string };
  let tab: Page;

  before(async () => {
    // The file's before() has launched the browser and built the UI.
    secured = await startCenter({
      dir,
      uiDir: await ensureUiBuilt(),
      args: ['--auth=token'],
      env: { EVENTCENTER_VIEWER_TOKENS: 'viewer-secret-1', EVENTCENTER_EDITOR_TOKENS: 'editor-secret-2' },
    });
    tab = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  });
  after(async () => {
    await tab?.close();
    await secured?.program.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const submitToken = async (token: string) => {
    await tab.fill('form[aria-label="token"] input[name="token"]', token);
    await tab.click('form[aria-label="token"] button[type="submit"]');
  };
  const signIn = async (token: string) => {
    await tab.goto(`${secured.url}/#/rules`);
    await tab.locator('form[aria-label="token"]').waitFor();
    assert.match((await tab.locator('[role="alert"]').textContent()) ?? '', /Authorization: Bearer/);
    await submitToken(token);
    await tab.locator('ul[aria-label="templates"]').waitFor();
  };
  const signOut = async () => {
    await tab.click('.session button');
    await tab.locator('form[aria-label="token"]').waitFor();
  };

  test('asks for a token; a viewer reads but sees no way to change rules or silences', async () => {
    await signIn('viewer-secret-1');
    assert.equal(await tab.locator('.session span').textContent(), 'viewer');
    assert.equal(await tab.getByText('New rule').count(), 0);
    assert.equal(await tab.locator('ul[aria-label="templates"] a').count(), 0, 'templates are not links for a viewer');
    await tab.goto(`${secured.url}/#/silences`);
    await tab.locator('main >> text=No silences.').waitFor();
    assert.equal(await tab.locator('form[aria-label="new silence"]').count(), 0);
    await signOut();
  });

  test("an editor gets the forms back; a wrong token is refused with the server's message", async () => {
    await signIn('editor-secret-2');
    assert.equal(await tab.locator('.session span').textContent(), 'editor');
    assert.equal(await tab.getByText('New rule').count(), 1);
    assert.ok((await tab.locator('ul[aria-label="templates"] a').count()) > 5);
    await signOut();
    await submitToken('not-a-token');
    await tab.locator('form[aria-label="token"] >> xpath=..').locator('[role="alert"]', { hasText: 'token not accepted' }).waitFor();
  });
});
