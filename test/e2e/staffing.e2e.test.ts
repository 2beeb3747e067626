// Staffing on the wall in Debian's Chromium: the worked example leaves billing short of
// the agents Erlang C asks for; the queue table says "short N" with the N the engine
// computes, turns red as more agents leave, and clears as agents log in.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startFloorwatch, startTestNats, post, type TestFloorwatch } from '../support/harness.ts';
import { launchBrowser } from '../support/browser.ts';
import { shiftedExample } from '../support/worked-example.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { liveArea } from '../../pipelines/live/live-area.ts';
import { historyArea } from '../../server/history/area.ts';
import type { Metrics } from '../../pipelines/engine/types.ts';
import { EVENTS_STREAM } from '../../pipelines/bus/subjects.ts';
import { eventually } from '../support/harness.ts';
import { shortfall, type StaffingRow } from '../../web/src/lib/history/staffing-rows.ts';

let nats: PrivateNats;
let fw: TestFloorwatch;
let browser: Browser;
let page: Page;
const t0 = Date.now();

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [liveArea(), historyArea()] });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await fw?.close();
  await nats?.stop();
});

const cell = () => page.locator('section.queues .td.staffing[data-scope="queue:billing"]');
const gap = () => cell().locator('.gap');
let seq = 0;
const agentState = (agent_id: string, state: string, extra: Record<string, unknown> = {}) => ({
  id: `st-${++seq}`, type: 'agent.state', time: new Date(Date.now() - 500).toISOString(), agent_id, state, ...extra,
});
async function billing(): Promise<Metrics> {
  const r = await fetch(`${fw.url}/v1/kpis?scope=queue:billing&window=15m`, { headers: fw.admin });
  return ((await r.json()) as { metrics: Metrics }).metrics;
}
const present = (m: Metrics) => m.agents!.available + m.agents!.busy + m.agents!.wrap_up;

it('shows "short N" with the engine’s N, and the Erlang C inputs behind it', async () => {
  expect((await post(`${fw.url}/v1/events`, shiftedExample(t0), fw.admin)).status).toBe(202);
  const reader = await post(`${fw.url}/v1/keys`, { scopes: ['read'] }, fw.admin);
  await page.goto(`${fw.url}/wall/default?key=${reader.json.key}`);
  await expect.poll(() => cell().count(), { timeout: 15_000 }).toBe(1);

  // kpis.md worked example: 7 arrived in 15 min, AHT 225 s → A = 1.75, 4 agents for 80/20;
  // on billing a1 is busy, a3 available, a2 away → 2 present.
  const m = await billing();
  expect(m.agents_required).toBe(4);
  expect(present(m)).toBe(2);
  await expect.poll(() => gap().innerText(), { timeout: 5_000 }).toBe(`short ${m.agents_required! - present(m)}`);
  expect(await cell().locator('.of').innerText()).toBe(`need ${m.agents_required} · on ${present(m)}`);
  expect(await cell().getAttribute('class')).toMatch(/\bwarn\b/);
  const title = (await cell().getAttribute('title'))!;
  expect(title).toContain('Offered, last 15 min: 7 contacts');
  expect(title).toContain('AHT, last hour: 225 s');
  expect(title).toContain('A = λ × AHT = 1.75 Erlangs');
  expect(title).toContain('80.0% answered within 20 s');
  expect(title).toContain('Required: 4');
  expect(title).toContain('On the queue: 2 (1 available, 1 busy, 0 wrap-up)');
  // a queue without arrivals needs nobody: no number, not "over"
  await expect.poll(() => page.locator('section.queues .td.staffing[data-scope="queue:sales"]').innerText()).toBe('–');
});

