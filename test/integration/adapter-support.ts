// Shared by the platform adapter tests (Asterisk, Connect, Twilio): "now" for the worked example,
// waiting for the writer and history consumers, and the checks that the contact and agent
// KPIs of kpis.md come out live (GET /v1/kpis) and in history (GET /v1/history).
import { expect } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { createKey, eventually, post, settled, type TestFloorwatch } from '../support/harness.ts';
import { twilioSignature } from '../../pipelines/sources/twilio/signature.ts';
import { EXPECTED, READ_AT, matchesTable } from '../support/worked-example.ts';

/** The example's 10:10:00 moved to the present second (back 20 min if 15 min would straddle midnight UTC). */
export function exampleNow(): number {
  let now = Math.floor(Date.now() / 1000) * 1000;
  if (new Date(now - 16 * 60_000).getUTCDate() !== new Date(now).getUTCDate()) now -= 20 * 60_000;
  return now;
}

/** Every ISO time of the worked-example day in `text`, moved by `shiftMs`. */
export function shiftIsoTimes(text: string, shiftMs: number): string {
  return text.replace(/2026-11-2[34]T\d{2}:\d{2}:\d{2}(\.\d{3})?Z/g, (t) => new Date(Date.parse(t) + shiftMs).toISOString());
}

export { READ_AT };

const NOT_FROM_PLATFORM = ['csat', 'csat_avg', 'csat_responses', 'nps', 'ces_avg', 'backlog', 'backlog_breached', 'frt_avg_s', 'tickets_created', 'tickets_solved'];
/** kpis.md's table without feedback and tickets, which no platform's contact records carry */
export const contactAndAgent = (scope: string) =>
  Object.fromEntries(Object.entries(EXPECTED[scope]).filter(([k]) => !NOT_FROM_PLATFORM.includes(k)));

export async function getJson(fw: Pick<TestFloorwatch, 'url' | 'admin'>, p: string, headers: Record<string, string> = fw.admin) {
  const r = await fetch(`${fw.url}${p}`, { headers });
  return { status: r.status, json: await r.json() };
}

export { settled };

/** GET /v1/kpis for `scope` matches kpis.md (contact and agent KPIs), with no feedback. */
export async function expectLiveKpis(fw: TestFloorwatch, scope: string, now: number) {
  const want = contactAndAgent(scope);
  const url = `/v1/kpis?scope=${encodeURIComponent(scope)}&window=15m`;
  const k = await eventually(async () => {
    const r = await getJson(fw, url);
    return r.status === 200 && matchesTable(r.json.metrics, want).length === 0 ? r : null;
  }, 15_000).catch(() => getJson(fw, url));
  expect(matchesTable(k.json.metrics, want)).toEqual([]);
  expect(k.json.at).toBe(new Date(now).toISOString());
  expect(k.json.metrics.csat_responses).toBe(0);
  expect(k.json.metrics.csat).toBeNull();
}

/** GET /v1/history over the example's 15 minutes gives the same numbers (of any Floorwatch, in this process or not). */
export async function expectHistoryKpis(fw: Pick<TestFloorwatch, 'url' | 'admin'>, now: number) {
  const range = `from=${new Date(now - 15 * 60_000).toISOString()}&to=${new Date(now + 1).toISOString()}&interval=1d`;
  const one = async (filter: string, metrics: string[]) => {
    const r = await getJson(fw, `/v1/history?${range}&${filter}&metrics=${metrics.join(',')}`);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.rows).toHaveLength(1);
    return r.json.rows[0];
  };
  const q = await one('queue=billing&group_by=queue', ['arrived', 'answered', 'abandoned', 'abandoned_short', 'offered', 'service_level', 'abandon_rate', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr', 'occupancy']);
  expect(q).toMatchObject({ queue: 'billing', arrived: 7, answered: 3, abandoned: 2, abandoned_short: 1, offered: 5, service_level: 0.5, abandon_rate: 0.25, wait_p90_s: 30, aht_s: 225, fcr: 0.5 });
  expect(q.asa_s).toBeCloseTo(18.333, 3);
  expect(q.occupancy).toBeCloseTo(0.37121, 5);
  const m = ['answered', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr', 'occupancy'];
  const t = await one('team=north', m);
  expect([t.answered, t.wait_p90_s, t.aht_s, t.fcr]).toEqual([3, 30, 225, 0.5]);
  expect(t.asa_s).toBeCloseTo(18.333, 3);
  expect(t.occupancy).toBeCloseTo(0.53261, 5);
  const a = await one('agent=a1&group_by=agent', m);
  expect([a.agent, a.answered, a.asa_s, a.wait_p90_s, a.aht_s, a.fcr]).toEqual(['a1', 2, 12.5, 15, 300, 1]);
  expect(a.occupancy).toBeCloseTo(0.65, 5);
}

/** POSTs one TaskRouter event callback as Twilio does; `sign` = [token, url] to sign with, or null for none. */
export async function postTaskRouter(fw: TestFloorwatch, tenant: string, params: Record<string, string>, sign: [string, string] | null) {
  const url = `${fw.url}/v1/adapters/twilio/${tenant}/taskrouter`;
  const form = new URLSearchParams(params);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'i-twilio-idempotency-token': params.Sid ?? '' };
  if (sign) headers['x-twilio-signature'] = twilioSignature(sign[0], sign[1], [...form]);
  return post(url, form.toString(), headers);
}

/** count and distinct ids of a tenant's stored events whose id starts with `prefix` (Floorwatch's ClickHouse, or any client's) */
export async function storedIds(from: TestFloorwatch | ClickHouseClient, tenant: string, prefix: string): Promise<[number, number]> {
  const ch = 'rt' in from ? from.rt.svc.ch : from;
  const r = await ch.query({
    query: 'SELECT count() AS n, uniqExact(id) AS u FROM events WHERE tenant = {tenant:String} AND startsWith(id, {prefix:String})',
    query_params: { tenant, prefix },
    format: 'JSONEachRow',
  });
  const row = (await r.json<{ n: number; u: number }>())[0];
  return [Number(row.n), Number(row.u)];
}

export const readKey = (fw: TestFloorwatch, tenant: string): Promise<string> => createKey(fw, ['read'], tenant);
