// GET /v1/contacts and /v1/contacts/:id. The list is one item per queue segment (a
// transferred contact shows once per queue it waited in), newest first, paged by a
// keyset cursor on (queued_at, contact_id, segment) so pages stay stable while new
// contacts arrive.
import type { ClickHouseClient } from '@clickhouse/client';
import { badRequest } from '../errors.ts';
import { contactSegments } from '../../pipelines/history/segments.ts';
import { parseFilters, parseTime, type Query } from './params.ts';

const OUTCOMES = ['answered', 'abandoned', 'transferred', 'waiting'];
const KNOWN = new Set([
  'queue', 'agent', 'channel', 'team', 'outcome', 'wait_min', 'wait_max', 'from', 'to', 'ended_from', 'ended_to',
  'score_min', 'score_max', 'survey', 'limit', 'cursor', 'key',
]);

export interface ContactItem {
  contact_id: string;
  segment: number;
  queue: string;
  channel: string;
  agent_id: string | null;
  team: string | null;
  queued_at: string;
  answered_at: string | null;
  ended_at: string | null;
  wrapped_at: string | null;
  outcome: string;
  wait_s: number | null;
  handle_s: number | null;
  resolved: boolean | null;
}

const one = (q: Query, k: string) => {
  const v = q[k];
  return Array.isArray(v) ? v[v.length - 1] : v;
};
const fail = (field: string, detail: string, reason: string): never => {
  throw badRequest(detail, [{ field, reason }]);
};
function number(q: Query, k: string, min: number, max: number): number | undefined {
  const s = one(q, k);
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || n < min || n > max) fail(k, `${k} must be a number from ${min} to ${max}`, 'out of range');
  return n;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

export function encodeCursor(t: number, id: string, seg: number): string {
  return Buffer.from(JSON.stringify([t, id, seg])).toString('base64url');
}
function decodeCursor(s: string): [number, string, number] {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString());
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string' && typeof v[2] === 'number') return v as [number, string, number];
  } catch {
    /* fall through */
  }
  return fail('cursor', 'cursor is not one this API returned', 'invalid cursor');
}

