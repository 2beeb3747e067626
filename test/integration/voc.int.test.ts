// The VoC loop against real NATS and chDB: feedback events posted to /v1/events come out
// of /v1/feedback classified and routed; every workflow move goes through PATCH and is
// kept in the append-only log; invalid moves are refused with the transition named;
// tenants are isolated; an overdue detractor flips at its deadline on the injected clock,
// in the API and in the live KPIs on cc.kpi-ext.<tenant>.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFloorwatch, startTestNats, eventually, post, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { vocArea } from '../../pipelines/voc/area.ts';
import { CATEGORIES } from '../../pipelines/voc/taxonomy.ts';

let nats: PrivateNats;
let fw: TestFloorwatch;
let fixed: number | null = null;
const HOUR = 3_600_000;
const T0 = Date.now() - 10 * 60_000;

async function call(method: string, path: string, body?: unknown, auth = fw.admin) {
  const res = await fetch(`${fw.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...auth },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), json: text ? JSON.parse(text) : null };
}

const fb = (id: string, minutes: number, survey: string, score: number, extra: Record<string, unknown> = {}) => ({
  id, type: 'feedback.submitted', time: new Date(T0 + minutes * 60_000).toISOString(), survey, score, queue: 'billing', agent_id: 'a1', ...extra,
});

async function key(scopes: string[], tenant?: string) {
  const r = await post(`${fw.url}/v1/keys`, { scopes, tenant }, fw.admin);
  expect(r.status).toBe(201);
  return { authorization: `Bearer ${r.json.key}` };
}

async function listed(query: string, n: number, auth = fw.admin) {
  return eventually(async () => {
    const r = await call('GET', `/v1/feedback?${query}`, undefined, auth);
    return r.status === 200 && r.json.items.length === n ? r.json : null;
  });
}

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [vocArea({ now: () => fixed ?? Date.now(), tickMs: 200 })] });
});
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

describe('classification and routing', () => {
  it('classifies comments with tenant rules, detects the language, routes by rule, and keeps comment-less feedback', async () => {
    const put = await call('PUT', '/v1/feedback/rules', {
      keyword_rules: [{ pattern: 'zzfoo', category: 'product', subcategory: 'widgets', sentiment: -1 }],
      routing_rules: [
        { category: 'customer_service', survey: 'csat', max_score: 2, team: 'care' },
        { category: 'marketing_sales', team: 'billing-desk' },
      ],
    });
    expect(put.status).toBe(200);
    expect((await call('GET', '/v1/feedback/rules')).json.routing_rules).toHaveLength(2);
    const r = await post(`${fw.url}/v1/events`, [
      fb('c-1', 0, 'csat', 1, { comment: "Operatore scortese, ho aspettato un'ora in linea", language: 'it' }),
      fb('c-2', 1, 'nps', 9, { comment: 'Velmi ochotná paní, vše rychle vyřešila', language: 'cs' }),
      fb('c-3', 2, 'nps', 3, { comment: 'The invoice was wrong again and nobody called me back' }),
      fb('c-4', 3, 'csat', 5),
      fb('c-5', 4, 'ces', 2, { comment: 'Terrible zzfoo experience', language: 'en' }),
    ], fw.admin);
    expect(r.status).toBe(202);
    const body = await listed('limit=50', 5);
    const byId = Object.fromEntries(body.items.map((i: any) => [i.id, i]));
    expect(body.items.map((i: any) => i.id)).toEqual(['c-5', 'c-4', 'c-3', 'c-2', 'c-1']); // newest first
    expect(byId['c-1']).toMatchObject({ survey: 'csat', score: 1, language: 'it', category: 'customer_service', subcategory: 'waiting_time', sentiment_label: 'negative', status: 'new', team: 'care', owner: null, detractor: true });
    expect(byId['c-1'].sentiment).toBeLessThan(-0.3);
    expect(byId['c-2']).toMatchObject({ language: 'cs', sentiment_label: 'positive', team: null, detractor: false });
    expect(byId['c-3']).toMatchObject({ language: 'en', language_detected: true, category: 'marketing_sales', subcategory: 'billing', team: 'billing-desk' });
    expect(byId['c-4']).toMatchObject({ category: null, sentiment: null, status: 'new' });
    expect(byId['c-5']).toMatchObject({ category: 'product', subcategory: 'widgets', sentiment_label: 'negative' });
    for (const i of body.items) if (i.category) expect(CATEGORIES).toContain(i.category);
  });

  it('filters and pages with a cursor', async () => {
    expect((await call('GET', '/v1/feedback?sentiment_label=negative')).json.items.map((i: any) => i.id)).toEqual(['c-5', 'c-3', 'c-1']);
    expect((await call('GET', '/v1/feedback?category=marketing_sales,product')).json.items.map((i: any) => i.id)).toEqual(['c-5', 'c-3']);
    expect((await call('GET', '/v1/feedback?detractor=true&team=care')).json.items.map((i: any) => i.id)).toEqual(['c-1']);
    expect((await call('GET', '/v1/feedback?language=cs')).json.items.map((i: any) => i.id)).toEqual(['c-2']);
    const p1 = (await call('GET', '/v1/feedback?limit=2')).json;
    expect(p1.items.map((i: any) => i.id)).toEqual(['c-5', 'c-4']);
    const p2 = (await call('GET', `/v1/feedback?limit=2&cursor=${p1.next_cursor}`)).json;
    expect(p2.items.map((i: any) => i.id)).toEqual(['c-3', 'c-2']);
    const p3 = (await call('GET', `/v1/feedback?limit=2&cursor=${p2.next_cursor}`)).json;
    expect(p3.items.map((i: any) => i.id)).toEqual(['c-1']);
    expect(p3.next_cursor).toBeNull();
    const bad = await call('GET', '/v1/feedback?status=done');
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/unknown status "done"/);
  });

  it('stores a duplicate event once', async () => {
    const dup = fb('c-1', 0, 'csat', 1, { comment: 'different text, same id', language: 'it' });
    expect((await post(`${fw.url}/v1/events`, [dup, fb('c-6', 5, 'csat', 4, { comment: 'ok' })], fw.admin)).status).toBe(202);
    await listed('limit=50', 6);
    const rows = await (await fw.rt.svc.ch.query({ query: "SELECT count() AS n FROM feedback_items FINAL WHERE tenant = 'default' AND feedback_id = 'c-1'", format: 'JSONEachRow' })).json<{ n: number }>();
    expect(Number(rows[0].n)).toBe(1);
    expect((await call('GET', '/v1/feedback/c-1')).json.comment).toMatch(/scortese/);
  });
});

describe('workflow through PATCH', () => {
  it('walks every transition and logs every change append-only', async () => {
    let r = await call('PATCH', '/v1/feedback/c-3', { owner: 'marta', team: 'care' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'assigned', owner: 'marta', team: 'care' });
    r = await call('PATCH', '/v1/feedback/c-3', { status: 'in_progress', note: 'calling the customer' });
    expect(r.json).toMatchObject({ status: 'in_progress', notes: 1 });
    r = await call('PATCH', '/v1/feedback/c-3', { status: 'actioned' });
    expect(r.json.status).toBe('actioned');
    r = await call('PATCH', '/v1/feedback/c-3', { follow_up: { channel: 'phone', message: 'Refund issued, apologised' } });
    expect(r.json).toMatchObject({ status: 'followed_up', overdue: false });
    expect(r.json.followed_up_at).not.toBeNull();
    const d = (await call('GET', '/v1/feedback/c-3')).json;
    expect(d.history.map((h: any) => `${h.from}>${h.to}`)).toEqual(['new>assigned', 'assigned>in_progress', 'in_progress>actioned', 'actioned>followed_up']);
    expect(d.changes.map((c: any) => c.kind)).toEqual(['routed', 'assigned', 'status', 'note', 'status', 'follow_up']);
    expect(d.follow_ups[0]).toMatchObject({ channel: 'phone', message: 'Refund issued, apologised' });
    expect(d.notes[0].text).toBe('calling the customer');
    // the log is append-only: one stored row per change, none rewritten
    const rows = await (await fw.rt.svc.ch.query({ query: "SELECT kind FROM feedback_changes WHERE tenant = 'default' AND feedback_id = 'c-3' ORDER BY at, seq", format: 'JSONEachRow' })).json<{ kind: string }>();
    expect(rows.map((x) => x.kind)).toEqual(['routed', 'assigned', 'status', 'note', 'status', 'follow_up']);
  });

  it('allows skipping steps, and an owner change keeps the status', async () => {
    expect((await call('PATCH', '/v1/feedback/c-2', { status: 'actioned' })).json.status).toBe('actioned');
    const r = await call('PATCH', '/v1/feedback/c-2', { owner: 'luca' });
    expect(r.json).toMatchObject({ status: 'actioned', owner: 'luca' });
  });

  it('refuses invalid transitions with a problem naming from → to, and stores nothing', async () => {
    const before = (await call('GET', '/v1/feedback/c-2')).json.changes.length;
    let r = await call('PATCH', '/v1/feedback/c-2', { status: 'assigned' });
    expect(r.status).toBe(409);
    expect(r.type).toMatch(/application\/problem\+json/);
    expect(r.json.detail).toBe('invalid transition actioned → assigned: status moves forward only');
    expect(r.json.errors[0]).toMatchObject({ field: 'status', from: 'actioned', to: 'assigned' });
    r = await call('PATCH', '/v1/feedback/c-2', { status: 'actioned' });
    expect(r.status).toBe(409);
    expect(r.json.detail).toMatch(/actioned → actioned: already actioned/);
    r = await call('PATCH', '/v1/feedback/c-2', { status: 'followed_up' });
    expect(r.status).toBe(409);
    expect(r.json.detail).toMatch(/actioned → followed_up: record a follow_up/);
    r = await call('PATCH', '/v1/feedback/c-3', { status: 'in_progress' });
    expect(r.status).toBe(409);
    expect(r.json.detail).toMatch(/followed_up → in_progress: followed_up is final/);
    // a refused change in a PATCH refuses the whole PATCH
    r = await call('PATCH', '/v1/feedback/c-2', { note: 'should not be stored', status: 'new' });
    expect(r.status).toBe(409);
    expect((await call('GET', '/v1/feedback/c-2')).json.changes.length).toBe(before);
    r = await call('PATCH', '/v1/feedback/c-2', { status: 'done' });
    expect(r.status).toBe(400);
    r = await call('PATCH', '/v1/feedback/c-2', {});
    expect(r.status).toBe(400);
    r = await call('PATCH', '/v1/feedback/c-2', { follow_up: { channel: 'email', message: 'x', at: new Date(T0 - HOUR).toISOString() } });
    expect(r.status).toBe(400);
    expect(r.json.errors[0].field).toBe('follow_up.at');
    expect((await call('PATCH', '/v1/feedback/nope', { note: 'x' })).status).toBe(404);
  });

  it('applies a retried PATCH with the same change_id once', async () => {
    const body = { note: 'idempotent note', change_id: 'retry-1' };
    expect((await call('PATCH', '/v1/feedback/c-6', body)).status).toBe(200);
    const again = await call('PATCH', '/v1/feedback/c-6', body);
    expect(again.status).toBe(200);
    expect(again.json.notes).toBe(1);
  });

  it('needs the admin scope to change and the read scope to look', async () => {
    const reader = await key(['read']);
    expect((await call('GET', '/v1/feedback', undefined, reader)).status).toBe(200);
    const r = await call('PATCH', '/v1/feedback/c-2', { note: 'x' }, reader);
    expect(r.status).toBe(403);
    expect((await call('PUT', '/v1/feedback/rules', { keyword_rules: [], routing_rules: [] }, reader)).status).toBe(403);
  });
});

describe('tenant isolation', () => {
  it('shows and changes only the own tenant’s feedback', async () => {
    const other = await key(['ingest', 'read', 'admin'], 'voc-other');
    expect((await post(`${fw.url}/v1/events`, [fb('c-1', 0, 'nps', 2, { comment: 'Pessimo servizio', language: 'it' })], other)).status).toBe(202);
    const mine = await listed('limit=50', 1, other);
    expect(mine.items[0]).toMatchObject({ id: 'c-1', survey: 'nps', team: null, status: 'new' });
    expect((await call('PATCH', '/v1/feedback/c-1', { owner: 'x' }, other)).json.owner).toBe('x');
    const def = (await call('GET', '/v1/feedback/c-1')).json;
    expect(def.survey).toBe('csat');
    expect(def.owner).toBeNull();
    expect((await call('GET', '/v1/feedback/c-2', undefined, other)).status).toBe(404);
    expect((await call('GET', '/v1/feedback/rules', undefined, other)).json.routing_rules).toEqual([]);
  });
});

describe('overdue detractors', () => {
  it('flips at the tenant deadline, in the API and in the live KPIs', async () => {
    const tenant = 'voc-clock';
    const auth = await key(['ingest', 'read', 'admin'], tenant);
    const tenants = await fw.rt.svc.kv<Record<string, unknown>>('fw_tenants');
    await tenants.put(tenant, { voc_follow_up_hours: 2 });
    const submitted = T0 + 60_000;
    const seen: any[] = [];
    const sub = fw.rt.svc.bus.nc.subscribe(`cc.kpi-ext.${tenant}`, { callback: (_e, m) => void seen.push(m.json()) });
    const evs = [
      fb('d-1', 1, 'nps', 4, { comment: 'Never again, terrible service' }),
      fb('d-2', 1, 'csat', 2, { comment: 'Slow and rude' }),
      fb('p-1', 1, 'nps', 10, { comment: 'Excellent help' }),
    ];
    expect((await post(`${fw.url}/v1/events`, evs, auth)).status).toBe(202);
    const first = await listed('detractor=true', 2, auth);
    const due = submitted + 2 * HOUR;
    expect(first.items[0].follow_up_due).toBe(new Date(due).toISOString());
    expect((await call('PATCH', '/v1/feedback/d-2', { follow_up: { channel: 'email', message: 'Sorry, we called you' } }, auth)).status).toBe(200);

    const lastAll = () => [...seen].reverse().find((s) => s.scope === 'all');
    fixed = due; // exactly at the deadline: still on time
    expect((await call('GET', '/v1/feedback?overdue=true', undefined, auth)).json.items).toEqual([]);
    await eventually(() => lastAll()?.windows.today.voc_overdue === 0 && lastAll()?.windows['1h'].voc_overdue === 0);
    seen.length = 0;
    fixed = due + 1; // one millisecond later, without any event
    const over = (await call('GET', '/v1/feedback?overdue=true', undefined, auth)).json.items;
    expect(over.map((i: any) => i.id)).toEqual(['d-1']);
    expect(over[0].overdue).toBe(true);
    const snap = await eventually(() => (lastAll()?.windows['15m'].voc_overdue === 1 ? lastAll() : null));
    expect(snap.windows.today.voc_overdue).toBe(1);
    // per-queue scope too; closure: 1 of 2 detractors submitted in the window followed up
    expect(seen.some((s) => s.scope === 'queue:billing')).toBe(true);
    fixed = submitted + 30 * 60_000;
    const live = await eventually(() => {
      const s = lastAll();
      return s && s.windows['1h'].loop_closure_rate === 0.5 ? s : null;
    });
    expect(live.windows['1h'].sentiment_avg).not.toBeNull();
    fixed = null;
    sub.unsubscribe();
  });
});

describe('views', () => {
  it('reports themes, drivers, closure and time to follow-up over a range', async () => {
    const v = (await call('GET', `/v1/feedback/views?from=${new Date(T0 - HOUR).toISOString()}`)).json;
    expect(v.responses).toBe(6);
    expect(v.themes.find((t: any) => t.subcategory === 'widgets')).toMatchObject({ category: 'product', volume: 1 });
    expect(v.csat_drivers.length).toBeGreaterThan(0);
    // detractors: c-1 (csat 1), c-3 (nps 3); c-3 followed up
    expect(v.detractors).toBe(2);
    expect(v.loop_closure_rate).toBe(0.5);
    expect(v.median_time_to_follow_up_s).toBeGreaterThan(0);
    expect(v.trends.length).toBeGreaterThan(0);
  });
});

describe('restart', () => {
  it('restores the current state from the stored log', async () => {
    const dataDir = fw.dataDir;
    await fw.close();
    fw = await startFloorwatch({ natsUrl: nats.url, dataDir, areas: [vocArea()] });
    const d = (await call('GET', '/v1/feedback/c-3')).json;
    expect(d).toMatchObject({ status: 'followed_up', owner: 'marta', team: 'care', category: 'marketing_sales' });
    expect(d.history).toHaveLength(4);
    expect((await call('GET', '/v1/feedback?limit=50')).json.items).toHaveLength(6);
    // the durable consumer does not classify the old events again
    await new Promise((r) => setTimeout(r, 500));
    const n = await (await fw.rt.svc.ch.query({ query: "SELECT count() AS n FROM feedback_items WHERE tenant = 'default'", format: 'JSONEachRow' })).json<{ n: number }>();
    expect(Number(n[0].n)).toBe(6);
  });

  it('keeps older submissions out of memory but never an open detractor', async () => {
    const dataDir = fw.dataDir;
    await fw.close();
    fw = await startFloorwatch({ natsUrl: nats.url, dataDir, areas: [vocArea({ memoryDays: 60_000 / 86_400_000 })] });
    // every test submission is older than a minute: only c-1 (CSAT 1, never followed up) stays
    const items = (await call('GET', '/v1/feedback?limit=50')).json.items;
    expect(items.map((i: any) => i.id)).toEqual(['c-1']);
    expect(items[0]).toMatchObject({ team: 'care', detractor: true, status: 'new' });
  });
});
