// Live KPIs end to end: events through POST /v1/events reach the engine over JetStream,
// and GET /v1/kpis and the /v1/live WebSocket show exactly the numbers of kpis.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startFloorwatch, startTestNats, eventually, post, type TestFloorwatch } from '../support/harness.ts';
import { EXPECTED, matchesTable, shiftedExample } from '../support/worked-example.ts';
import { liveArea } from '../../pipelines/live/live-area.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';

let nats: PrivateNats;
let fw: TestFloorwatch;
// The engine's clock is pinned to the example's 10:10:00 so time-driven values are exact.
const NOW = Math.floor(Date.now() / 1000) * 1000;
const put = (url: string, body: unknown, headers: Record<string, string>) =>
  fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [liveArea({ fixedNow: NOW })] });
  expect((await post(`${fw.url}/v1/events`, shiftedExample(NOW), fw.admin)).status).toBe(202);
});
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

const kpis = async (scope: string, window = '15m') => {
  const r = await fetch(`${fw.url}/v1/kpis?scope=${encodeURIComponent(scope)}&window=${window}`, { headers: fw.admin });
  return { status: r.status, body: await r.json() };
};

describe('GET /v1/kpis', () => {
  it.each(Object.keys(EXPECTED))('gives the worked example table for %s', async (scope) => {
    const r = await eventually(async () => {
      const k = await kpis(scope);
      return k.status === 200 && matchesTable(k.body.metrics, EXPECTED[scope]).length === 0 ? k : null;
    }, 10_000).catch(async () => kpis(scope));
    expect(matchesTable(r.body.metrics, EXPECTED[scope])).toEqual([]);
    expect(r.body).toMatchObject({ scope, window: '15m', at: new Date(NOW).toISOString() });
    if (scope !== 'queue:billing') {
      // KPIs that do not apply to a team or agent are absent ("–"), not zero
      expect(r.body.metrics).not.toHaveProperty('waiting');
      expect(r.body.metrics).not.toHaveProperty('backlog');
    }
  });

  it('lists the scopes that exist, with agent names', async () => {
    const r = await (await fetch(`${fw.url}/v1/kpis/scopes`, { headers: fw.admin })).json();
    const byScope = new Map(r.scopes.map((s: { scope: string }) => [s.scope, s]));
    for (const s of ['all', 'queue:billing', 'channel:voice', 'team:north', 'team:south', 'agent:a1', 'agent:a2', 'agent:a3'])
      expect(byScope.has(s)).toBe(true);
    expect(byScope.get('agent:a1')).toEqual({ scope: 'agent:a1', kind: 'agent', id: 'a1', name: 'Anna' });
  });

  it('rejects a bad scope or window with the field, and an unknown scope with 404', async () => {
    const w = await kpis('queue:billing', '5m');
    expect(w.status).toBe(400);
    expect(JSON.stringify(w.body.errors)).toContain('window');
    const s = await kpis('queues:billing');
    expect(s.status).toBe(400);
    expect((await kpis('queue:nowhere')).status).toBe(404);
    const anon = await fetch(`${fw.url}/v1/kpis?scope=all&window=15m`);
    expect(anon.status).toBe(401);
  });

  it('applies a queue policy change on the next snapshot', async () => {
    // 80/20 gives 2/4; with a 10 s threshold only c1 (10 s wait) of the three answers meets it: 1/4.
    const r = await put(`${fw.url}/v1/queues/billing`, { sl_threshold_s: 10, name: 'Billing' }, fw.admin);
    expect(r.status).toBe(200);
    const k = await eventually(async () => {
      const x = await kpis('queue:billing');
      return x.body.metrics.service_level !== 0.5 ? x : null;
    });
    expect(k.body.metrics.service_level).toBe(0.25);
    const scopes = await (await fetch(`${fw.url}/v1/kpis/scopes`, { headers: fw.admin })).json();
    expect(scopes.scopes.find((s: { scope: string }) => s.scope === 'queue:billing').name).toBe('Billing');
    await put(`${fw.url}/v1/queues/billing`, { sl_threshold_s: 20 }, fw.admin);
    await eventually(async () => (await kpis('queue:billing')).body.metrics.service_level === 0.5);
  });

  it('applies a tenant time zone change to "today"', async () => {
    const tz = await put(`${fw.url}/v1/tenant`, { time_zone: 'Pacific/Kiritimati' }, fw.admin);
    expect(tz.status).toBe(200);
    const bad = await put(`${fw.url}/v1/tenant`, { time_zone: 'Mars/Olympus' }, fw.admin);
    expect(bad.status).toBe(400);
    expect((await bad.json()).detail).toMatch(/time_zone/);
    // UTC+14: local midnight may fall inside the example's 15 minutes, or not; either way
    // "today" must count exactly the arrivals after that midnight.
    const midnight = (() => {
      const d = new Date(NOW + 14 * 3_600_000);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - 14 * 3_600_000;
    })();
    const arrivals = shiftedExample(NOW).filter(
      (e) => (e.type === 'contact.queued' || e.type === 'contact.transferred') && 'queue' in e && Date.parse(e.time) >= midnight,
    ).length;
    await eventually(async () => (await kpis('queue:billing', 'today')).body.metrics.arrived === arrivals);
    await put(`${fw.url}/v1/tenant`, { time_zone: 'UTC' }, fw.admin);
  });
});

