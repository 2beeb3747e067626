// GET /v1/history?format=columns: ClickHouse now lays out the arrays and writes them
// (historyColumns); before, JS parsed the rows (JSONCompact), pivoted them and Fastify
// serialised the object. The answer must not change by a byte. The old pivot is kept
// here as the reference, over the rows it read (historySql's `columns`), and compared
// with the HTTP body for random requests (groupings, ungrouped, intervals, zones with
// half-hour offsets and DST, partial buckets, filters, every family of KPIs) on random
// traffic with odd group names (a slash, quotes, a tab, U+2028, an astral character, the
// control character the old pivot used as its every-bucket group), first from the
// facts, then with the settled days rolled up (rollup and facts-only plans).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { createKey, post, settled, startFloorwatch, startTestNats, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { historyArea } from '../../server/history/area.ts';
import { compactSettled } from '../../server/history/compact.ts';
import { rollupSettled } from '../../server/history/rollup.ts';
import { historyColumns, historyParams, historySql, rollupFor, withCover, type HistoryRequest } from '../../server/history/history-query.ts';
import { parseHistoryQuery } from '../../server/history/params.ts';
import { HISTORY_METRICS, type Dim } from '../../server/history/catalog.ts';
import { queryRaw } from '../../server/db/clickhouse.ts';
import type { RawEvent } from '../unit/history/reference.ts';
import { disorder, rng, scenario } from '../unit/history/scenario.ts';

const NOW = Date.parse('2026-11-24T10:10:00Z');
const D0 = Date.parse('2026-11-19T00:00:00Z');
const H = 3_600_000;
const TENANT = 'colbody';
/** queue names that JSON escapes, that sort differently as UTF-16 and UTF-8, and the old every-bucket group */
const ODD: Record<string, string> = { billing: 'bill/ing "β"', sales: 'sales\ttab\u2028', tech: '😀tech' };
const POLICIES = { queues: [], slMs: [], shortMs: [], defaultSlMs: 20_000, defaultShortMs: 5_000 };

let nats: PrivateNats;
let fw: TestFloorwatch;
let key: string;

/** Day d's traffic; on day 1 the queues renamed to ODD, and a few contacts in the queue "\u0001". */
function traffic(): RawEvent[] {
  const out: RawEvent[] = [];
  for (const d of [0, 1, 2]) {
    const evs = scenario(70 + d, D0 + d * 24 * H + 5 * H, { contacts: 90, spanS: 17 * 3600, prefix: `cb${d}` });
    const q = (x: unknown) => (d === 1 && typeof x === 'string' ? ODD[x] ?? x : x);
    for (const e of evs) {
      const f = e as Record<string, unknown>;
      if ('queue' in f) f.queue = q(f.queue);
      if ('to_queue' in f) f.to_queue = q(f.to_queue);
      if (Array.isArray(f.queues)) f.queues = f.queues.map(q);
      out.push(e);
    }
  }
  for (let i = 0; i < 4; i++) {
    const t = D0 + 30 * H + i * 2 * H;
    out.push(
      { id: `ctl-q${i}`, type: 'contact.queued', time: new Date(t).toISOString(), contact_id: `ctl${i}`, queue: '\u0001', channel: 'voice' } as RawEvent,
      { id: `ctl-a${i}`, type: 'contact.answered', time: new Date(t + 20_000).toISOString(), contact_id: `ctl${i}`, queue: '\u0001', agent_id: 'a1' } as RawEvent,
    );
  }
  return out;
}

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [historyArea({ now: () => NOW })] });
  key = await createKey(fw, ['ingest', 'read'], TENANT);
  const events = disorder(traffic(), 5);
  for (let i = 0; i < events.length; i += 200) {
    const r = await post(`${fw.url}/v1/events`, events.slice(i, i + 200), { authorization: `Bearer ${key}` });
    expect(r.status, JSON.stringify(r.json)).toBe(202);
  }
  await settled(fw, 120_000);
}, 180_000);
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

interface OldColumns {
  interval: string;
  tz: string;
  format: 'columns';
  metrics: string[];
  buckets: string[];
  series: ({ values: Record<string, (number | null)[]> } & Record<string, unknown>)[];
}

