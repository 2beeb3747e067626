// Recomputes the history facts of one tenant for a whole time range at once: after a bulk
// import (server/import), instead of the consumer's per-batch rebuild (rebuild.ts), whose
// lookups per batch of touched agents and contacts would re-read most of the range
// hundreds of times. Same pure functions (agentIntervals, contactSegments, segmentFacts),
// same inputs (the stored raw events), so the facts are those the live pipeline writes:
//
// 1. agents with an `agent.state` event in [from, to]: their intervals from there on (to
//    the end of the table, as rebuildAgents does when a carried team or queues change), read in time windows of ~400k events,
//    each agent carried from window to window (its last interval is written once the next
//    event, or the end, fixes its end). Continues from the stored interval before `from`.
//    The team of each interval is kept in memory per agent (start, team) for step 2.
// 2. contacts with a contact event in [from, to]: all their events within
//    [from − CONTACT_SPAN_MS, to + CONTACT_SPAN_MS], in hash slices of ~300k events, made
//    into segments; the team at the answer from step 2's index (or, for an agent or time
//    it does not cover, from the stored intervals in one ASOF join per slice). Facts whose
//    key moved get a tombstone, as in rebuildContacts (skipped when the tenant had no facts).
// 3. contacts after the range answered by those agents whose stored team no longer
//    matches (an imported agent event changed a later team): rebuildContacts.
import type { ClickHouseClient } from '@clickhouse/client';
import { insertRows, queryRaw } from '../../server/db/clickhouse.ts';
import { agentIntervals, type AgentInterval } from './agent-intervals.ts';
import { factKey, intervalRow, nextVersion, segmentFacts, type AgentStateRow, type ContactFactRow } from './facts.ts';
import { CONTACT_SPAN_MS, CONTACT_TYPES, MANY_DAYS, rebuildContacts } from './rebuild.ts';
import { contactSegments, type ContactEvent } from './segments.ts';

const AGENT_WINDOW_EVENTS = 400_000;
const CONTACT_SLICE_EVENTS = 300_000;
const INSERT_ROWS = 100_000;

export interface RangeRebuildResult {
  agents: number;
  intervals: number;
  contacts: number;
  segments: number;
  /** contacts after the range whose team was recomputed */
  reteamed: number;
}

/** Runs a query with FORMAT JSONCompactColumns: one array per column. */
async function columns(ch: ClickHouseClient, sql: string, params: Record<string, unknown>): Promise<unknown[][]> {
  const bytes = await queryRaw(ch, `${sql}\nFORMAT JSONCompactColumns SETTINGS output_format_json_quote_64bit_integers = 0`, params);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.trim() ? (JSON.parse(text) as unknown[][]) : [];
}

async function insertAll(ch: ClickHouseClient, table: string, rows: object[]) {
  for (let i = 0; i < rows.length; i += INSERT_ROWS) await insertRows(ch, table, rows.slice(i, i + INSERT_ROWS), MANY_DAYS);
}

const ms = (p: string) => `fromUnixTimestamp64Milli({${p}:Int64})`;

