// GET /v1/history?format=columns: the compact answer for charts must say exactly what the
// rows say. For random traffic over three days (late and reordered events included), every
// grouping and interval: each row's values are found at its bucket in its group's series,
// every other cell is null, and the buckets are the range's every bucket, in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFloorwatch, startTestNats, post, settled, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { historyArea } from '../../server/history/area.ts';
import { disorder, scenario } from '../unit/history/scenario.ts';

const NOW = Date.parse('2026-11-24T10:10:00Z');
let nats: PrivateNats;
let fw: TestFloorwatch;

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [historyArea({ now: () => NOW })] });
  const days = [0, 1, 2].flatMap((d) => scenario(40 + d, Date.parse('2026-11-20T06:00:00Z') + d * 86_400_000, { contacts: 50, prefix: `col${d}` }));
  const events = disorder(days, 7);
  for (let i = 0; i < events.length; i += 100) {
    const r = await post(`${fw.url}/v1/events`, events.slice(i, i + 100), fw.admin);
    expect(r.status).toBe(202);
  }
  await settled(fw);
}, 120_000);
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

async function get(q: Record<string, string | undefined>) {
  const u = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined));
  const r = await fetch(`${fw.url}/v1/history?${u}`, { headers: fw.admin });
  return { status: r.status, json: await r.json() };
}

const contactMetrics = 'arrived,answered,abandoned,service_level,asa_s,aht_s,wait_p90_s,fcr';
const cases: { interval: string; group_by?: string; metrics: string; tz?: string }[] = [
  { interval: '1h', metrics: contactMetrics },
  { interval: '1h', group_by: 'queue', metrics: contactMetrics, tz: 'Europe/Rome' },
  { interval: '15m', group_by: 'agent', metrics: 'answered,asa_s,aht_s,occupancy' },
  { interval: '1d', group_by: 'team', metrics: 'answered,aht_s,occupancy,csat' },
  { interval: '1d', group_by: 'channel', metrics: 'arrived,answered,abandon_rate' },
  { interval: '1h', metrics: 'csat,csat_responses,nps,tickets_created,tickets_solved' },
];

describe('format=columns', () => {
  it.each(cases)('holds exactly the rows of the same request: %o', async (c) => {
    const base = { from: '2026-11-20T00:00:00Z', to: '2026-11-23T00:00:00Z', ...c };
    const rows = await get(base);
    const cols = await get({ ...base, format: 'columns' });
    expect(rows.status).toBe(200);
    expect(cols.status).toBe(200);
    const metrics = c.metrics.split(',');
    expect(cols.json).toMatchObject({ format: 'columns', interval: c.interval, metrics });
    // the buckets: the range's every bucket, in order, as the rows label them
    const labels = [...new Set<string>(rows.json.rows.map((r: { bucket: string }) => r.bucket))];
    for (const l of labels) expect(cols.json.buckets).toContain(l);
    const times = cols.json.buckets.map((b: string) => Date.parse(b));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const step = { '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 }[c.interval]!;
    expect(cols.json.buckets.length).toBe(Math.round((Date.parse(base.to) - Date.parse(base.from)) / step));
    // every row's values at its bucket in its group's series; the rest null
    const dim = c.group_by;
    const filled = new Set<string>();
    for (const r of rows.json.rows) {
      const s = cols.json.series.find((x: Record<string, unknown>) => !dim || x[dim] === r[dim]);
      expect(s, JSON.stringify(r)).toBeTruthy();
      const i = cols.json.buckets.indexOf(r.bucket);
      for (const m of metrics) expect(s.values[m][i], `${r.bucket} ${dim ? r[dim] : ''} ${m}`).toBe(r[m]);
      filled.add(`${dim ? r[dim] : ''}|${i}`);
    }
    expect(cols.json.series.length).toBe(dim ? new Set(rows.json.rows.map((r: Record<string, unknown>) => r[dim])).size : 1);
    for (const s of cols.json.series)
      for (const m of metrics)
        s.values[m].forEach((v: unknown, i: number) => {
          if (!filled.has(`${dim ? s[dim] : ''}|${i}`)) expect(v).toBeNull();
        });
    expect(rows.json.rows.length).toBeGreaterThan(0);
  });

  it('rejects an unknown format, naming it', async () => {
    const r = await get({ from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z', metrics: 'answered', format: 'xml' });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json)).toContain('format');
  });
});
