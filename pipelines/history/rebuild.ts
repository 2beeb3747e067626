// Recomputes history facts from the raw `events` table for the contacts and agents a
// batch touched, and rewrites them. Exact and idempotent: running it twice, or after a
// restart, or for a late event, gives the same facts as one run over all events.
import type { ClickHouseClient } from '@clickhouse/client';
import { contactSegments, type ContactEvent } from './segments.ts';
import { agentIntervals, teamAt, type AgentInterval } from './agent-intervals.ts';
import { factKey, intervalRow, nextVersion, segmentFacts, type ContactFactRow } from './facts.ts';

/**
 * How far apart the events of one contact may be. Bounds the raw-event lookup of a
 * batch (the events table is sorted by time); a contact whose events span more than
 * this is computed from the events inside the bound only.
 */
export const CONTACT_SPAN_MS = 2 * 86_400_000;

/** Facts are partitioned by day: a rebuild after a long outage may touch more than 100. */
export const MANY_DAYS = { max_partitions_per_insert_block: '0' };

export const CONTACT_TYPES = [
  'contact.queued', 'contact.answered', 'contact.abandoned', 'contact.transferred', 'contact.ended', 'contact.wrapped',
];

async function rows<T>(ch: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<T[]> {
  const r = await ch.query({ query, query_params: params, format: 'JSONEachRow' });
  return r.json<T>();
}

/** Rewrites the state intervals of agents, from each agent's earliest touched instant on. */
export async function rebuildAgents(ch: ClickHouseClient, tenant: string, touched: Map<string, number>): Promise<void> {
  if (touched.size === 0) return;
  const ids = [...touched.keys()];
  const mins = ids.map((a) => touched.get(a)!);
  const from = Math.min(...mins);
  const evs = await rows<{ agent_id: string; id: string; ts: number; state: string; team: string; queues: string[]; hasq: number }>(
    ch,
    `SELECT agent_id, id, toUnixTimestamp64Milli(time) AS ts, state, team,
            JSONExtract(payload, 'queues', 'Array(String)') AS queues, JSONHas(payload, 'queues') AS hasq
     FROM events
     WHERE tenant = {tenant:String} AND type = 'agent.state' AND agent_id IN {ids:Array(String)}
       AND time >= fromUnixTimestamp64Milli({from:Int64})`,
    { tenant, ids, from },
  );
  const prevBy = await latestBefore(ch, tenant, touched, false);
  const byAgent = new Map<string, typeof evs>();
  for (const e of evs) {
    if (e.ts < touched.get(e.agent_id)!) continue;
    let l = byAgent.get(e.agent_id);
    if (!l) byAgent.set(e.agent_id, (l = []));
    l.push(e);
  }
  const version = nextVersion();
  const out = [];
  for (const [agent, l] of byAgent) {
    const ivs = agentIntervals(
      agent,
      l.map((e) => ({ id: e.id, ts: e.ts, state: e.state, team: e.team, queues: e.hasq ? e.queues : null })),
      prevBy.get(agent) ?? null,
    );
    for (const iv of ivs) out.push(intervalRow(tenant, iv, version));
  }
  if (out.length) await ch.insert({ table: 'hist_agent_states', values: out, format: 'JSONEachRow', clickhouse_settings: MANY_DAYS });
}

/** How far back interval lookups look before falling back to the whole table. */
const LOOKBACK_MS = 3 * 86_400_000;

type IntervalRow = { agent_id: string; id: string; start_ms: number; end_ms: number; state: string; team: string; queues: string[] };
const toInterval = (p: IntervalRow): AgentInterval => ({
  agent_id: p.agent_id, id: p.id, start: Number(p.start_ms), end: Number(p.end_ms), state: p.state, team: p.team, queues: p.queues,
});

/**
 * The latest interval of each agent starting before (or, `inclusive`, at) its instant.
 * The table is sorted by start: a recent window first, the whole table only for agents
 * with no interval in that window (a long absence, or a new agent).
 */
async function latestBefore(ch: ClickHouseClient, tenant: string, asks: Map<string, number>, inclusive: boolean): Promise<Map<string, AgentInterval>> {
  const found = new Map<string, AgentInterval>();
  for (const bounded of [true, false]) {
    const ids = [...asks.keys()].filter((a) => !found.has(a));
    if (ids.length === 0) break;
    const ts = ids.map((a) => asks.get(a)!);
    const got = await rows<IntervalRow>(
      ch,
      `SELECT agent_id, id, toUnixTimestamp64Milli(start) AS start_ms, toUnixTimestamp64Milli(end) AS end_ms, state, team, queues
       FROM hist_agent_states FINAL
       WHERE tenant = {tenant:String} AND agent_id IN {ids:Array(String)}
         ${bounded ? 'AND start >= fromUnixTimestamp64Milli({lo:Int64})' : ''}
         AND toUnixTimestamp64Milli(start) ${inclusive ? '<=' : '<'} transform(agent_id, {ids:Array(String)}, {ts:Array(Int64)}, toInt64(0))
       ORDER BY agent_id, start DESC, id DESC
       LIMIT 1 BY agent_id`,
      { tenant, ids, ts, lo: Math.min(...ts) - LOOKBACK_MS },
    );
    for (const g of got) found.set(g.agent_id, toInterval(g));
  }
  return found;
}

/** Teams of (agent, instant) pairs from the stored intervals. */
async function teamsAt(ch: ClickHouseClient, tenant: string, asks: { agent: string; t: number }[]): Promise<string[]> {
  if (asks.length === 0) return [];
  const first = new Map<string, number>();
  for (const a of asks) first.set(a.agent, Math.min(first.get(a.agent) ?? Infinity, a.t));
  const tmin = Math.min(...first.values());
  const tmax = Math.max(...asks.map((a) => a.t));
  const [ivs, before] = await Promise.all([
    rows<IntervalRow>(
      ch,
      `SELECT agent_id, id, toUnixTimestamp64Milli(start) AS start_ms, toUnixTimestamp64Milli(end) AS end_ms, state, team, queues
       FROM hist_agent_states FINAL
       WHERE tenant = {tenant:String} AND agent_id IN {agents:Array(String)}
         AND start >= fromUnixTimestamp64Milli({tmin:Int64}) AND start <= fromUnixTimestamp64Milli({tmax:Int64})
       ORDER BY agent_id, start_ms`,
      { tenant, agents: [...first.keys()], tmin, tmax },
    ),
    latestBefore(ch, tenant, first, true),
  ]);
  const by = new Map<string, AgentInterval[]>();
  for (const [a, iv] of before) by.set(a, [iv]);
  for (const iv of ivs) {
    let l = by.get(iv.agent_id);
    if (!l) by.set(iv.agent_id, (l = []));
    l.push(toInterval(iv));
  }
  return asks.map((a) => teamAt(by.get(a.agent) ?? [], a.t));
}

/**
 * Rewrites the facts of `contactIds` from their raw events within
 * [lo − CONTACT_SPAN_MS, hi + CONTACT_SPAN_MS]; facts whose key moved get a tombstone.
 */
export async function rebuildContacts(
  ch: ClickHouseClient,
  tenant: string,
  contactIds: string[],
  lo: number,
  hi: number,
): Promise<number> {
  if (contactIds.length === 0) return 0;
  const [evs, old] = await Promise.all([
    rows<ContactEvent & { contact_id: string }>(
      ch,
      `SELECT contact_id, id, type, toUnixTimestamp64Milli(time) AS ts, queue, to_queue, channel, agent_id, wait_ms, resolved
       FROM events
       WHERE tenant = {tenant:String} AND type IN {types:Array(String)} AND contact_id IN {ids:Array(String)}
         AND time >= fromUnixTimestamp64Milli({lo:Int64}) AND time <= fromUnixTimestamp64Milli({hi:Int64})`,
      { tenant, types: CONTACT_TYPES, ids: contactIds, lo: lo - CONTACT_SPAN_MS, hi: hi + CONTACT_SPAN_MS },
    ),
    rows<{ kind: 'arrival'; time_ms: number; contact_id: string; seg: number }>(
      ch,
      `SELECT kind, toUnixTimestamp64Milli(time) AS time_ms, contact_id, seg FROM hist_contact_facts FINAL
       WHERE tenant = {tenant:String} AND contact_id IN {ids:Array(String)}`,
      { tenant, ids: contactIds },
    ),
  ]);
  const byContact = new Map<string, ContactEvent[]>();
  for (const e of evs) {
    let l = byContact.get(e.contact_id);
    if (!l) byContact.set(e.contact_id, (l = []));
    l.push(e);
  }
  const segs = [...byContact].flatMap(([c, l]) => contactSegments(c, l));
  const answered = segs.filter((s) => s.answered_at !== null);
  const teams = await teamsAt(ch, tenant, answered.map((s) => ({ agent: s.agent_id, t: s.answered_at! })));
  const teamOf = new Map(answered.map((s, i) => [s, teams[i]]));
  const version = nextVersion();
  const out: ContactFactRow[] = segs.flatMap((s) => segmentFacts(tenant, s, teamOf.get(s) ?? '', version));
  const keep = new Set(out.map(factKey));
  for (const x of old) {
    const o = { kind: x.kind, time: Number(x.time_ms), contact_id: x.contact_id, seg: Number(x.seg) };
    if (keep.has(factKey(o))) continue;
    out.push({
      tenant, kind: o.kind, time: o.time, contact_id: o.contact_id, seg: o.seg, queue: '', channel: '', agent_id: '',
      team: '', outcome: '', start_known: 0, queued_at: o.time, ended_at: null, wait_ms: null, answered_at: null,
      wrapped_at: null, handle_ms: null, resolved: null, version, deleted: 1,
    });
  }
  if (out.length) await ch.insert({ table: 'hist_contact_facts', values: out, format: 'JSONEachRow', clickhouse_settings: MANY_DAYS });
  return segs.length;
}

/**
 * Contacts answered by `touched` agents (at or after each agent's touched instant) whose
 * stored team differs from the team the rewritten intervals now give: an agent event that
 * arrived after the contact's own events. Returns them with their answer times.
 */
export async function staleTeams(
  ch: ClickHouseClient,
  tenant: string,
  touched: Map<string, number>,
): Promise<{ contact_id: string; t: number }[]> {
  if (touched.size === 0) return [];
  const ids = [...touched.keys()];
  const mins = ids.map((a) => touched.get(a)!);
  return rows<{ contact_id: string; t: number }>(
    ch,
    `SELECT f.contact_id AS contact_id, toUnixTimestamp64Milli(f.answered_at) AS t
     FROM (SELECT contact_id, agent_id, assumeNotNull(answered_at) AS answered_at, team FROM hist_contact_facts FINAL
           WHERE tenant = {tenant:String} AND kind = 'outcome' AND outcome = 'answered' AND agent_id IN {ids:Array(String)}
             AND time >= fromUnixTimestamp64Milli({from:Int64})
             AND toUnixTimestamp64Milli(time) >= transform(agent_id, {ids:Array(String)}, {mins:Array(Int64)}, toInt64(0))) f
     ASOF LEFT JOIN (SELECT agent_id, start, team FROM hist_agent_states FINAL
                     WHERE tenant = {tenant:String} AND agent_id IN {ids:Array(String)}
                       AND start >= fromUnixTimestamp64Milli({lo:Int64})) a
     ON f.agent_id = a.agent_id AND f.answered_at >= a.start
     WHERE f.team != a.team`,
    // An answer whose interval began before the look-back window reads as team '' and is
    // recomputed needlessly but correctly: the rebuild looks further back.
    { tenant, ids, mins, from: Math.min(...mins), lo: Math.min(...mins) - LOOKBACK_MS },
  );
}
