// Real Chromium for UI tests: Debian's `chromium` (installed under the project's dpkg lock when
// missing, never a browser download) driven by playwright-core. The browser is held on this
// machine: no background services, and every request not for loopback goes to a dead proxy.
// Its own entry point (`@ack-npd/testkit/browser`), so tests that need no browser never load playwright.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page, type Request } from 'playwright-core';

export type { Browser, Locator, Page } from 'playwright-core';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const APT_LOCK = '/var/lib/dpkg/ack-npd-apt.lock';

/** The Debian chromium binary, installed with apt-get (under the shared lock) when `dpkg -s chromium` says it is missing. */
export async function chromiumExecutable(): Promise<string> {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const installed = await run('dpkg', ['-s', 'chromium']).then(
    () => true,
    () => false,
  );
  if (!installed) {
    const script =
      'export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q --no-install-recommends chromium ||' +
      ' { apt-get update -q && apt-get install -y -q --no-install-recommends chromium; }';
    try {
      await run('flock', [APT_LOCK, 'bash', '-c', script], { timeout: 600_000, maxBuffer: 64 << 20 });
    } catch (error) {
      throw new Error(`installing Debian chromium failed (run: apt-get install chromium): ${(error as Error).message}`, { cause: error });
    }
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing after installing Debian's chromium package`);
  return CHROMIUM;
}

/** Flags that keep Chromium from calling home: no updates, sync, metrics, safe browsing, field trials. */
export const OFFLINE_CHROMIUM_ARGS: readonly string[] = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-breakpad',
  '--no-first-run',
  '--no-default-browser-check',
  '--no-pings',
  '--metrics-recording-only',
  '--safebrowsing-disable-auto-update',
  '--disable-field-trial-config',
  '--disable-features=Translate,OptimizationHints,OptimizationGuideModelDownloading,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater,SafeBrowsing,InterestFeedContentSuggestions,NetworkTimeServiceQuerying,PrivacySandboxSettings4',
  // Names other than localhost resolve to nothing; what still tries an IP goes to the dead proxy below.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

/** Headless Chromium on loopback only: a proxy on a closed loopback port for anything that is not loopback. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumExecutable(),
    headless: true,
    args: [...OFFLINE_CHROMIUM_ARGS],
    // Port 9 (discard) is closed on loopback: a request that bypasses the resolver rules fails here.
    proxy: { server: 'http://127.0.0.1:9', bypass: '127.0.0.1,localhost' },
    timeout: 60_000,
  });
}

/** Records every request a page makes, so a test can assert it never left loopback. */
export function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (request: Request) => urls.push(request.url()));
  return urls;
}

/** URLs in `urls` whose host is not loopback (data: and about: are local). */
export function offLoopback(urls: readonly string[]): string[] {
  return urls.filter((raw) => {
    const url = new URL(raw);
    if (url.protocol === 'data:' || url.protocol === 'about:' || url.protocol === 'blob:') return false;
    return !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && !url.hostname.startsWith('127.');
  });
}