it('turns red as the floor thins and clears as agents log in', async () => {
  expect((await post(`${fw.url}/v1/events`, [agentState('a3', 'away', { reason: 'lunch' })], fw.admin)).status).toBe(202);
  await expect.poll(() => gap().innerText(), { timeout: 5_000 }).toBe('short 3');
  expect(await cell().getAttribute('class')).toMatch(/\balert\b/);
  expect(present(await billing())).toBe(1);
  await page.waitForTimeout(400); // let the tiles' transitions settle before looking
  await page.screenshot({ path: '/tmp/staffing-wall-short-1080p.png' });

  const logins = [
    agentState('a3', 'available'),
    agentState('a2', 'available'),
    agentState('a4', 'available', { name: 'Dora', team: 'south', queues: ['billing'] }),
  ];
  expect((await post(`${fw.url}/v1/events`, logins, fw.admin)).status).toBe(202);
  await expect.poll(() => gap().innerText(), { timeout: 5_000 }).toBe('on target');
  expect(await cell().getAttribute('class')).toMatch(/\bok\b/);
  const m = await billing();
  expect(present(m) - m.agents_required!).toBe(0);

  expect((await post(`${fw.url}/v1/events`, [agentState('a5', 'available', { name: 'Ezio', queues: ['billing'] })], fw.admin)).status).toBe(202);
  await expect.poll(() => gap().innerText(), { timeout: 5_000 }).toBe('over 1');
  expect(await cell().getAttribute('class')).toMatch(/\bok\b/);
  expect(await cell().getAttribute('title')).toContain('On the queue: 5 (4 available, 1 busy, 0 wrap-up)');
  await page.waitForTimeout(400);
  await page.screenshot({ path: '/tmp/staffing-wall-1080p.png' });

  // a staffing tile of one queue, on a board of its own
  const board = {
    id: 'staffing', name: 'Staffing', columns: 4, rows: 2,
    widgets: [
      { kind: 'tile', id: 'billing-staff', w: 2, h: 2, metric: 'staffing', scope: 'queue:billing', window: '15m' },
      { kind: 'tile', id: 'billing-sl', w: 2, h: 2, metric: 'service_level', scope: 'queue:billing', window: '15m' },
    ],
  };
  const put = await fetch(`${fw.url}/v1/boards/staffing`, { method: 'PUT', headers: { ...fw.admin, 'content-type': 'application/json' }, body: JSON.stringify(board) });
  expect(put.status).toBe(200);
  await page.goto(page.url().replace('/wall/default', '/wall/staffing'));
  const tile = page.locator('section.tile[aria-label^="Staffing:"]');
  await expect.poll(() => tile.getAttribute('aria-label'), { timeout: 10_000 }).toBe('Staffing: over 1');
  expect(await tile.getAttribute('class')).toMatch(/\bok\b/);
  expect(await tile.locator('.staff-note').innerText()).toContain(`need ${m.agents_required} · on 5`);
  expect(await tile.getAttribute('title')).toContain('A = λ × AHT = 1.75 Erlangs');
  expect((await post(`${fw.url}/v1/events`, [agentState('a5', 'away'), agentState('a4', 'offline'), agentState('a3', 'away')], fw.admin)).status).toBe(202);
  await expect.poll(() => tile.getAttribute('aria-label'), { timeout: 5_000 }).toBe('Staffing: short 2');
  expect(await tile.getAttribute('class')).toMatch(/\bwarn\b/);
  await page.waitForTimeout(400);
  await page.screenshot({ path: '/tmp/staffing-tile-1080p.png' });
});

/**
 * The day on queue `support` (UTC) that ends at `until`: arrivals rise to a midday peak and fall, six
 * agents on shifts that cover the morning well and the peak badly. Only what is in the
 * past is posted.
 */
