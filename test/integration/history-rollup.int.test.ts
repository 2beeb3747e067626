// Issue 17: the hourly rollups (by queue, by queue × channel) answer exactly what the
// contact facts alone answer, to the last byte, on random scenarios (one tenant per seed)
// that arrive out of order, with duplicates, partly late (after their day was rolled up)
// and then re-imported whole through POST /v1/import with a backfill of new events. At
// three moments (rolled up; late events written, their day not yet rolled up again;
// after the re-import) every rollup KPI is compared, in the end for every grouping (none,
// queue, channel), filter (none, queue, channel, both), interval (1h, 1d, 1w) and two
// ranges (one with partial first and last hours), in a zone per seed (UTC, New York
// whose DST ends inside the range, Rome), and each comparison checks that the rollup
// was really read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, post, settled, startFloorwatch, startTestNats, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { historyArea } from '../../server/history/area.ts';
import { compactSettled } from '../../server/history/compact.ts';
import { rollupSettled } from '../../server/history/rollup.ts';
import { historyBody, historyColumns, historySql, rollupEligible, rollupFor, withCover, type HistoryRequest } from '../../server/history/history-query.ts';
import type { Dim, Interval } from '../../server/history/catalog.ts';
import type { RawEvent } from '../unit/history/reference.ts';
import { disorder, rng, scenario } from '../unit/history/scenario.ts';

const NOW = Date.parse('2026-11-24T10:10:00Z');
const H = 3_600_000;
const D1 = Date.parse('2026-11-01T00:00:00Z'); // a Sunday: the data spans two weeks
const DAYS = [20261101, 20261102, 20261103];
const LATE_DAY = '2026-11-02';
/** seed → the zone its requests are in */
const SEEDS = new Map([[17, 'UTC'], [29, 'America/New_York'], [41, 'Europe/Rome']]);

/** Every KPI the rollups serve, and single families (a family's rows exist only where it has facts) and a mix with other families. */
const ALL = ['arrived', 'answered', 'abandoned', 'abandoned_short', 'offered', 'service_level', 'abandon_rate', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr'];
const ALSO = [['arrived'], ['wait_p90_s', 'abandoned_short', 'asa_s'], ['aht_s', 'fcr'], ['answered', 'csat', 'tickets_created']];
const GROUPS: (Dim | null)[] = [null, 'queue', 'channel'];
const FILTERS: Partial<Record<Dim, string[]>>[] = [{}, { queue: ['billing', 'tech'] }, { channel: ['voice'] }, { queue: ['sales', 'billing'], channel: ['chat'] }];
const INTERVALS: Interval[] = ['1h', '1d', '1w'];
const RANGES = [
  [D1, D1 + 3 * 24 * H],
  [D1 + 19 * H + 20 * 60_000, D1 + 51 * H + 40 * 60_000], // 19:20 on the 1st to 03:40 on the 3rd
];
const POLICIES = { queues: ['billing', 'tech'], slMs: [15_000, 30_000], shortMs: [8_000, 3_000], defaultSlMs: 20_000, defaultShortMs: 5_000 };

let nats: PrivateNats;
let fw: TestFloorwatch;
const tenants = new Map<number, { tenant: string; tz: string; key: string; main: RawEvent[]; late: RawEvent[]; backfill: RawEvent[] }>();

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [historyArea({ now: () => NOW })] });
  for (const [seed, tz] of SEEDS) {
    const tenant = `rollup-${seed}`;
    // 30 hours from Sunday 20:00 UTC: three UTC days, two ISO weeks
    const all = scenario(seed, D1 + 20 * H, { contacts: 120, spanS: 30 * 3600, prefix: `r${seed}` });
    // a share of one day's events arrives after that day was rolled up
    const r = rng(seed * 7);
    const isLate = (e: RawEvent) => e.time.startsWith(LATE_DAY) && r() < 0.15;
    const late = all.filter(isLate);
    const main = all.filter((e) => !late.includes(e));
    // new events of a rolled-up day that only the re-import brings (a backfill)
    const backfill = scenario(seed + 1000, D1 + 27 * H, { contacts: 30, spanS: 3 * 3600, prefix: `b${seed}`, agentPrefix: 'bf' });
    tenants.set(seed, { tenant, tz, key: await createKey(fw, ['ingest', 'read'], tenant), main, late, backfill });
  }
}, 90_000);
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

async function ingest(key: string, events: RawEvent[], chunk = 100) {
  for (let i = 0; i < events.length; i += chunk) {
    const r = await post(`${fw.url}/v1/events`, events.slice(i, i + chunk), { authorization: `Bearer ${key}` });
    expect(r.status, r.text).toBe(202);
  }
}

const rollUp = async () => {
  await compactSettled(fw.rt.svc.ch, { quietMs: 0 }); // the real clock: the parts were written just now
  return rollupSettled(fw.rt.svc.ch, { quietMs: 0 });
};

/**
 * For every combination (or those `pick` keeps): the rollup-eligible request is planned
 * as the server plans it (withCover, asked once per tenant and range: it depends on
 * nothing else), must read the rollup (covered days, the table in its SQL), and its body
 * must equal the facts-only body byte for byte. `covered` checks the days covered.
 */