export async function listContacts(ch: ClickHouseClient, tenant: string, q: Query, now: number) {
  for (const k of Object.keys(q)) if (!KNOWN.has(k)) fail(k, `unknown parameter "${k}" (accepted: ${[...KNOWN].filter((x) => x !== 'key').join(', ')})`, 'unknown parameter');
  const p: Record<string, unknown> = { tenant };
  let where = `tenant = {tenant:String} AND kind = 'arrival'`;
  const f = parseFilters(q);
  const cols = { queue: 'queue', channel: 'channel', team: 'team', agent: 'agent_id' } as const;
  for (const [d, v] of Object.entries(f)) {
    where += ` AND ${cols[d as keyof typeof cols]} IN {f_${d}:Array(String)}`;
    p[`f_${d}`] = v;
  }
  const outcome = one(q, 'outcome');
  if (outcome !== undefined) {
    const os = outcome.split(',');
    for (const o of os) if (!OUTCOMES.includes(o)) fail('outcome', `outcome "${o}" is not one of ${OUTCOMES.join(', ')}`, 'unknown outcome');
    where += ' AND outcome IN {outcomes:Array(String)}';
    p.outcomes = os;
  }
  const wmin = number(q, 'wait_min', 0, 1e7);
  const wmax = number(q, 'wait_max', 0, 1e7);
  if (wmin !== undefined) (where += ' AND wait_ms >= {wmin:Float64}'), (p.wmin = wmin * 1000);
  if (wmax !== undefined) (where += ' AND wait_ms <= {wmax:Float64}'), (p.wmax = wmax * 1000);
  if (q.from !== undefined) (where += ' AND time >= fromUnixTimestamp64Milli({from:Int64})'), (p.from = parseTime(q, 'from'));
  if (q.to !== undefined) (where += ' AND time < fromUnixTimestamp64Milli({to:Int64})'), (p.to = parseTime(q, 'to'));
  if (q.ended_from !== undefined) {
    p.efrom = parseTime(q, 'ended_from');
    // A segment ends at most a contact span after it starts: bounds the scan by the sort key.
    where += ' AND ended_at >= fromUnixTimestamp64Milli({efrom:Int64}) AND time >= fromUnixTimestamp64Milli({efrom:Int64} - 172800000)';
  }
  if (q.ended_to !== undefined) (where += ' AND ended_at < fromUnixTimestamp64Milli({eto:Int64}) AND time < fromUnixTimestamp64Milli({eto:Int64})'), (p.eto = parseTime(q, 'ended_to'));
  const smin = number(q, 'score_min', 0, 10);
  const smax = number(q, 'score_max', 0, 10);
  const survey = one(q, 'survey');
  if (survey !== undefined && !['csat', 'nps', 'ces'].includes(survey)) fail('survey', 'survey must be csat, nps or ces', 'unknown survey');
  if (smin !== undefined || smax !== undefined || survey !== undefined) {
    where += ` AND contact_id IN (SELECT contact_id FROM events WHERE tenant = {tenant:String} AND type = 'feedback.submitted'
      AND contact_id != '' AND score >= {smin:Int16} AND score <= {smax:Int16}${survey ? ' AND survey = {survey:String}' : ''})`;
    Object.assign(p, { smin: smin ?? 0, smax: smax ?? 10, survey });
  }
  const limit = number(q, 'limit', 1, 1000) ?? 100;
  const cursor = one(q, 'cursor');
  if (cursor) {
    const [t, id, seg] = decodeCursor(cursor);
    where += ' AND (time, contact_id, seg) < (fromUnixTimestamp64Milli({ct:Int64}), {cid:String}, {cseg:UInt16})';
    Object.assign(p, { ct: t, cid: id, cseg: seg });
  }
  const r = await ch.query({
    query: `SELECT contact_id, seg, toUnixTimestamp64Milli(time) AS t, queue, channel, agent_id, team, outcome,
              toUnixTimestamp64Milli(queued_at) AS q_ms, toUnixTimestamp64Milli(answered_at) AS a_ms,
              toUnixTimestamp64Milli(ended_at) AS e_ms, toUnixTimestamp64Milli(wrapped_at) AS w_ms,
              wait_ms, handle_ms, resolved
            FROM hist_contact_facts FINAL WHERE ${where}
            ORDER BY time DESC, contact_id DESC, seg DESC LIMIT {limit:UInt32}`,
    query_params: { ...p, limit: limit + 1 },
    format: 'JSONEachRow',
  });
  const rows = await r.json<Record<string, any>>();
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const items: ContactItem[] = page.map((x) => ({
    contact_id: x.contact_id,
    segment: Number(x.seg),
    queue: x.queue,
    channel: x.channel,
    agent_id: x.agent_id || null,
    team: x.team || null,
    queued_at: iso(x.q_ms)!,
    answered_at: iso(x.a_ms),
    ended_at: iso(x.e_ms),
    wrapped_at: iso(x.w_ms),
    outcome: x.outcome,
    wait_s: x.wait_ms === null ? (x.outcome === 'waiting' ? Math.max(0, now - Number(x.q_ms)) / 1000 : null) : Number(x.wait_ms) / 1000,
    handle_s: x.handle_ms === null ? null : Number(x.handle_ms) / 1000,
    resolved: x.resolved === null ? null : Boolean(x.resolved),
  }));
  const last = page.at(-1);
  return { items, next_cursor: more && last ? encodeCursor(Number(last.t), last.contact_id, Number(last.seg)) : null };
}

export async function contactTimeline(ch: ClickHouseClient, tenant: string, id: string) {
  const r = await ch.query({
    query: `SELECT payload, toUnixTimestamp64Milli(received_at) AS received_at FROM events
            WHERE tenant = {tenant:String} AND contact_id = {id:String}
            ORDER BY time, type, id`,
    query_params: { tenant, id },
    format: 'JSONEachRow',
  });
  const rows = await r.json<{ payload: string; received_at: number }>();
  if (rows.length === 0) return null;
  const events = rows.map((x) => ({ ...JSON.parse(x.payload), received_at: iso(x.received_at) }));
  const segs = contactSegments(id, events.map((e) => ({ ...e, ts: Date.parse(e.time) })));
  return {
    contact_id: id,
    events,
    segments: segs.map((s) => ({
      segment: s.seg, queue: s.queue, channel: s.channel, outcome: s.outcome, agent_id: s.agent_id || null,
      queued_at: iso(s.started_at), ended_at: iso(s.ended_at), wait_s: s.wait_ms === null ? null : s.wait_ms / 1000,
      handle_s: s.handle_ms === null ? null : s.handle_ms / 1000, resolved: s.resolved,
    })),
  };
}
