// History against real NATS and chDB: events posted out of order and with duplicates go
// through the writer and the history consumer; /v1/history must equal a brute-force
// recomputation from the raw events (worked example and random scenarios), CSV must
// carry the same numbers, and every rejection path answers 400 naming the problem.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFloorwatch, startTestNats, eventually, post, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { EVENTS_STREAM } from '../../pipelines/bus/subjects.ts';
import { historyArea } from '../../server/history/area.ts';
import { compactSettled } from '../../server/history/compact.ts';
import { rollupCover, rollupSettled } from '../../server/history/rollup.ts';
import { historyBody } from '../../server/history/history-query.ts';
import { BOOTSTRAP_TENANT } from '../../server/auth/keys.ts';
import { referenceHistory, type RawEvent } from '../unit/history/reference.ts';
import { disorder, scenario } from '../unit/history/scenario.ts';
import { TenantEngine } from '../../pipelines/engine/index.ts';
import type { BusEvent } from '../../pipelines/events/schema.ts';

const NOW = Date.parse('2026-11-24T10:10:00Z');
let nats: PrivateNats;
let fw: TestFloorwatch;

async function settled() {
  await eventually(async () => {
    for (const d of ['writer', 'history']) {
      const i = await fw.rt.svc.bus.jsm.consumers.info(EVENTS_STREAM, d);
      if (i.num_pending + i.num_ack_pending > 0) return false;
    }
    return true;
  }, 60_000);
}

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${fw.url}${path}`, { headers: { ...fw.admin, ...headers } });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* CSV */
  }
  return { status: res.status, json, text, type: res.headers.get('content-type') ?? '' };
}

async function ingest(events: RawEvent[], chunk = 50) {
  for (let i = 0; i < events.length; i += chunk) {
    const r = await post(`${fw.url}/v1/events`, events.slice(i, i + chunk), fw.admin);
    expect(r.status).toBe(202);
  }
}

const qs = (o: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined)).toString();

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [historyArea({ now: () => NOW })] });
}, 60_000);
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

describe('worked example (kpis.md), window 15m read at 10:10', () => {
  const worked = JSON.parse(fs.readFileSync('/work/shared/fixtures/worked-example.json', 'utf8')) as RawEvent[];
  const range = { from: '2026-11-24T09:55:00Z', to: '2026-11-24T10:10:00.001Z', interval: '1d' };
  const one = async (filter: Record<string, string>, metrics: string[]) => {
    const r = await get(`/v1/history?${qs({ ...range, ...filter, metrics: metrics.join(',') })}`);
    expect(r.status, r.text).toBe(200);
    expect(r.json.rows).toHaveLength(1);
    return r.json.rows[0];
  };

  beforeAll(async () => {
    await ingest(disorder(worked, 7, 0.2, 4), 7);
    await settled();
  }, 90_000);

  it('queue:billing', async () => {
    const r = await one({ queue: 'billing', group_by: 'queue' }, [
      'arrived', 'answered', 'abandoned', 'abandoned_short', 'offered', 'service_level', 'abandon_rate', 'asa_s',
      'wait_p90_s', 'aht_s', 'fcr', 'occupancy', 'csat', 'csat_avg', 'csat_responses', 'nps', 'ces_avg', 'frt_avg_s',
      'tickets_created', 'tickets_solved',
    ]);
    expect(r).toMatchObject({ bucket: '2026-11-24T00:00:00Z', queue: 'billing', arrived: 7, answered: 3, abandoned: 2, abandoned_short: 1, offered: 5 });
    expect(r.service_level).toBe(0.5);
    expect(r.abandon_rate).toBe(0.25);
    expect(r.asa_s).toBeCloseTo(18.333, 3);
    expect(r.wait_p90_s).toBe(30);
    expect(r.aht_s).toBe(225);
    expect(r.fcr).toBe(0.5);
    expect(r.occupancy).toBeCloseTo(0.37121, 5);
    expect(r.csat).toBeCloseTo(0.6667, 4);
    expect(r.csat_avg).toBeCloseTo(3.6667, 4);
    expect(r.csat_responses).toBe(3);
    expect(r.nps).toBe(0);
    expect(r.ces_avg).toBe(6);
    expect(r.frt_avg_s).toBe(105);
    expect(r.tickets_created).toBe(4);
    expect(r.tickets_solved).toBe(1);
  });

  it('team:north and agent:a1', async () => {
    const m = ['answered', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr', 'occupancy', 'csat', 'csat_avg', 'csat_responses'];
    const t = await one({ team: 'north' }, m);
    expect(t.answered).toBe(3);
    expect(t.asa_s).toBeCloseTo(18.333, 3);
    expect([t.wait_p90_s, t.aht_s, t.fcr, t.csat, t.csat_avg, t.csat_responses]).toEqual([30, 225, 0.5, 0.5, 3.5, 2]);
    expect(t.occupancy).toBeCloseTo(0.53261, 5);
    const a = await one({ agent: 'a1', group_by: 'agent' }, m);
    expect(a.agent).toBe('a1');
    expect([a.answered, a.asa_s, a.wait_p90_s, a.aht_s, a.fcr, a.csat, a.csat_avg, a.csat_responses]).toEqual([2, 12.5, 15, 300, 1, 1, 5, 1]);
    expect(a.occupancy).toBeCloseTo(0.65, 5);
  });

  it('a contact timeline holds every event of the contact, in time order', async () => {
    const r = await get('/v1/contacts/c1');
    expect(r.status).toBe(200);
    const mine = worked.filter((e) => e.contact_id === 'c1').sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    expect(r.json.contact_id).toBe('c1');
    expect(r.json.events.map((e: RawEvent) => e.id).sort()).toEqual(mine.map((e) => e.id).sort());
    const times = r.json.events.map((e: RawEvent) => Date.parse(e.time));
    expect(times).toEqual([...times].sort((a: number, b: number) => a - b));
    expect(r.json.events.find((e: RawEvent) => e.type === 'feedback.submitted')).toMatchObject({ score: 5, comment: expect.stringContaining('gentilissimo') });
    expect(r.json.segments[0]).toMatchObject({ queue: 'billing', outcome: 'answered', agent_id: 'a1', wait_s: 10, handle_s: 300, resolved: true });
    expect((await get('/v1/contacts/nope')).status).toBe(404);
  });
});

const step: Record<string, number> = { '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 };
const bucketFn = (interval: string, offsetH: number) => (t: number) => {
  const off = offsetH * 3_600_000;
  if (interval !== '1w') return Math.floor((t + off) / step[interval]) * step[interval] - off;
  const day = Math.floor((t + off) / 86_400_000);
  return (day - ((day + 3) % 7)) * 86_400_000 - off; // 1970-01-01 was a Thursday
};

/** The rows of a /v1/history answer equal the brute-force recomputation, in (bucket, group) order. */
function expectReference(
  json: { rows: Record<string, any>[] },
  events: RawEvent[],
  metrics: string[],
  o: { from: number; to: number; interval: string; offsetH: number; dim: string; slMs?: Record<string, number>; shortMs?: Record<string, number> },
) {
  const { from, to, dim } = o;
  const ref = referenceHistory(events, metrics, {
    from, to, now: NOW, slMs: o.slMs, shortMs: o.shortMs, bucket: bucketFn(o.interval, o.offsetH), groupBy: dim === 'none' ? null : (dim as 'queue'),
  });
  const empty = (v: Record<string, number | null>) => Object.values(v).every((x) => x === null || x === 0);
  // ordered by bucket, then group (byte order of the group, as ClickHouse sorts)
  const order = json.rows.map((row: Record<string, string>) => [Date.parse(row.bucket), dim === 'none' ? '' : row[dim]] as const);
  for (let i = 1; i < order.length; i++) {
    const [b0, g0] = order[i - 1];
    const [b1, g1] = order[i];
    expect(b0 < b1 || (b0 === b1 && Buffer.compare(Buffer.from(g0), Buffer.from(g1)) < 0), `row ${i} out of order`).toBe(true);
  }
  const got = new Map<string, Record<string, number | null>>();
  for (const row of json.rows) {
    const { bucket, [dim]: g, ...vals } = row;
    got.set(`${Date.parse(bucket)}|${dim === 'none' ? '' : g}`, vals);
  }
  let compared = 0;
  for (const [k, want] of ref) {
    if (empty(want)) continue;
    const have = got.get(k);
    expect(have, `row ${k}`).toBeDefined();
    for (const m of metrics) {
      if (want[m] === null) expect(have![m], `${k} ${m}`).toBeNull();
      else expect(have![m], `${k} ${m}`).toBeCloseTo(want[m]!, 9);
    }
    compared++;
  }
  for (const [k, have] of got) if (!ref.has(k)) expect(empty(have), `unexpected row ${k}`).toBe(true);
  expect(compared).toBeGreaterThan(0);
}

const starts = [Date.parse('2026-11-10T08:00:00Z'), Date.parse('2026-11-12T22:30:00Z')];
const events = starts.flatMap((s, i) => scenario(100 + i, s, { contacts: 70 }));

describe('random scenarios equal a brute-force recomputation', () => {

  beforeAll(async () => {
    await ingest(disorder(events, 3), 40);
    await settled();
  }, 120_000);

  const byDim: Record<string, string[]> = {
    none: ['arrived', 'answered', 'abandoned', 'abandoned_short', 'offered', 'service_level', 'abandon_rate', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr', 'occupancy', 'csat', 'csat_avg', 'csat_responses', 'nps', 'nps_responses', 'ces_avg', 'frt_avg_s', 'tickets_created', 'tickets_solved'],
    queue: ['arrived', 'answered', 'abandoned', 'abandoned_short', 'service_level', 'abandon_rate', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr', 'occupancy', 'csat', 'nps', 'frt_avg_s', 'tickets_created', 'tickets_solved'],
    channel: ['arrived', 'answered', 'offered', 'service_level', 'asa_s', 'aht_s', 'csat_avg', 'tickets_created', 'frt_avg_s'],
    team: ['answered', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr', 'occupancy', 'csat', 'nps', 'ces_avg'],
    agent: ['answered', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr', 'occupancy', 'csat_avg', 'nps_responses'],
  };
  const cases: { interval: string; tz: string; offsetH: number }[] = [
    { interval: '15m', tz: 'UTC', offsetH: 0 },
    { interval: '1h', tz: 'Europe/Rome', offsetH: 1 },
    { interval: '1d', tz: 'UTC', offsetH: 0 },
    { interval: '1w', tz: 'Asia/Kolkata', offsetH: 5.5 },
  ];
  for (const c of cases)
    for (const dim of Object.keys(byDim))
      it(`${c.interval} in ${c.tz}, group by ${dim}`, async () => {
        const from = Date.parse('2026-11-10T07:00:00Z');
        const to = c.interval === '15m' ? Date.parse('2026-11-11T01:00:00Z') : Date.parse('2026-11-13T06:00:00Z');
        const metrics = byDim[dim];
        const r = await get(`/v1/history?${qs({
          metrics: metrics.join(','), from: new Date(from).toISOString(), to: new Date(to).toISOString(),
          interval: c.interval, tz: c.tz, group_by: dim === 'none' ? undefined : dim,
        })}`);
        expect(r.status, r.text).toBe(200);
        expect(r.json).toMatchObject({ interval: c.interval, tz: c.tz });
        expectReference(r.json, events, metrics, { from, to, interval: c.interval, offsetH: c.offsetH, dim });
      });
});

describe('rejections, CSV and contacts', () => {
  const base = { metrics: 'service_level,asa_s', from: '2026-11-10T00:00:00Z', to: '2026-11-14T00:00:00Z', interval: '1h' };
  const bad = async (o: Record<string, string | undefined>, field: string, text: RegExp) => {
    const r = await get(`/v1/history?${qs(o)}`);
    expect(r.status, r.text).toBe(400);
    expect(r.json.detail).toMatch(text);
    expect(r.json.errors[0].field).toBe(field);
  };

  it('rejects every bad parameter with a 400 naming it', async () => {
    await bad({ ...base, metrics: 'service_level,bogus' }, 'metrics', /unknown metric "bogus"/);
    await bad({ ...base, metrics: 'waiting' }, 'metrics', /"waiting" is instantaneous/);
    await bad({ ...base, metrics: 'longest_wait_s' }, 'metrics', /instantaneous/);
    await bad({ ...base, metrics: 'backlog' }, 'metrics', /instantaneous/);
    await bad({ ...base, metrics: undefined }, 'metrics', /metrics is required/);
    await bad({ ...base, interval: '5m' }, 'interval', /interval "5m" is not one of 15m, 1h, 1d, 1w/);
    await bad({ ...base, from: 'yesterday' }, 'from', /not an RFC 3339/);
    await bad({ ...base, from: undefined }, 'from', /from is required/);
    await bad({ ...base, to: '2026-11-24T00:00' }, 'to', /not an RFC 3339/);
    await bad({ ...base, to: base.from }, 'to', /range is empty/);
    await bad({ ...base, interval: '15m', from: '2026-09-01T00:00:00Z' }, 'from', /range too large for interval 15m: at most 31 days/);
    await bad({ ...base, from: '2025-01-01T00:00:00Z' }, 'from', /range too large for interval 1h: at most 366 days/);
    await bad({ ...base, group_by: 'site' }, 'group_by', /group_by "site" is not one of queue, channel, team, agent/);
    await bad({ ...base, group_by: 'agent' }, 'group_by', /metric "service_level" is not defined by agent/);
    await bad({ ...base, metrics: 'occupancy', channel: 'voice' }, 'channel', /"occupancy" is not defined by channel/);
    await bad({ ...base, tz: 'Mars/Olympus' }, 'tz', /not an IANA time zone/);
    await bad({ ...base, format: 'xml' }, 'format', /format "xml"/);
    await bad({ ...base, colour: 'red' }, 'colour', /unknown parameter "colour"/);
    const anon = await fetch(`${fw.url}/v1/history?${qs(base)}`);
    expect(anon.status).toBe(401);
  });

  it('values are bound: quotes in filters are data, not SQL', async () => {
    const r = await get(`/v1/history?${qs({ ...base, group_by: 'queue', queue: "billing' OR 1=1 --" })}`);
    expect(r.status).toBe(200);
    expect(r.json.rows).toEqual([]);
  });

  it('CSV (format=csv and Accept: text/csv) parses back to the JSON numbers', async () => {
    const o = { ...base, metrics: 'answered,service_level,asa_s,wait_p90_s,csat', group_by: 'queue' };
    const j = await get(`/v1/history?${qs(o)}`);
    expect(j.json.rows.length).toBeGreaterThan(5);
    for (const c of [await get(`/v1/history?${qs({ ...o, format: 'csv' })}`), await get(`/v1/history?${qs(o)}`, { accept: 'text/csv' })]) {
      expect(c.type).toMatch(/^text\/csv/);
      const [head, ...lines] = c.text.trimEnd().split(/\r?\n/);
      const cols = head.split(',').map((h) => h.replace(/"/g, ''));
      expect(cols).toEqual(['bucket', 'queue', 'answered', 'service_level', 'asa_s', 'wait_p90_s', 'csat']);
      const unquote = (v: string) => (v.startsWith('"') ? v.slice(1, -1).replace(/""/g, '"') : v);
      const parsed = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], i < 2 ? unquote(v) : v === '' ? null : Number(v)])));
      expect(parsed).toEqual(j.json.rows);
    }
  });

  it('lists contacts with filters, paged by a stable cursor', async () => {
    const all: any[] = [];
    let cursor: string | null = null;
    do {
      const r = await get(`/v1/contacts?${qs({ queue: 'billing', from: '2026-11-10T00:00:00Z', to: '2026-11-14T00:00:00Z', limit: '7', cursor: cursor ?? undefined })}`);
      expect(r.status, r.text).toBe(200);
      expect(r.json.items.length).toBeLessThanOrEqual(7);
      all.push(...r.json.items);
      cursor = r.json.next_cursor;
    } while (cursor);
    expect(all.length).toBeGreaterThan(10);
    expect(new Set(all.map((x) => `${x.contact_id}/${x.segment}`)).size).toBe(all.length);
    expect(all.every((x) => x.queue === 'billing')).toBe(true);
    const times = all.map((x) => Date.parse(x.queued_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const long = await get(`/v1/contacts?${qs({ outcome: 'answered', wait_min: '30', limit: '1000' })}`);
    expect(long.json.items.length).toBeGreaterThan(0);
    expect(long.json.items.every((x: any) => x.outcome === 'answered' && x.wait_s >= 30)).toBe(true);
    const fb = await get(`/v1/contacts?${qs({ survey: 'csat', score_max: '2', limit: '1000' })}`);
    expect(fb.json.items.map((x: any) => x.contact_id)).toContain('c2'); // worked example: c2 scored csat 2
    expect(fb.json.items.map((x: any) => x.contact_id)).not.toContain('c1');
    const bads: [Record<string, string>, string][] = [[{ outcome: 'lost' }, 'outcome'], [{ wait_min: '-1' }, 'wait_min'], [{ cursor: 'zzz' }, 'cursor'], [{ limit: '5000' }, 'limit']];
    for (const [o, field] of bads) {
      const r = await get(`/v1/contacts?${qs(o)}`);
      expect(r.status).toBe(400);
      expect(r.json.errors[0].field).toBe(field);
    }
  });
});

// The live engine counts an agent's whole day in its current team and queues; history
// uses the team and queues the agent had at each moment. They agree whenever no agent
// changed team or queue list during the day, which this scenario keeps to.
describe('live today = history for today', () => {
  const today = scenario(900, Date.parse('2026-11-24T00:30:00Z'), { contacts: 80, spanS: 6 * 3600, prefix: 'today', stableTeams: true, agentPrefix: 'ta' });

  beforeAll(async () => {
    await ingest(disorder(today, 11), 40);
    await settled();
  }, 120_000);

  it('the engine\'s today window equals the history day bucket, for every scope kind', async () => {
    const worked = JSON.parse(fs.readFileSync('/work/shared/fixtures/worked-example.json', 'utf8')) as RawEvent[];
    const engine = new TenantEngine({ tenant: 'default' });
    for (const e of disorder([...worked, ...today], 5))
      engine.apply({ ...e, tenant: 'default', ts: Date.parse(e.time), received_at: NOW } as unknown as BusEvent);
    const metrics = ['arrived', 'answered', 'abandoned', 'abandoned_short', 'offered', 'service_level', 'abandon_rate', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr', 'occupancy', 'csat', 'csat_avg', 'csat_responses', 'nps', 'nps_responses', 'ces_avg', 'frt_avg_s', 'tickets_created', 'tickets_solved'];
    const scopes: [string, Record<string, string>][] = [['all', {}], ['queue:billing', { queue: 'billing' }], ['channel:voice', { channel: 'voice' }], ['team:north', { team: 'north' }], ['agent:a1', { agent: 'a1' }], ['agent:ta2', { agent: 'ta2' }], ['team:south', { team: 'south' }], ['queue:tech', { queue: 'tech' }]];
    let compared = 0;
    for (const [scope, filter] of scopes) {
      const live = engine.metrics(scope, 'today', NOW)!;
      expect(live, scope).toBeDefined();
      const dim = Object.keys(filter)[0] as string | undefined;
      const ms = metrics.filter((m) => (live as Record<string, unknown>)[m] !== undefined && (!dim || !/^(arrived|abandoned|abandoned_short|offered|service_level|abandon_rate)$/.test(m) || dim === 'queue' || dim === 'channel') && !(dim === 'channel' && m === 'occupancy') && !((dim === 'team' || dim === 'agent') && /^(frt_avg_s|tickets_)/.test(m)));
      const r = await get(`/v1/history?${qs({ metrics: ms.join(','), from: '2026-11-24T00:00:00Z', to: new Date(NOW + 1).toISOString(), interval: '1d', ...filter })}`);
      expect(r.status, r.text).toBe(200);
      const row = r.json.rows[0];
      for (const m of ms) {
        const want = (live as Record<string, number | null>)[m];
        if (want === null) expect(row[m], `${scope} ${m}`).toBeNull();
        else expect(row[m], `${scope} ${m}`).toBeCloseTo(want, 9);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);
  });
});

describe('the hourly queue rollup of settled days (server/history/rollup.ts)', () => {
  // KPIs the rollup serves (contact facts), with queue policies that differ by queue.
  const metrics = ['arrived', 'answered', 'abandoned', 'abandoned_short', 'offered', 'service_level', 'abandon_rate', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr'];
  const cases = [
    { interval: '1h', tz: 'Europe/Rome', offsetH: 1, dim: 'queue' },
    { interval: '1h', tz: 'UTC', offsetH: 0, dim: 'none' },
    { interval: '1d', tz: 'UTC', offsetH: 0, dim: 'queue' },
  ];
  const ranges = [
    [Date.parse('2026-11-10T07:00:00Z'), Date.parse('2026-11-13T06:00:00Z')],
    [Date.parse('2026-11-10T08:20:00Z'), Date.parse('2026-11-13T01:40:00Z')], // partial first and last hours
  ];
  const url = (c: (typeof cases)[number], [from, to]: number[], extra: Record<string, string> = {}) =>
    `/v1/history?${qs({ metrics: metrics.join(','), from: new Date(from).toISOString(), to: new Date(to).toISOString(), interval: c.interval, tz: c.tz, group_by: c.dim === 'none' ? undefined : c.dim, ...extra })}`;
  const DAYS = [20261110, 20261112, 20261113];
  const cover = () => rollupCover(fw.rt.svc.ch, Date.parse('2026-11-09T00:00:00Z'), Date.parse('2026-11-15T00:00:00Z'), Date.now());
  const rollUp = async () => {
    await compactSettled(fw.rt.svc.ch, { quietMs: 0 }); // the real clock: the parts were written just now
    return rollupSettled(fw.rt.svc.ch, { quietMs: 0 });
  };
  const before = new Map<string, string>();
  const POLICIES = { slMs: { billing: 15_000, tech: 30_000 }, shortMs: { billing: 8_000, tech: 8_000 } };

  beforeAll(async () => {
    const put = (q: string, sl: number) =>
      fetch(`${fw.url}/v1/queues/${q}`, { method: 'PUT', headers: { ...fw.admin, 'content-type': 'application/json' }, body: JSON.stringify({ sl_threshold_s: sl, short_abandon_s: 8 }) });
    expect((await put('billing', 15)).status).toBeLessThan(300);
    expect((await put('tech', 30)).status).toBeLessThan(300);
    for (const c of cases) for (const r of ranges) before.set(url(c, r), (await get(url(c, r))).text);
    before.set(url(cases[0], ranges[0], { queue: 'billing,tech' }), (await get(url(cases[0], ranges[0], { queue: 'billing,tech' }))).text);
  });

  it('rolls up each settled day once, and then answers byte for byte as the facts alone do', async () => {
    expect((await cover()).days).toEqual([]);
    const done = await rollUp();
    expect(done.map((d) => d.day).filter((d) => d < 20261120)).toEqual(DAYS); // later days: this run's real today, if settled
    expect((await cover()).days).toEqual(DAYS);
    expect(await rollupSettled(fw.rt.svc.ch, { quietMs: 0 })).toEqual([]); // nothing new
    for (const [u, text] of before) {
      const r = await get(u);
      expect(r.status).toBe(200);
      expect(r.text, u).toBe(text);
    }
    // …and as the per-kind queries of the facts alone (no rollup source at all) do
    const policies = { queues: ['billing', 'tech'], slMs: [15_000, 30_000], shortMs: [8_000, 8_000], defaultSlMs: 20_000, defaultShortMs: 5_000 };
    for (const c of cases)
      for (const [from, to] of ranges) {
        const req = { tenant: BOOTSTRAP_TENANT, metrics, from, to, interval: c.interval as '1h', tz: c.tz, groupBy: c.dim === 'none' ? null : ('queue' as const), filters: {}, policies, now: NOW };
        const facts = (await historyBody(fw.rt.svc.ch, { ...req, rollup: null }, 'json')).toString();
        expect((await historyBody(fw.rt.svc.ch, req, 'json')).toString()).toBe(facts);
        expect(JSON.parse(facts).rows.length).toBeGreaterThan(0);
      }
  });

  it('the answer really comes from the rollup: a row changed there shows', async () => {
    const ch = fw.rt.svc.ch;
    const { parts } = await cover();
    const u = url(cases[0], ranges[0]);
    await ch.command({
      query: `INSERT INTO hist_queue_hourly (tenant, day, part, hour, queue, arrivals, arrived, outcomes, answered)
              SELECT tenant, day, part, hour, queue, 0, 0, 1, 1000 FROM hist_queue_hourly
              WHERE day = 20261110 AND part = {p:String} AND queue = 'billing' LIMIT 1`,
      query_params: { p: parts[0] },
    });
    const changed = JSON.parse((await get(u)).text).rows.reduce((s: number, r: any) => s + (r.answered ?? 0), 0);
    const was = JSON.parse(before.get(u)!).rows.reduce((s: number, r: any) => s + (r.answered ?? 0), 0);
    expect(changed).toBe(was + 1000);
    await ch.command({ query: `ALTER TABLE hist_queue_hourly DELETE WHERE answered = 1000 SETTINGS mutations_sync = 1` });
    expect((await get(u)).text).toBe(before.get(u));
  });

  it('a late event on a rolled-up day is read from the facts at once, and the day is rolled up again', async () => {
    const late = scenario(777, Date.parse('2026-11-12T23:00:00Z'), { contacts: 12, prefix: 'late', spanS: 1800, stableTeams: true });
    await ingest(late, 40);
    await settled();
    const all = [...events, ...late];
    expect((await cover()).days).not.toContain(20261112);
    for (const c of cases)
      for (const r of ranges) {
        const res = await get(url(c, r));
        expectReference(res.json, all, metrics, { from: r[0], to: r[1], interval: c.interval, offsetH: c.offsetH, dim: c.dim, ...POLICIES });
      }
    const again = await rollUp();
    expect(again.map((d) => d.day)).toContain(20261112);
    expect((await cover()).days).toEqual(DAYS);
    for (const c of cases)
      for (const r of ranges) {
        const res = await get(url(c, r));
        expectReference(res.json, all, metrics, { from: r[0], to: r[1], interval: c.interval, offsetH: c.offsetH, dim: c.dim, ...POLICIES });
      }
  });
});