describe('GET /v1/live', () => {
  it('sends a snapshot per scope and window, then updates as numbers change', async () => {
    const url = fw.url.replace('http', 'ws') + '/v1/live';
    const ws = new WebSocket(url, { headers: fw.admin });
    const got: any[] = [];
    ws.on('message', (d) => got.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'subscribe', scopes: ['queue:billing', 'all'], windows: ['15m', 'today'], agents: true }));
    await eventually(() => got.filter((m) => m.type === 'snapshot').length === 4);
    const snap = got.find((m) => m.type === 'snapshot' && m.scope === 'queue:billing' && m.window === '15m');
    expect(matchesTable(snap.metrics, EXPECTED['queue:billing'])).toEqual([]);
    const agents = got.find((m) => m.type === 'agents' && m.scope === 'queue:billing');
    expect(agents.agents.map((a: { agent_id: string }) => a.agent_id).sort()).toEqual(['a1', 'a2', 'a3']);

    // a new contact queues: an update with waiting 3 follows
    const ev = { id: 'live-1', type: 'contact.queued', time: new Date(NOW - 1000).toISOString(), contact_id: 'c-live', queue: 'billing', channel: 'chat' };
    expect((await post(`${fw.url}/v1/events`, ev, fw.admin)).status).toBe(202);
    const upd = await eventually(() =>
      got.find((m) => m.type === 'update' && m.scope === 'queue:billing' && m.window === '15m' && m.metrics.waiting === 3),
    );
    expect(upd.metrics.arrived).toBe(8);
    await eventually(() => got.some((m) => m.type === 'heartbeat'), 5_000);

    ws.send('{"type":"subscribe","scopes":["bogus"]}');
    const err = await eventually(() => got.find((m) => m.type === 'error'));
    expect(err.detail).toMatch(/"bogus" is not a scope/);
    ws.close();
  });

  it('refuses a socket without a read key', async () => {
    const ws = new WebSocket(fw.url.replace('http', 'ws') + '/v1/live');
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!)));
    expect(status).toBe(401);
  });

  it('accepts a read key in the URL, as a wall display uses it', async () => {
    const k = await post(`${fw.url}/v1/keys`, { scopes: ['read'] }, fw.admin);
    const ws = new WebSocket(fw.url.replace('http', 'ws') + `/v1/live?key=${k.json.key}`);
    const first = new Promise<any>((r) => ws.once('message', (d) => r(JSON.parse(String(d)))));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'subscribe', scopes: ['all'], windows: ['1h'] }));
    expect(await first).toMatchObject({ type: 'snapshot', scope: 'all', window: '1h' });
    ws.close();
  });
});