async function compareAll(covered: (days: number[]) => void, pick: (c: { interval: Interval; range: number }) => boolean = () => true) {
  const ch = fw.rt.svc.ch;
  let n = 0;
  let rows = 0;
  for (const { tenant, tz } of tenants.values()) {
    const covers = new Map<number, HistoryRequest['rollup']>();
    for (const groupBy of GROUPS)
      for (const filters of FILTERS)
        for (const interval of INTERVALS)
          for (const [range, [from, to]] of RANGES.entries()) {
            if (!pick({ interval, range })) continue;
            // every rollup KPI together, and every fourth time one family or a mix too
            for (const metrics of n % 4 ? [ALL] : [ALL, ALSO[(n / 4) % ALSO.length]]) {
              const req: HistoryRequest = { tenant, metrics, from, to, interval, tz, groupBy, filters, policies: POLICIES, now: NOW };
              const what = `${tenant} ${interval} ${tz} by ${groupBy} ${JSON.stringify(filters)} range ${range} ${metrics.join(',')}`;
              expect(rollupEligible(req), what).toBe(true);
              if (!covers.has(range)) {
                covers.set(range, (await withCover(ch, req)).rollup);
                covered(covers.get(range)?.days ?? []);
              }
              const planned = { ...req, rollup: covers.get(range) };
              expect(historySql(planned), what).toContain(`FROM ${rollupFor(req)!.table}`);
              const viaRollup = (await historyBody(ch, planned, 'json')).toString();
              const facts = (await historyBody(ch, { ...req, rollup: null }, 'json')).toString();
              expect(viaRollup, what).toBe(facts);
              rows += JSON.parse(facts).rows.length;
            }
            n++;
          }
  }
  expect(rows).toBeGreaterThan(n * 5); // mostly non-empty answers
  return n;
}

describe('hourly rollups equal the facts on random late, duplicated, reordered and re-imported events', () => {
  it('posted out of order with duplicates, then rolled up', async () => {
    for (const [seed, t] of tenants) await ingest(t.key, disorder(t.main, seed, 0.08, 20));
    await settled(fw, 120_000);
    const done = await rollUp();
    expect(done.map((d) => d.day)).toEqual(expect.arrayContaining(DAYS));
    // the channel rollup holds every tenant's days
    const [c] = await (await fw.rt.svc.ch.query({
      query: `SELECT uniqExact(tenant) AS t, uniqExact(day) AS d FROM hist_queue_channel_hourly WHERE tenant LIKE 'rollup-%'`,
      format: 'JSONEachRow',
    })).json<{ t: number; d: number }>();
    expect([Number(c.t), Number(c.d)]).toEqual([SEEDS.size, DAYS.length]);
    await compareAll((days) => expect(days).toEqual(DAYS), (c) => c.interval === '1d' && c.range === 0);
  }, 180_000);

  it('late events on a rolled-up day: that day from the facts, the others still from the rollups', async () => {
    for (const [seed, t] of tenants) {
      expect(t.late.length).toBeGreaterThan(20);
      await ingest(t.key, disorder(t.late, seed + 1, 0.2, 10), 30);
    }
    await settled(fw, 120_000);
    // the late events rewrite facts of their day (and of the next, where a contact or an
    // agent's states carry over): those days are read from the facts
    await compareAll((days) => {
      expect(days.length).toBeGreaterThan(0);
      expect(days).not.toContain(20261102);
    }, (c) => c.interval === '1h' && c.range === 1);
  }, 180_000);

  it('a re-import of everything plus a backfill, rolled up again: every combination', async () => {
    for (const [seed, t] of tenants) {
      const lines = disorder([...t.main, ...t.late, ...t.backfill], seed + 2, 0, 30).map((e) => JSON.stringify(e)).join('\n');
      const res = await fetch(`${fw.url}/v1/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/x-ndjson' },
        body: lines,
      });
      expect(res.status).toBe(200);
      const summary = JSON.parse((await res.text()).trim().split('\n').at(-1)!).summary;
      expect(summary, JSON.stringify(summary)).toMatchObject({ loaded: t.backfill.length, duplicates: t.main.length + t.late.length, rejected: 0 });
    }
    await rollUp(); // the import rolls up too; this round finds whatever it left
    const n = await compareAll((days) => expect(days).toEqual(DAYS));
    expect(n).toBe(SEEDS.size * GROUPS.length * FILTERS.length * INTERVALS.length * RANGES.length);
    // the columns answer (charts) too
    for (const { tenant, tz } of tenants.values()) {
      const req: HistoryRequest = { tenant, metrics: ALL, from: RANGES[1][0], to: RANGES[1][1], interval: '1h', tz, groupBy: 'channel', filters: {}, policies: POLICIES, now: NOW };
      const planned = await withCover(fw.rt.svc.ch, req);
      expect(await historyColumns(fw.rt.svc.ch, planned)).toEqual(await historyColumns(fw.rt.svc.ch, { ...req, rollup: null }));
    }
  }, 240_000);
});