/** The reference: historyColumns before ClickHouse wrote the arrays, serialised as Fastify did (JSON.stringify). */
async function oldColumns(ch: ClickHouseClient, req: HistoryRequest): Promise<string> {
  req = await withCover(ch, req);
  const body = await queryRaw(ch, `${historySql(req, { columns: true })} FORMAT JSONCompact`, historyParams(req));
  const data = (JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as { data: unknown[][] }).data;
  const lead = req.groupBy ? 3 : 2; // b, bucket[, group]
  const buckets: string[] = [];
  const index = new Map<number, number>();
  for (const r of data) {
    const b = Number(r[0]);
    if (!index.has(b)) {
      index.set(b, buckets.length);
      buckets.push(r[1] as string);
    }
  }
  const series = new Map<string, OldColumns['series'][number]>();
  const seriesOf = (g: string) => {
    let s = series.get(g);
    if (!s) {
      const values = Object.fromEntries(req.metrics.map((m) => [m, new Array<number | null>(buckets.length).fill(null)]));
      s = req.groupBy ? { [req.groupBy]: g, values } : { values };
      series.set(g, s);
    }
    return s;
  };
  if (!req.groupBy) seriesOf('');
  for (const r of data) {
    const g = req.groupBy ? String(r[2]) : '';
    if (req.groupBy && g === '\u0001') continue;
    const s = seriesOf(g);
    const i = index.get(Number(r[0]))!;
    req.metrics.forEach((m, k) => {
      const v = r[lead + k];
      s.values[m][i] = v === null ? null : Number(v);
    });
  }
  const out = [...series.values()];
  if (req.groupBy) out.sort((a, b) => (String(a[req.groupBy!]) < String(b[req.groupBy!]) ? -1 : 1));
  const old: OldColumns = { interval: req.interval, tz: req.tz, format: 'columns', metrics: req.metrics, buckets, series: out };
  return JSON.stringify(old);
}

