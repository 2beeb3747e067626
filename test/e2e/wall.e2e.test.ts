// The wall as a supervisor sees it, in Debian's Chromium: sign in, open the default
// board, post the worked example, see the numbers within 2 s; a tile crosses its
// threshold; the server stops (stale badge) and comes back (badge clears).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { spawnFloorwatch, tempDir, post, ADMIN_KEY, type ChildFloorwatch } from '../support/harness.ts';
import { launchBrowser, artifact } from '../support/browser.ts';
import { shiftedExample } from '../support/worked-example.ts';
import { freePort } from '../../pipelines/bus/nats-server.ts';

const dataDir = tempDir('fw-e2e-wall-');
const auth = { authorization: `Bearer ${ADMIN_KEY}` };
let port: number;
let fw: ChildFloorwatch | null = null;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  port = await freePort();
  fw = await spawnFloorwatch({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
});
afterAll(async () => {
  await browser?.close();
  await fw?.kill('SIGTERM'); // graceful: it stops its private nats-server too
});

const tile = (label: string) => page.locator(`section.tile[aria-label^="${label}:"]`).first();

it('signs in and shows the worked example within 2 s of the 202', async () => {
  const reader = await post(`${fw!.url}/v1/keys`, { scopes: ['read'] }, auth);
  await page.goto(`${fw!.url}/`);
  await page.fill('#key', reader.json.key);
  await page.click('button[type=submit]');
  await page.waitForURL('**/wall/default');
  await page.locator('text=LIVE').first().waitFor({ timeout: 10_000 });

  const r = await post(`${fw!.url}/v1/events`, shiftedExample(Date.now()), auth);
  expect(r.status).toBe(202);
  const t0 = Date.now();
  await expect.poll(() => tile('Waiting').getAttribute('aria-label'), { timeout: 2_000, interval: 50 }).toBe('Waiting: 2');
  await expect.poll(() => tile('Service level 15m').getAttribute('aria-label'), { timeout: 2_000 }).toBe('Service level 15m: 50%');
  await expect.poll(() => tile('Abandon rate 15m').getAttribute('aria-label'), { timeout: 2_000 }).toBe('Abandon rate 15m: 25%');
  await expect.poll(() => tile('ASA 15m').getAttribute('aria-label'), { timeout: 2_000 }).toBe('ASA 15m: 00:18');
  expect(Date.now() - t0).toBeLessThan(2_000);
  await expect.poll(() => page.locator('text=Anna').count()).toBeGreaterThan(0);
  // the queue table picks up a queue that appeared after the page loaded
  await expect.poll(() => page.locator('section.queues .td.name', { hasText: 'billing' }).count(), { timeout: 8_000 }).toBeGreaterThan(0);
  await page.screenshot({ path: artifact('wall-1080p.png') });
});

it('changes a tile’s colour and word when it crosses its threshold', async () => {
  expect(await tile('Waiting').getAttribute('class')).toMatch(/\bok\b/);
  const now = Date.now();
  const more = (n: number, p: string) =>
    Array.from({ length: n }, (_, i) => ({
      id: `${p}-${i}`, type: 'contact.queued', time: new Date(now - 1000).toISOString(), contact_id: `${p}-c${i}`, queue: 'billing', channel: 'voice',
    }));
  expect((await post(`${fw!.url}/v1/events`, more(4, 'warn'), auth)).status).toBe(202);
  await expect.poll(() => tile('Waiting').getAttribute('class'), { timeout: 3_000 }).toMatch(/\bwarn\b/);
  expect((await post(`${fw!.url}/v1/events`, more(5, 'red'), auth)).status).toBe(202);
  await expect.poll(() => tile('Waiting').getAttribute('class'), { timeout: 3_000 }).toMatch(/\balert\b/);
  expect(await tile('Waiting').innerText()).toMatch(/ALERT/);
  await page.setViewportSize({ width: 3840, height: 2160 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: artifact('wall-4k.png') });
  await page.setViewportSize({ width: 1920, height: 1080 });
});

it('shows "stale since" when the server stops, and clears when it is back', async () => {
  await fw!.kill('SIGTERM');
  fw = null;
  await page.locator('text=/STALE/').first().waitFor({ timeout: 15_000 });
  expect(await page.locator('text=/STALE since \\d\\d:\\d\\d:\\d\\d/').count()).toBeGreaterThan(0);
  await page.screenshot({ path: artifact('wall-stale.png') });

  fw = await spawnFloorwatch({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' });
  await expect.poll(() => page.locator('text=/STALE/').count(), { timeout: 20_000, interval: 250 }).toBe(0);
  await expect.poll(() => tile('Waiting').getAttribute('aria-label'), { timeout: 10_000 }).toBe('Waiting: 11');
});

it('opens a tile’s history from the wall', async () => {
  await page.click('a.history-link:has-text("Service level 15m")');
  await page.waitForURL(/\/history\?metric=service_level&scope=all&range=today&interval=15m/);
  await page.locator('svg').first().waitFor({ timeout: 10_000 });
  expect(await page.locator('select').first().inputValue()).toBe('service_level');
});
