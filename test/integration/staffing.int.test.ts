// GET /v1/history/staffing against a real nats-server and chDB: the worked example placed
// in one 15-minute interval gives kpis.md's agents_required (4) there, from that
// interval's arrivals and the hour's AHT (the live engine's numbers), and the mean
// number of agents present computed here from the agent events themselves.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFloorwatch, startTestNats, post, settled, type TestFloorwatch } from '../support/harness.ts';
import { EXPECTED, shiftedExample } from '../support/worked-example.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { liveArea } from '../../pipelines/live/live-area.ts';
import { historyArea } from '../../server/history/area.ts';
import type { CcEvent } from '../../pipelines/events/schema.ts';

const Q = 900_000;
// The example runs 09:55–10:09:30: with 09:55 at an interval's start it fills that
// interval alone, and "now" (its 10:10) is the next interval's start.
const NOW = Math.floor(Date.now() / Q) * Q - Q;
const START = NOW - Q;
const events = shiftedExample(NOW);

let nats: PrivateNats;
let fw: TestFloorwatch;

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [liveArea({ fixedNow: NOW }), historyArea({ now: () => NOW })] });
  expect((await post(`${fw.url}/v1/events`, events, fw.admin)).status).toBe(202);
  await settled(fw);
}, 120_000);
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

async function get(p: string) {
  const r = await fetch(`${fw.url}${p}`, { headers: fw.admin });
  return { status: r.status, type: r.headers.get('content-type'), json: (await r.json()) as any };
}
const iso = (t: number) => new Date(t).toISOString();

/** Mean agents available, busy or in wrap-up on `queue` over [s, e), from the raw agent events. */
function presentByHand(evs: CcEvent[], queue: string, s: number, e: number): number {
  const byAgent = new Map<string, { t: number; state: string; queues: string[] }[]>();
  const last = new Map<string, string[]>();
  for (const ev of [...evs].filter((x) => x.type === 'agent.state').sort((a, b) => Date.parse(a.time) - Date.parse(b.time))) {
    const x = ev as CcEvent & { agent_id: string; state: string; queues?: string[] };
    const queues = x.queues ?? last.get(x.agent_id) ?? [];
    last.set(x.agent_id, queues);
    byAgent.set(x.agent_id, [...(byAgent.get(x.agent_id) ?? []), { t: Date.parse(x.time), state: x.state, queues }]);
  }
  let ms = 0;
  for (const list of byAgent.values())
    list.forEach((st, i) => {
      const end = i + 1 < list.length ? list[i + 1].t : Infinity;
      if (!['available', 'busy', 'wrap_up'].includes(st.state) || !st.queues.includes(queue)) return;
      ms += Math.max(0, Math.min(end, e) - Math.max(st.t, s));
    });
  return ms / (e - s);
}

it('gives agents required and present per 15-minute interval of a queue', async () => {
  const r = await get(`/v1/history/staffing?queue=billing&from=${iso(START - 2 * Q)}&to=${iso(NOW + 2 * Q)}`);
  expect(r.status).toBe(200);
  expect(r.json).toMatchObject({ interval: '15m', tz: 'UTC', queue: 'billing', sl_target: 0.8, sl_threshold_s: 20 });
  // intervals up to now (the server's now is the example's 10:10), every one listed
  expect(r.json.rows.map((x: any) => x.bucket)).toEqual([START - 2 * Q, START - Q, START].map((t) => iso(t).replace('.000Z', 'Z')));
  const [before, , at] = r.json.rows;
  expect(before).toEqual({ bucket: iso(START - 2 * Q).replace('.000Z', 'Z'), arrived: 0, aht_s: 300, offered_erlangs: 0, agents_required: null, agents_present: 0 });

  // the live engine at 10:10 computes agents_required from the same arrivals and hour
  const live15 = (await get('/v1/kpis?scope=queue:billing&window=15m')).json.metrics;
  const live1h = (await get('/v1/kpis?scope=queue:billing&window=1h')).json.metrics;
  expect(at.arrived).toBe(live15.arrived);
  expect(at.arrived).toBe(EXPECTED['queue:billing'].arrived);
  expect(at.aht_s).toBeCloseTo(live1h.aht_s, 6);
  expect(at.offered_erlangs).toBeCloseTo((live15.arrived / 900) * live1h.aht_s, 4);
  expect(at.agents_required).toBe(live15.agents_required);
  expect(at.agents_required).toBe(EXPECTED['queue:billing'].agents_required);
  const want = presentByHand(events, 'billing', START, NOW);
  expect(want).toBeGreaterThan(1); // a1, a2, a3 were on billing for most of it
  expect(at.agents_present).toBeCloseTo(want, 2);
  // sales: a3 only, no arrivals
  const sales = (await get(`/v1/history/staffing?queue=sales&from=${iso(START)}&to=${iso(NOW)}`)).json.rows;
  expect(sales).toHaveLength(1);
  expect(sales[0].agents_required).toBeNull();
  expect(sales[0].agents_present).toBeCloseTo(presentByHand(events, 'sales', START, NOW), 2);
});

it('follows the queue policy and the time zone of the request', async () => {
  const put = await fetch(`${fw.url}/v1/queues/billing`, {
    method: 'PUT', headers: { ...fw.admin, 'content-type': 'application/json' }, body: JSON.stringify({ sl_target: 0.95, sl_threshold_s: 10 }),
  });
  expect(put.status).toBe(200);
  const r = await get(`/v1/history/staffing?queue=billing&from=${iso(START)}&to=${iso(NOW)}&tz=Asia/Kathmandu`);
  expect(r.json).toMatchObject({ tz: 'Asia/Kathmandu', sl_target: 0.95, sl_threshold_s: 10 });
  // +05:45: the zone's quarter hours are UTC quarter hours, labelled with the offset
  expect(r.json.rows[0].bucket).toMatch(/\+05:45$/);
  expect(Date.parse(r.json.rows[0].bucket)).toBe(START);
  expect(r.json.rows[0].agents_required).toBeGreaterThan(EXPECTED['queue:billing'].agents_required as number);
});

it('rejects bad queries with problem+json', async () => {
  for (const [qs, field] of [
    [`from=${iso(START)}`, 'queue'],
    ['queue=billing', 'from'],
    [`queue=billing&from=${iso(START)}&tz=Mars/Olympus`, 'tz'],
    [`queue=billing&from=${iso(START)}&metric=x`, 'metric'],
    [`queue=billing&from=${iso(NOW - 40 * 86_400_000)}&to=${iso(NOW)}`, 'from'],
  ] as const) {
    const r = await get(`/v1/history/staffing?${qs}`);
    expect(r.status, qs).toBe(400);
    expect(r.type).toMatch(/application\/problem\+json/);
    expect(r.json.errors[0].field, qs).toBe(field);
  }
});