function supportDay(until: number): object[] {
  const midnight = Math.floor(until / 86_400_000) * 86_400_000;
  const out: object[] = [];
  const shifts: [string, number, number][] = [['s1', 7, 15], ['s2', 7.5, 16], ['s3', 8, 12], ['s4', 11, 19], ['s5', 13.5, 20], ['s6', 9, 13]];
  for (const [a, on, off] of shifts) {
    out.push({ id: `sd-${a}-on`, type: 'agent.state', time: new Date(midnight + on * 3_600_000).toISOString(), agent_id: a, name: `Agent ${a}`, state: 'available', queues: ['support'] });
    out.push({ id: `sd-${a}-off`, type: 'agent.state', time: new Date(midnight + off * 3_600_000).toISOString(), agent_id: a, state: 'offline' });
  }
  for (let k = 8 * 4; k < 20 * 4; k++) {
    const n = Math.round(4 + 14 * Math.exp(-(((k / 4 - 13) / 2.5) ** 2)));
    for (let i = 0; i < n; i++) {
      const t = midnight + k * Q + Math.floor(((i + 0.5) / n) * Q);
      const c = `sd-c${k}-${i}`;
      const at = (d: number) => new Date(t + d * 1000).toISOString();
      out.push({ id: `${c}-q`, type: 'contact.queued', time: at(0), contact_id: c, queue: 'support', channel: 'voice' });
      out.push({ id: `${c}-a`, type: 'contact.answered', time: at(12), contact_id: c, queue: 'support', agent_id: 's1' });
      out.push({ id: `${c}-e`, type: 'contact.ended', time: at(12 + 180 + (i % 5) * 20), contact_id: c, agent_id: 's1' });
      out.push({ id: `${c}-w`, type: 'contact.wrapped', time: at(12 + 240 + (i % 5) * 20), contact_id: c, agent_id: 's1' });
    }
  }
  return out.filter((e) => Date.parse((e as { time: string }).time) < until - 20 * 60_000);
}
const Q = 900_000;

it('shows required vs present per 15 minutes on /history, short intervals marked', async () => {
  // yesterday (UTC), whole: today so far holds no interval before 08:00, whatever the clock
  const midnight = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;
  const day = supportDay(midnight + 86_400_000 - 1);
  // and one contact waiting now, so the queue is on today's wall too
  day.push({ id: 'sd-now-q', type: 'contact.queued', time: new Date(Date.now() - 60_000).toISOString(), contact_id: 'sd-now', queue: 'support', channel: 'voice' });
  for (let i = 0; i < day.length; i += 2000) expect((await post(`${fw.url}/v1/events`, day.slice(i, i + 2000), fw.admin)).status).toBe(202);
  await eventually(async () => {
    const i = await fw.rt.svc.bus.jsm.consumers.info(EVENTS_STREAM, 'history');
    return i.num_pending + i.num_ack_pending === 0;
  }, 60_000);
  const key = fw.admin.authorization.slice('Bearer '.length);
  await page.goto(`${fw.url}/history?metric=arrived&scope=queue:support&interval=15m&key=${key}`);
  const dayInput = page.locator('input[name=staffing-day]');
  await dayInput.fill(new Date(midnight).toISOString().slice(0, 10));
  await dayInput.dispatchEvent('change');
  const bars = page.locator('section.staffing rect.present');
  await expect.poll(() => bars.count(), { timeout: 15_000 }).toBeGreaterThan(8);
  expect(await page.locator('select[name=staffing-queue]').inputValue()).toBe('support');

  // the chart draws exactly what the API says: one bar per interval, red where short
  const api = await fetch(`${fw.url}/v1/history/staffing?queue=support&from=${new Date(midnight).toISOString()}&to=${new Date(midnight + 86_400_000).toISOString()}`, { headers: fw.admin });
  const rows = ((await api.json()) as { rows: StaffingRow[] }).rows;
  const short = rows.filter((r) => shortfall(r) > 0);
  expect(await bars.count()).toBe(rows.length);
  expect(short.length).toBeGreaterThan(0);
  expect(await page.locator('section.staffing rect.present.short').count()).toBe(short.length);
  const loaded = rows.filter((r) => r.agents_required !== null).length;
  expect(await page.locator('section.staffing .summary').innerText()).toContain(`Short in ${short.length} of ${loaded} intervals`);

  // hovering an interval shows its Erlang C inputs
  const r = short[0];
  await page.locator(`section.staffing rect.present[data-bucket="${r.bucket}"]`).dispatchEvent('mouseenter');
  const hover = await page.locator('section.staffing .hover').innerText();
  expect(hover).toContain(`${r.arrived} arrived`);
  expect(hover).toContain(`AHT ${r.aht_s.toFixed(0)} s`);
  expect(hover).toContain(`required ${r.agents_required}`);
  await page.locator('section.staffing').scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/tmp/staffing-history-1080p.png' });

  // the wall's staffing column lists the new queue too, with its Erlang C value
  await page.goto(`${fw.url}/wall/default?key=${key}`);
  await expect.poll(() => page.locator('section.queues .td.staffing[data-scope="queue:support"]').count(), { timeout: 15_000 }).toBe(1);
});