/** Per agent, the starts and teams of its intervals in start order: teamAt without the objects. */
class TeamIndex {
  private by = new Map<string, { starts: number[]; teams: string[] }>();
  add(iv: AgentInterval) {
    let x = this.by.get(iv.agent_id);
    if (!x) this.by.set(iv.agent_id, (x = { starts: [], teams: [] }));
    x.starts.push(iv.start);
    x.teams.push(iv.team);
  }
  /** The team at t, or undefined when the index does not reach back to t for this agent. */
  at(agent: string, t: number): string | undefined {
    const x = this.by.get(agent);
    if (!x || x.starts[0] > t) return undefined;
    let lo = 0;
    let hi = x.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (x.starts[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return x.teams[lo];
  }
}

/** Time windows [a, b) from `from` on, each holding about `per` events of the given types. */
async function windows(ch: ClickHouseClient, tenant: string, types: string[], from: number, per: number): Promise<[number, number][]> {
  const [days = [], counts = []] = (await columns(
    ch,
    `SELECT toUnixTimestamp64Milli(toDateTime64(toStartOfDay(time), 3)) AS d, count() AS n FROM events
     WHERE tenant = {tenant:String} AND type IN {types:Array(String)} AND time >= ${ms('from')}
     GROUP BY d ORDER BY d`,
    { tenant, types, from },
  )) as [number[], number[]];
  const out: [number, number][] = [];
  let start = from;
  let n = 0;
  for (let i = 0; i < days.length; i++) {
    n += Number(counts[i]);
    const end = Number(days[i]) + 86_400_000;
    if (n >= per || i === days.length - 1) {
      out.push([start, end]);
      start = end;
      n = 0;
    }
  }
  return out;
}

/** Step 1: rewrites the intervals of the agents with events in [from, to]; returns their team index. */
async function rebuildAgentRange(ch: ClickHouseClient, tenant: string, from: number, to: number, r: RangeRebuildResult): Promise<{ index: TeamIndex; agents: Map<string, number> }> {
  const index = new TeamIndex();
  const [ids = [], firsts = []] = (await columns(
    ch,
    `SELECT agent_id, min(toUnixTimestamp64Milli(time)) FROM events
     WHERE tenant = {tenant:String} AND type = 'agent.state' AND time >= ${ms('from')} AND time <= ${ms('to')}
     GROUP BY agent_id`,
    { tenant, from, to },
  )) as [string[], number[]];
  const agents = new Map(ids.map((a, i) => [a, Number(firsts[i])]));
  r.agents = agents.size;
  if (agents.size === 0) return { index, agents };
  // the stored interval just before the range, per agent (rebuildAgents' `prev`)
  const prevCols = (await columns(
    ch,
    `SELECT agent_id, id, toUnixTimestamp64Milli(start), toUnixTimestamp64Milli(end), state, team, queues
     FROM hist_agent_states FINAL
     WHERE tenant = {tenant:String} AND agent_id IN {ids:Array(String)} AND start < ${ms('from')}
     ORDER BY agent_id, start DESC, id DESC
     LIMIT 1 BY agent_id`,
    { tenant, ids, from },
  )) as [string[], string[], number[], number[], string[], string[], string[][]];
  const pending = new Map<string, AgentInterval>();
  (prevCols[0] ?? []).forEach((agent, i) => {
    const iv: AgentInterval = {
      agent_id: agent, id: prevCols[1][i], start: Number(prevCols[2][i]), end: Number(prevCols[3][i]),
      state: prevCols[4][i], team: prevCols[5][i], queues: prevCols[6][i],
    };
    pending.set(agent, iv);
    index.add(iv);
  });
  const version = nextVersion();
  for (const [a, b] of await windows(ch, tenant, ['agent.state'], from, AGENT_WINDOW_EVENTS)) {
    const [ag = [], id = [], ts = [], state = [], team = [], queues = [], hasq = []] = (await columns(
      ch,
      `SELECT agent_id, id, toUnixTimestamp64Milli(time), state, team,
              JSONExtract(payload, 'queues', 'Array(String)'), JSONHas(payload, 'queues')
       FROM events
       WHERE tenant = {tenant:String} AND type = 'agent.state' AND time >= ${ms('a')} AND time < ${ms('b')}`,
      { tenant, a, b },
    )) as [string[], string[], number[], string[], string[], string[][], number[]];
    const byAgent = new Map<string, { id: string; ts: number; state: string; team: string; queues: string[] | null }[]>();
    for (let i = 0; i < ag.length; i++) {
      if (!agents.has(ag[i])) continue;
      let l = byAgent.get(ag[i]);
      if (!l) byAgent.set(ag[i], (l = []));
      l.push({ id: id[i], ts: Number(ts[i]), state: state[i], team: team[i], queues: Number(hasq[i]) ? queues[i] : null });
    }
    const out: AgentStateRow[] = [];
    for (const [agent, l] of byAgent) {
      const prev = pending.get(agent) ?? null;
      const ivs = agentIntervals(agent, l, prev);
      // the last one's end is known only at the agent's next event (or the end)
      pending.set(agent, ivs[ivs.length - 1]);
      for (let i = 0; i < ivs.length - 1; i++) out.push(intervalRow(tenant, ivs[i], version));
      for (let i = prev ? 1 : 0; i < ivs.length; i++) index.add(ivs[i]);
    }
    await insertAll(ch, 'hist_agent_states', out);
    r.intervals += out.length;
  }
  // the agents' open (or last) intervals; an agent's stored `prev` that no event followed stays as it was
  const last: AgentStateRow[] = [];
  for (const [agent, iv] of pending) if (iv.start >= agents.get(agent)!) last.push(intervalRow(tenant, iv, version));
  await insertAll(ch, 'hist_agent_states', last);
  r.intervals += last.length;
  return { index, agents };
}

/** Teams of (agent, t) pairs from the stored intervals: the latest start at or before t ('' when none). */
async function storedTeams(ch: ClickHouseClient, tenant: string, asks: { agent: string; t: number }[]): Promise<string[]> {
  if (asks.length === 0) return [];
  const agents = asks.map((x) => x.agent);
  const [idx = [], teams = []] = (await columns(
    ch,
    `SELECT q.i, s.team FROM
       (SELECT arrayJoin(range(length({agents:Array(String)}))) AS i, {agents:Array(String)}[i + 1] AS agent_id,
               fromUnixTimestamp64Milli({ts:Array(Int64)}[i + 1]) AS t) AS q
     ASOF LEFT JOIN
       (SELECT agent_id, start, team FROM hist_agent_states FINAL
        WHERE tenant = {tenant:String} AND agent_id IN {set:Array(String)}) AS s
     ON q.agent_id = s.agent_id AND q.t >= s.start`,
    { tenant, agents, ts: asks.map((x) => x.t), set: [...new Set(agents)] },
  )) as [number[], string[]];
  const out = new Array<string>(asks.length).fill('');
  for (let k = 0; k < idx.length; k++) out[Number(idx[k])] = teams[k] ?? '';
  return out;
}

/** Step 2: rewrites the facts of the contacts with events in [from, to]. */
async function rebuildContactRange(ch: ClickHouseClient, tenant: string, from: number, to: number, index: TeamIndex, r: RangeRebuildResult) {
  const lo = from - CONTACT_SPAN_MS;
  const hi = to + CONTACT_SPAN_MS;
  const params = { tenant, types: CONTACT_TYPES, from, to, lo, hi };
  const [[n0 = 0] = [], [facts0 = 0] = []] = (await Promise.all([
    columns(
      ch,
      `SELECT count() FROM events WHERE tenant = {tenant:String} AND type IN {types:Array(String)}
       AND time >= ${ms('lo')} AND time <= ${ms('hi')}`,
      params,
    ),
    columns(ch, `SELECT count() FROM hist_contact_facts WHERE tenant = {tenant:String}`, params),
  ])).map((c) => c[0] as number[]);
  const slices = Math.max(1, Math.ceil(Number(n0) / CONTACT_SLICE_EVENTS));
  const hadFacts = Number(facts0) > 0;
  for (let k = 0; k < slices; k++) {
    const p = { ...params, n: slices, k };
    const inSlice = `cityHash64(contact_id) % {n:UInt64} = {k:UInt64}
      AND contact_id IN (SELECT contact_id FROM events WHERE tenant = {tenant:String} AND type IN {types:Array(String)}
                         AND time >= ${ms('from')} AND time <= ${ms('to')} AND cityHash64(contact_id) % {n:UInt64} = {k:UInt64})`;
    const [[c = [], id = [], type = [], ts = [], queue = [], toq = [], channel = [], agent = [], wait = [], resolved = []], old] = await Promise.all([
      columns(
        ch,
        `SELECT contact_id, id, type, toUnixTimestamp64Milli(time), queue, to_queue, channel, agent_id, wait_ms, resolved
         FROM events
         WHERE tenant = {tenant:String} AND type IN {types:Array(String)} AND time >= ${ms('lo')} AND time <= ${ms('hi')} AND ${inSlice}`,
        p,
      ) as Promise<[string[], string[], string[], number[], string[], string[], string[], string[], (number | null)[], (boolean | null)[]]>,
      hadFacts
        ? (columns(
            ch,
            `SELECT kind, toUnixTimestamp64Milli(time), contact_id, seg FROM hist_contact_facts FINAL
             WHERE tenant = {tenant:String} AND ${inSlice}`,
            p,
          ) as Promise<[ContactFactRow['kind'][], number[], string[], number[]]>)
        : Promise.resolve([] as unknown[][]),
    ]);
    const byContact = new Map<string, ContactEvent[]>();
    for (let i = 0; i < c.length; i++) {
      let l = byContact.get(c[i]);
      if (!l) byContact.set(c[i], (l = []));
      l.push({ id: id[i], type: type[i], ts: Number(ts[i]), queue: queue[i], to_queue: toq[i], channel: channel[i], agent_id: agent[i], wait_ms: wait[i], resolved: resolved[i] });
    }
    r.contacts += byContact.size;
    const segs = [...byContact].flatMap(([contact, l]) => contactSegments(contact, l));
    r.segments += segs.length;
    const teamOf = new Map<(typeof segs)[number], string>();
    const misses: typeof segs = [];
    for (const s of segs) {
      if (s.answered_at === null) continue;
      const t = index.at(s.agent_id, s.answered_at);
      if (t === undefined) misses.push(s);
      else teamOf.set(s, t);
    }
    const stored = await storedTeams(ch, tenant, misses.map((s) => ({ agent: s.agent_id, t: s.answered_at! })));
    misses.forEach((s, i) => teamOf.set(s, stored[i]));
    const version = nextVersion();
    const out: ContactFactRow[] = segs.flatMap((s) => segmentFacts(tenant, s, teamOf.get(s) ?? '', version));
    if (hadFacts && old.length) {
      const keep = new Set(out.map(factKey));
      const [kind, time, cid, seg] = old as [ContactFactRow['kind'][], number[], string[], number[]];
      for (let i = 0; i < kind.length; i++) {
        const o = { kind: kind[i], time: Number(time[i]), contact_id: cid[i], seg: Number(seg[i]) };
        if (keep.has(factKey(o))) continue;
        out.push({
          tenant, ...o, queue: '', channel: '', agent_id: '', team: '', outcome: '', start_known: 0, queued_at: o.time,
          ended_at: null, wait_ms: null, answered_at: null, wrapped_at: null, handle_ms: null, resolved: null, version, deleted: 1,
        });
      }
    }
    await insertAll(ch, 'hist_contact_facts', out);
  }
}

/** Step 3: contacts after `to`, answered by the rebuilt agents, whose stored team is not the intervals' team now. */
async function reteamAfter(ch: ClickHouseClient, tenant: string, to: number, agents: Map<string, number>, r: RangeRebuildResult) {
  if (agents.size === 0) return;
  const ids = [...agents.keys()];
  const [cs = [], ts = []] = (await columns(
    ch,
    `SELECT f.contact_id, toUnixTimestamp64Milli(f.answered_at)
     FROM (SELECT contact_id, agent_id, assumeNotNull(answered_at) AS answered_at, team FROM hist_contact_facts FINAL
           WHERE tenant = {tenant:String} AND kind = 'outcome' AND outcome = 'answered' AND agent_id IN {ids:Array(String)}
             AND time > ${ms('to')}) AS f
     ASOF LEFT JOIN (SELECT agent_id, start, team FROM hist_agent_states FINAL
                     WHERE tenant = {tenant:String} AND agent_id IN {ids:Array(String)}) AS a
     ON f.agent_id = a.agent_id AND f.answered_at >= a.start
     WHERE f.team != a.team`,
    { tenant, ids, to },
  )) as [string[], number[]];
  if (cs.length === 0) return;
  const times = ts.map(Number);
  const unique = [...new Set(cs)];
  for (let i = 0; i < unique.length; i += 20_000)
    await rebuildContacts(ch, tenant, unique.slice(i, i + 20_000), Math.min(...times), Math.max(...times));
  r.reteamed += unique.length;
}

/** Recomputes the tenant's facts for the events in [from, to] (epoch ms, inclusive). */
export async function rebuildRange(ch: ClickHouseClient, tenant: string, from: number, to: number): Promise<RangeRebuildResult> {
  const r: RangeRebuildResult = { agents: 0, intervals: 0, contacts: 0, segments: 0, reteamed: 0 };
  // Agents first: a contact's team is looked up in the agent intervals.
  const { index, agents } = await rebuildAgentRange(ch, tenant, from, to, r);
  await rebuildContactRange(ch, tenant, from, to, index, r);
  await reteamAfter(ch, tenant, to, agents, r);
  return r;
}