const ZONES = ['UTC', 'Europe/Rome', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe'];
const GROUPS: (Dim | null)[] = [null, 'queue', 'channel', 'team', 'agent'];
const FILTER_VALUES: Record<Dim, string[]> = {
  queue: ['billing', 'tech', ODD.billing, ODD.tech, '\u0001'],
  channel: ['voice', 'chat', 'email'],
  team: ['north', 'east'],
  agent: ['a1', 'a3'],
};

/** A random valid query string (params.ts accepts it) and the request the route makes of it. */
function randomQuery(r: () => number, opts: { rollupShape?: boolean } = {}): Record<string, string> {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const groupBy = opts.rollupShape ? pick([null, 'queue', 'channel'] as const) : pick(GROUPS);
  const filterDims = (['queue', 'channel', 'team', 'agent'] as Dim[]).filter((d) => d !== groupBy && r() < (opts.rollupShape ? 0.3 : 0.15) && (!opts.rollupShape || d === 'queue' || d === 'channel'));
  const dims = [...(groupBy ? [groupBy] : []), ...filterDims];
  const contact = new Set(['arrival', 'outcome', 'wrap']);
  const ok = Object.keys(HISTORY_METRICS).filter((m) => dims.every((d) => HISTORY_METRICS[m].dims.includes(d)) && (!opts.rollupShape || contact.has(HISTORY_METRICS[m].family) || r() < 0.2));
  const metrics = [...new Set(Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(ok)))];
  const interval = opts.rollupShape ? pick(['1h', '1d', '1w']) : pick(['15m', '1h', '1h', '1d', '1w']);
  const tz = opts.rollupShape ? pick(['UTC', 'Europe/Rome', 'America/New_York']) : pick(ZONES);
  // ranges around the three days of traffic, some on whole hours, some cut anywhere
  const from = D0 - H * Math.floor(r() * 30) + (r() < 0.5 ? 0 : Math.floor(r() * H));
  const to = Math.min(from + H * (1 + Math.floor(r() * 100)) + (r() < 0.5 ? 0 : Math.floor(r() * H)), NOW + 6 * H);
  const q: Record<string, string> = { metrics: metrics.join(','), interval, tz, from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  if (groupBy) q.group_by = groupBy;
  for (const d of filterDims) q[d] = [...new Set([pick(FILTER_VALUES[d]), pick(FILTER_VALUES[d])])].join(',');
  return q;
}

function requestOf(q: Record<string, string>): HistoryRequest {
  const { format: _, ...h } = parseHistoryQuery(q, { tz: 'UTC', now: NOW });
  return { tenant: TENANT, ...h, policies: POLICIES, now: NOW };
}

async function columnsBody(q: Record<string, string>) {
  const res = await fetch(`${fw.url}/v1/history?${new URLSearchParams({ ...q, format: 'columns' })}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()).toString('utf8') };
}

async function compare(q: Record<string, string>) {
  const ref = await oldColumns(fw.rt.svc.ch, requestOf(q));
  const got = await columnsBody(q);
  expect(got.status, got.body.slice(0, 300)).toBe(200);
  expect(got.type).toBe('application/json; charset=utf-8');
  expect(got.body, JSON.stringify(q)).toBe(ref);
  return JSON.parse(ref) as OldColumns;
}

describe('format=columns body, byte for byte the old pivot', () => {
  it('fixed cases: every grouping, odd group names, the "\\u0001" queue, a bucket only the data has', async () => {
    const all = { from: '2026-11-18T22:00:00Z', to: '2026-11-22T03:00:00Z' };
    const seen = new Set<string>();
    for (const [group_by, metrics] of [
      [undefined, 'arrived,answered,service_level,asa_s,wait_p90_s,aht_s,fcr,occupancy,csat,nps,tickets_created,frt_avg_s'],
      ['queue', 'arrived,service_level,asa_s,abandon_rate,occupancy,csat_avg,tickets_solved'],
      ['channel', 'offered,abandoned_short,wait_p90_s,ces_avg'],
      ['team', 'answered,aht_s,occupancy,nps_responses'],
      ['agent', 'answered,asa_s,fcr,csat_responses'],
    ] as const) {
      const j = await compare({ ...all, metrics, interval: '1h', tz: 'Europe/Rome', ...(group_by ? { group_by } : {}) });
      for (const s of j.series) seen.add(String(s.queue));
      expect(j.series.length).toBeGreaterThan(0);
    }
    // the odd names are series (escaped and sorted as JS does); the "\u0001" queue is not
    for (const n of Object.values(ODD)) expect(seen).toContain(n);
    expect(seen).not.toContain('\u0001');
    const rows = await fetch(`${fw.url}/v1/history?${new URLSearchParams({ ...all, metrics: 'arrived', group_by: 'queue' })}`, { headers: { authorization: `Bearer ${key}` } });
    expect((await rows.json()).rows.map((r: { queue: string }) => r.queue)).toContain('\u0001');
    // 00:59:59 to 01:00:01: the sampled bucket list has 00:00 only, the facts also 01:00
    await compare({ from: '2026-11-20T09:59:59Z', to: '2026-11-20T10:00:01Z', metrics: 'arrived,asa_s', interval: '1h', group_by: 'queue', tz: 'UTC' });
    await compare({ from: '2026-11-20T09:59:59Z', to: '2026-11-20T10:00:01Z', metrics: 'arrived,asa_s', interval: '1h', tz: 'UTC' });
    // a repeated metric, a range with no data at all
    await compare({ ...all, metrics: 'asa_s,arrived,asa_s', interval: '1d', group_by: 'queue', tz: 'UTC' });
    const empty = await compare({ from: '2026-10-01T00:00:00Z', to: '2026-10-02T00:00:00Z', metrics: 'answered', interval: '1h', group_by: 'agent', tz: 'UTC' });
    expect(empty.series).toEqual([]);
    expect(empty.buckets.length).toBe(24);
  }, 120_000);

  it('random requests, from the facts', async () => {
    const r = rng(1717);
    for (let i = 0; i < 60; i++) await compare(randomQuery(r));
  }, 240_000);

  it('random requests with the settled days rolled up: the rollup plan and the facts-only plan', async () => {
    await compactSettled(fw.rt.svc.ch, { quietMs: 0 });
    expect((await rollupSettled(fw.rt.svc.ch, { quietMs: 0 })).length).toBeGreaterThan(0);
    const r = rng(2929);
    let rolled = 0;
    for (let i = 0; i < 40; i++) {
      const q = randomQuery(r, { rollupShape: true });
      await compare(q);
      const req = requestOf(q);
      const planned = await withCover(fw.rt.svc.ch, req);
      if (planned.rollup) {
        rolled++;
        expect(historySql(planned)).toContain(`FROM ${rollupFor(req)!.table}`);
      }
      // the facts alone (no rollup): the same bytes again
      const facts = { ...req, rollup: null };
      expect((await historyColumns(fw.rt.svc.ch, facts)).toString('utf8'), JSON.stringify(q)).toBe(await oldColumns(fw.rt.svc.ch, facts));
    }
    expect(rolled).toBeGreaterThan(20);
  }, 240_000);
});
