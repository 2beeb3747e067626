// The history page in Debian's Chromium: data loaded through the pipeline, the page opened
// from a shareable URL renders a chart of a metric per group, a point lists its contacts,
// and a contact opens its timeline. Screenshots go to test-artifacts/.
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startFloorwatch, startTestNats, eventually, post, type TestFloorwatch } from '../support/harness.ts';
import { launchBrowser, artifact } from '../support/browser.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { EVENTS_STREAM } from '../../pipelines/bus/subjects.ts';
import { historyArea } from '../../server/history/area.ts';
import { scenario } from '../unit/history/scenario.ts';

let nats: PrivateNats;
let fw: TestFloorwatch;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [historyArea()] });
  const now = Date.now();
  const events = [
    ...scenario(1, now - 30 * 3_600_000, { contacts: 150, spanS: 26 * 3600 }),
    ...scenario(2, now - 6 * 86_400_000, { contacts: 120, spanS: 4 * 86_400, prefix: 'older' }),
  ].filter((e) => Date.parse(e.time) < now);
  for (let i = 0; i < events.length; i += 500) expect((await post(`${fw.url}/v1/events`, events.slice(i, i + 500), fw.admin)).status).toBe(202);
  await eventually(async () => {
    const i = await fw.rt.svc.bus.jsm.consumers.info(EVENTS_STREAM, 'history');
    return i.num_pending + i.num_ack_pending === 0;
  }, 60_000);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await fw?.close();
  await nats?.stop();
});

it('renders a chart of a metric grouped by queue from a shared URL', async () => {
  expect(fs.existsSync('web/build/index.html')).toBe(true);
  const key = fw.admin.authorization.slice('Bearer '.length);
  await page.goto(`${fw.url}/history?metric=answered&range=last7&interval=1d&group_by=queue&chart=line&key=${key}`);
  const points = page.locator('figure.chart circle.point');
  await expect.poll(() => points.count(), { timeout: 15_000 }).toBeGreaterThan(3);
  expect(await page.locator('select[name=metric]').inputValue()).toBe('answered');
  expect(await page.locator('select[name=group_by]').inputValue()).toBe('queue');
  const keys = await page.locator('figure.chart figcaption .key').allTextContents();
  expect(keys.sort()).toEqual(['billing', 'sales', 'tech']);
  expect(await page.locator('table.rows tbody tr').count()).toBeGreaterThan(3);
  await expect.poll(() => page.locator('figure.heat rect').count()).toBe(168);
  await page.screenshot({ path: artifact('history-answered-by-queue.png'), fullPage: true });
  // Synthetic pointer events: the handlers are what is under test, not Chromium's hit testing.
  await points.first().dispatchEvent('mouseenter');
  await expect.poll(() => page.locator('figure.chart .hover').textContent()).toMatch(/billing|sales|tech/);

  await page.locator('figure.chart circle.point:not([aria-label$=" 0"])').first().dispatchEvent('click');
  const links = page.locator('section.contacts tbody a');
  await expect.poll(() => links.count(), { timeout: 10_000 }).toBeGreaterThan(0);
  await links.first().click();
  await page.waitForURL('**/contacts/**');
  await expect.poll(() => page.locator('ol.timeline li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
  expect(await page.locator('ol.timeline').textContent()).toContain('contact.');
  await page.screenshot({ path: artifact('history-contact-timeline.png') });
});

it('switches to bars through the URL state', async () => {
  await page.goBack();
  await page.locator('button', { hasText: 'Bar' }).click();
  await expect.poll(() => page.url()).toContain('chart=bar');
  await expect.poll(() => page.locator('figure.chart rect.bar').count(), { timeout: 10_000 }).toBeGreaterThan(3);
  await page.locator('figure.chart rect.bar').nth(2).dispatchEvent('mouseenter');
  await expect.poll(() => page.locator('figure.chart .hover').textContent()).toMatch(/billing|sales|tech/);
  await page.screenshot({ path: artifact('history-bars.png') });
});
