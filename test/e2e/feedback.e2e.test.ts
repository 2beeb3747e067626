// The feedback inbox in Debian's Chromium: comments in Italian, Czech and English arrive
// through /v1/events and are listed classified; an overdue detractor is highlighted; an
// admin assigns it, moves it on and closes the loop with a recorded follow-up.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startFloorwatch, startTestNats, post, eventually, ADMIN_KEY, type TestFloorwatch } from '../support/harness.ts';
import { launchBrowser, artifact } from '../support/browser.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { vocArea } from '../../pipelines/voc/area.ts';

let nats: PrivateNats;
let fw: TestFloorwatch;
let browser: Browser;
let page: Page;
const HOUR = 3_600_000;

const fb = (id: string, agoMs: number, survey: string, score: number, comment: string | undefined, language?: string) => ({
  id, type: 'feedback.submitted', time: new Date(Date.now() - agoMs).toISOString(), survey, score,
  queue: 'billing', agent_id: 'a1', channel: 'voice', ...(comment ? { comment } : {}), ...(language ? { language } : {}),
});

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [vocArea()] });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
});
afterAll(async () => {
  await browser?.close();
  await fw?.close();
  await nats?.stop();
});

it('lists classified feedback, and an admin assigns one and closes the loop', async () => {
  const events = [
    fb('fb-late', 50 * HOUR, 'nps', 2, "Ho aspettato quaranta minuti in linea e nessuno mi ha richiamato. Pessimo servizio.", 'it'),
    fb('fb-cs', 5 * HOUR, 'csat', 5, 'Velmi ochotná paní, vše rychle vyřešila', 'cs'),
    fb('fb-bill', 3 * HOUR, 'csat', 2, 'The invoice was wrong again and nobody called me back'),
    fb('fb-app', 2 * HOUR, 'ces', 6, "L'app si blocca sempre al pagamento", 'it'),
    fb('fb-en', 1 * HOUR, 'nps', 10, 'Great agent, very helpful and quick', 'en'),
    fb('fb-none', 30 * 60_000, 'csat', 4, undefined),
  ];
  expect((await post(`${fw.url}/v1/events`, events, fw.admin)).status).toBe(202);
  await eventually(async () => {
    const r = await fetch(`${fw.url}/v1/feedback`, { headers: fw.admin });
    return (await r.json()).items.length === events.length;
  });

  // sign in as an admin (session cookie), then open the inbox
  const s = await page.request.post(`${fw.url}/v1/session`, { data: { key: ADMIN_KEY } });
  expect(s.status()).toBe(200);
  await page.goto(`${fw.url}/feedback`);
  const rows = page.locator('table.inbox tbody tr[data-id]');
  await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(events.length);

  const row = (id: string) => page.locator(`table.inbox tr[data-id="${id}"]`);
  await expect.poll(() => row('fb-late').textContent()).toMatch(/waiting time.*negative/);
  expect(await row('fb-cs').textContent()).toMatch(/agent courtesy.*positive/);
  expect(await row('fb-bill').textContent()).toMatch(/billing.*negative/);
  expect(await row('fb-none').textContent()).toMatch(/no comment/);
  expect(await row('fb-late').getAttribute('class')).toMatch(/\boverdue\b/);
  expect(await row('fb-bill').getAttribute('class')).not.toMatch(/\boverdue\b/);
  // the views panel counts the overdue detractor
  await expect.poll(() => page.locator('.views .kpi.bad').textContent()).toMatch(/1\s*overdue detractors/);

  await page.screenshot({ path: artifact('feedback-overdue.png') });

  // filter: negative only
  await page.selectOption('select[aria-label="Sentiment"]', 'negative');
  await expect.poll(() => rows.count()).toBe(3);
  await page.selectOption('select[aria-label="Sentiment"]', '');
  await expect.poll(() => rows.count()).toBe(events.length);

  // assign the overdue detractor, start work, record the follow-up
  await row('fb-late').locator('td').first().click();
  const panel = page.locator('aside.panel');
  await panel.locator('text=Overdue since').waitFor();
  await panel.locator('input[aria-label="Owner"]').fill('giulia');
  await panel.locator('input[aria-label="Team"]').fill('care');
  await panel.getByRole('button', { name: 'Assign', exact: true }).click();
  await expect.poll(() => panel.locator('.status').first().textContent()).toBe('Assigned');
  await panel.locator('button', { hasText: '→ In progress' }).click();
  await expect.poll(() => panel.locator('.status').first().textContent()).toBe('In progress');
  await panel.locator('input[aria-label="Note"]').fill('Customer prefers a call after 17:00');
  await panel.locator('button', { hasText: 'Add note' }).click();
  await panel.locator('text=Customer prefers a call after 17:00').first().waitFor();
  await panel.locator('input[aria-label="Follow-up message"]').fill('Called back, apologised and credited the month');
  await panel.locator('button', { hasText: 'Record follow-up & close' }).click();
  await expect.poll(() => panel.locator('.status').first().textContent()).toBe('Followed up');
  await expect.poll(() => row('fb-late').textContent()).toMatch(/Followed up.*care.*giulia/s);
  expect(await row('fb-late').getAttribute('class')).not.toMatch(/\boverdue\b/);
  await expect.poll(() => panel.locator('ol.log li').count()).toBe(4); // assigned, status, note, follow_up
  await page.screenshot({ path: artifact('feedback-inbox.png'), fullPage: true });

  // the API agrees, and the log holds every change
  const d = await (await fetch(`${fw.url}/v1/feedback/fb-late`, { headers: fw.admin })).json();
  expect(d).toMatchObject({ status: 'followed_up', owner: 'giulia', team: 'care', overdue: false });
  expect(d.changes.map((c: { kind: string }) => c.kind)).toEqual(['assigned', 'status', 'note', 'follow_up']);
  expect(d.follow_ups[0]).toMatchObject({ channel: 'phone', message: 'Called back, apologised and credited the month' });
});
