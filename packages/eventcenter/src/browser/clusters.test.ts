// The web UI's cluster selector in Chromium: events of two clusters in one center; choosing
// one, several or all clusters scopes the pages, lives in the URL (a reload or a shared link
// shows the same clusters), and the overview compares the clusters side by side.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { waitFor } from '@ack-npd/testkit';
import { type Browser, launchChromium, type Page } from '@ack-npd/testkit/browser';
import { type NodeProgram, startCenter } from './programs.ts';
import { ensureUiBuilt } from './ui-dist.ts';

const dir = mkdtempSync(join(tmpdir(), 'eventcenter-clusters-ui-'));
let browser: Browser;
let page: Page;
let center: { program: NodeProgram; url: string };

function event(cluster: string, clusterName: string, uid: string, reason: string, type: string) {
  return {
    uid,
    count: 1,
    timestamp: Date.now() - 60_000,
    cluster,
    clusterName,
    namespace: 'shop',
    type,
    reason,
    message: `${reason} in ${clusterName}`,
    involvedObject: { kind: 'Pod', namespace: 'shop', name: `web-${uid}` },
    source: { component: 'kubelet', host: 'node-1' },
  };
}

before(async () => {
  const [uiDir, chromium] = await Promise.all([ensureUiBuilt(), launchChromium()]);
  browser = chromium;
  center = await startCenter({ dir, uiDir });
  const response = await fetch(`${center.url}/api/v1/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      events: [
        event('c-a', 'prod', 'a1', 'OnlyInProd', 'Warning'),
        event('c-a', 'prod', 'a2', 'OnlyInProd', 'Warning'),
        event('c-a', 'prod', 'a3', 'Started', 'Normal'),
        event('c-b', 'staging', 'b1', 'OnlyInStaging', 'Warning'),
      ],
    }),
  });
  assert.equal(response.status, 200);
  page = await browser.newPage();
});

after(async () => {
  await browser?.close();
  await center?.program.stop();
  rmSync(dir, { recursive: true, force: true });
});

const hash = async () => decodeURIComponent(String(await page.evaluate('location.hash')));

test('the cluster selector scopes the pages, stays in the URL, and the overview compares clusters', async () => {
  await page.goto(`${center.url}/#/overview`);
  const compared = page.getByRole('table', { name: 'clusters compared' });
  await compared.waitFor({ timeout: 30_000 });
  await waitFor('both clusters compared', async () => (await compared.locator('tbody tr').count()) === 2, { timeoutMs: 30_000 });
  const rows = (await compared.locator('tbody tr').allInnerTexts()).map((r) => r.split(/\s+/).filter(Boolean));
  assert.deepEqual(rows, [
    ['prod', '3', '2'],
    ['staging', '1', '1'],
  ]);

  await page.goto(`${center.url}/#/search`);
  const picker = page.getByRole('listbox', { name: 'clusters' });
  await page.getByText('OnlyInStaging').first().waitFor({ timeout: 30_000 });
  await picker.selectOption(['c-a']);
  await waitFor('the URL to carry the cluster', async () => (await hash()).includes('cluster=c-a'), { timeoutMs: 10_000 });
  await page.getByText('OnlyInProd').first().waitFor({ timeout: 30_000 });
  await waitFor('staging events gone', async () => (await page.getByText('OnlyInStaging').count()) === 0, { timeoutMs: 30_000 });

  // A shared link (a fresh tab on the same URL) shows the same cluster.
  const link = page.url();
  const other = await browser.newPage();
  await other.goto(link);
  await other.getByText('OnlyInProd').first().waitFor({ timeout: 30_000 });
  assert.equal(await other.getByText('OnlyInStaging').count(), 0);
  assert.deepEqual(
    await other
      .getByRole('listbox', { name: 'clusters' })
      .evaluate((s) => [...(s as unknown as { selectedOptions: Iterable<{ value: string }> }).selectedOptions].map((o) => o.value)),
    ['c-a'],
  );
  await other.close();

  // Navigation keeps the selection.
  await page.getByRole('link', { name: 'Overview' }).click();
  await waitFor(
    'overview keeps the cluster',
    async () => (await hash()).startsWith('#/overview') && (await hash()).includes('cluster=c-a'),
    {
      timeoutMs: 10_000,
    },
  );

  // Several: both clusters.
  await page.goto(`${center.url}/#/search?cluster=c-a`);
  await page.getByRole('listbox', { name: 'clusters' }).selectOption(['c-a', 'c-b']);
  await waitFor('the URL to carry both clusters', async () => (await hash()).includes('cluster=c-a,c-b'), { timeoutMs: 10_000 });
  await page.getByText('OnlyInStaging').first().waitFor({ timeout: 30_000 });
  await page.getByText('OnlyInProd').first().waitFor({ timeout: 30_000 });
});
