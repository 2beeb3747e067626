// Recomputes history facts from the raw `events` table for the contacts and agents a
// batch touched, and rewrites them. Exact and idempotent: running it twice, or after a
// restart, or for a late event, gives the same facts as one run over all events.
import type { ClickHouseClient } from '@clickhouse/client';
import { insertRows } from '../../server/db/clickhouse.ts';
import { contactSegments, type ContactEvent } from './segments.ts';
import { agentIntervals, teamAt, type AgentInterval, type AgentStateEvent } from './agent-intervals.ts';
import { factKey, intervalRow, nextVersion, segmentFacts, type AgentStateRow, type ContactFactRow } from './facts.ts';

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

/** Appends `v` to the list of `k` in `m`. */
function pushTo<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** Rows the consumer wrote, per table (read by npm run bench:history-catchup). */
export const written: Record<string, number> = {};

/**
 * Through chDB's raw insert (insertRows), not the client's generic insert, which builds
 * one SQL string of the whole body: bench:history-catchup spent half its CPU there.
 */
async function writeRows(ch: ClickHouseClient, table: string, out: object[]): Promise<void> {
  if (out.length === 0) return;
  written[table] = (written[table] ?? 0) + out.length;
  await insertRows(ch, table, out, MANY_DAYS);
}

async function rows<T>(ch: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<T[]> {
  const r = await ch.query({ query, query_params: params, format: 'JSONEachRow' });
  return r.json<T>();
}

/** The instants of an agent's events that a batch brought: the earliest and the latest. */
export interface AgentSpan {
  min: number;
  max: number;
}

type AgentEventRow = { agent_id: string; id: string; ts: number; state: string; team: string; queues: string[]; hasq: number };

const AGENT_EVENT_COLS = `agent_id, id, toUnixTimestamp64Milli(time) AS ts, state, team,
            JSONExtract(payload, 'queues', 'Array(String)') AS queues, JSONHas(payload, 'queues') AS hasq`;

const toStateEvent = (e: AgentEventRow): AgentStateEvent => ({ id: e.id, ts: Number(e.ts), state: e.state, team: e.team, queues: e.hasq ? e.queues : null });

/** How far after an agent's latest touched instant its next event is looked for before the whole table. */
const LOOKAHEAD_MS = 3_600_000;

/**
 * Rewrites the state intervals of agents from each agent's earliest touched instant up
 * to its next stored event after the latest one, and returns the instant from which
 * on nothing changed (null: the end of time).
 *
 * An event changes the interval it falls in (its end), its own interval, and the team
 * and queues carried forward to later intervals. Those carried values reach past the
 * batch's span only if they now differ from what the next event's stored interval says;
 * then (a late team or queues change) that agent is rewritten to the end of the table,
 * as every agent once was. Without the bound, a history consumer catching up on a burst
 * re-read and rewrote each agent's every later interval in every batch (measured in the
 * ingest bench: 5× the intervals written, and as many events read back).
 */
export async function rebuildAgents(ch: ClickHouseClient, tenant: string, touched: Map<string, AgentSpan>): Promise<number | null> {
  if (touched.size === 0) return null;
  const ids = [...touched.keys()];
  const from = Math.min(...ids.map((a) => touched.get(a)!.min));
  const to = Math.max(...ids.map((a) => touched.get(a)!.max));
  const [evs, next, prevBy] = await Promise.all([
    rows<AgentEventRow>(
      ch,
      `SELECT ${AGENT_EVENT_COLS} FROM events
       WHERE tenant = {tenant:String} AND type = 'agent.state' AND agent_id IN {ids:Array(String)}
         AND time >= fromUnixTimestamp64Milli({from:Int64}) AND time <= fromUnixTimestamp64Milli({to:Int64})`,
      { tenant, ids, from, to },
    ),
    nextEvents(ch, tenant, touched),
    latestBefore(ch, tenant, new Map(ids.map((a) => [a, touched.get(a)!.min])), false),
  ]);
  const byAgent = new Map<string, AgentStateEvent[]>();
  for (const e of evs) {
    const span = touched.get(e.agent_id)!;
    if (e.ts < span.min || e.ts > span.max) continue;
    pushTo(byAgent, e.agent_id, toStateEvent(e));
  }
  const version = nextVersion();
  const out: AgentStateRow[] = [];
  const carried = new Map<string, AgentInterval>(); // the next event's interval as it now reads
  const lastOf = new Map<string, AgentInterval>(); // the last interval written per agent
  for (const [agent, l] of byAgent) {
    const ivs = agentIntervals(agent, l, prevBy.get(agent) ?? null);
    const last = ivs[ivs.length - 1];
    lastOf.set(agent, last);
    const n = next.get(agent);
    if (n) {
      last.end = n.ts;
      carried.set(agent, agentIntervals(agent, [toStateEvent(n)], last)[1]);
    }
    for (const iv of ivs) out.push(intervalRow(tenant, iv, version));
  }
  // Agents whose next stored interval now reads another team or queues: to the end.
  const further = await carriedChanges(ch, tenant, carried);
  if (further.size) {
    const all = await rows<AgentEventRow>(
      ch,
      `SELECT ${AGENT_EVENT_COLS} FROM events
       WHERE tenant = {tenant:String} AND type = 'agent.state' AND agent_id IN {ids:Array(String)}
         AND time >= fromUnixTimestamp64Milli({from:Int64})`,
      { tenant, ids: [...further], from: Math.min(...[...further].map((a) => touched.get(a)!.max)) },
    );
    const rest = new Map<string, AgentStateEvent[]>();
    for (const e of all) {
      if (e.ts <= touched.get(e.agent_id)!.max) continue; // written above
      pushTo(rest, e.agent_id, toStateEvent(e));
    }
    for (const [agent, l] of rest) {
      // continue from the last interval written above (its end is rewritten to the first of l)
      for (const iv of agentIntervals(agent, l, lastOf.get(agent)!).slice(1)) out.push(intervalRow(tenant, iv, version));
    }
  }
  await writeRows(ch, 'hist_agent_states', out);
  if (further.size) return null;
  let until = to;
  for (const [agent] of byAgent) {
    const n = next.get(agent);
    if (!n) return null; // the last interval is open: it may change a team to the end of time
    until = Math.max(until, n.ts);
  }
  return until;
}

/**
 * Each agent's first stored event after its latest touched instant (by time, then id:
 * agentIntervals' order): within LOOKAHEAD_MS first, the whole table for the rest.
 */
async function nextEvents(ch: ClickHouseClient, tenant: string, touched: Map<string, AgentSpan>): Promise<Map<string, AgentEventRow>> {
  const found = new Map<string, AgentEventRow>();
  for (const bounded of [true, false]) {
    const ids = [...touched.keys()].filter((a) => !found.has(a));
    if (ids.length === 0) break;
    const maxs = ids.map((a) => touched.get(a)!.max);
    const lo = Math.min(...maxs);
    const got = await rows<AgentEventRow>(
      ch,
      `SELECT ${AGENT_EVENT_COLS} FROM events
       WHERE tenant = {tenant:String} AND type = 'agent.state' AND agent_id IN {ids:Array(String)}
         AND time > fromUnixTimestamp64Milli({lo:Int64})
         ${bounded ? 'AND time <= fromUnixTimestamp64Milli({hi:Int64})' : ''}
         AND toUnixTimestamp64Milli(time) > transform(agent_id, {ids:Array(String)}, {maxs:Array(Int64)}, toInt64(0))
       ORDER BY agent_id, time, id
       LIMIT 1 BY agent_id`,
      { tenant, ids, maxs, lo, hi: Math.max(...maxs) + LOOKAHEAD_MS },
    );
    for (const g of got) found.set(g.agent_id, { ...g, ts: Number(g.ts), hasq: Number(g.hasq) });
    if (!bounded) break;
  }
  return found;
}

/**
 * The agents whose stored interval for `want`'s event says another team or queues than
 * `want` (an interval not stored yet is computed from ours when its batch comes).
 */
async function carriedChanges(ch: ClickHouseClient, tenant: string, want: Map<string, AgentInterval>): Promise<Set<string>> {
  const changed = new Set<string>();
  if (want.size === 0) return changed;
  const starts = [...want.values()].map((iv) => iv.start);
  const got = await rows<{ agent_id: string; id: string; team: string; queues: string[] }>(
    ch,
    `SELECT agent_id, id, team, queues FROM hist_agent_states FINAL
     WHERE tenant = {tenant:String} AND agent_id IN {agents:Array(String)} AND id IN {ids:Array(String)}
       AND start >= fromUnixTimestamp64Milli({lo:Int64}) AND start <= fromUnixTimestamp64Milli({hi:Int64})`,
    { tenant, agents: [...want.keys()], ids: [...want.values()].map((iv) => iv.id), lo: Math.min(...starts), hi: Math.max(...starts) },
  );
  for (const g of got) {
    const w = want.get(g.agent_id);
    if (!w || w.id !== g.id) continue;
    if (g.team !== w.team || g.queues.length !== w.queues.length || g.queues.some((q, i) => q !== w.queues[i])) changed.add(g.agent_id);
  }
  return changed;
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
       ORDER BY agent_id, start_ms, id`,
      { tenant, agents: [...first.keys()], tmin, tmax },
    ),
    latestBefore(ch, tenant, first, true),
  ]);
  const by = new Map<string, AgentInterval[]>();
  for (const [a, iv] of before) by.set(a, [iv]);
  for (const iv of ivs) {
    pushTo(by, iv.agent_id, toInterval(iv));
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
    pushTo(byContact, e.contact_id, e);
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
  await writeRows(ch, 'hist_contact_facts', out);
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
  touched: Map<string, AgentSpan>,
  until: number | null = null,
): Promise<{ contact_id: string; t: number }[]> {
  if (touched.size === 0) return [];
  const ids = [...touched.keys()];
  const mins = ids.map((a) => touched.get(a)!.min);
  return rows<{ contact_id: string; t: number }>(
    ch,
    `SELECT f.contact_id AS contact_id, toUnixTimestamp64Milli(f.answered_at) AS t
     FROM (SELECT contact_id, agent_id, assumeNotNull(answered_at) AS answered_at, team FROM hist_contact_facts FINAL
           WHERE tenant = {tenant:String} AND kind = 'outcome' AND outcome = 'answered' AND agent_id IN {ids:Array(String)}
             AND time >= fromUnixTimestamp64Milli({from:Int64})
             AND toUnixTimestamp64Milli(time) >= transform(agent_id, {ids:Array(String)}, {mins:Array(Int64)}, toInt64(0))
             ${until === null ? '' : 'AND answered_at < fromUnixTimestamp64Milli({until:Int64})'}) f
     ASOF LEFT JOIN (SELECT agent_id, start, team FROM hist_agent_states FINAL
                     WHERE tenant = {tenant:String} AND agent_id IN {ids:Array(String)}
                       AND start >= fromUnixTimestamp64Milli({lo:Int64})) a
     ON f.agent_id = a.agent_id AND f.answered_at >= a.start
     WHERE f.team != a.team`,
    // An answer whose interval began before the look-back window reads as team '' and is
    // recomputed needlessly but correctly: the rebuild looks further back.
    { tenant, ids, mins, from: Math.min(...mins), lo: Math.min(...mins) - LOOKBACK_MS, until: until ?? 0 },
  );
}
