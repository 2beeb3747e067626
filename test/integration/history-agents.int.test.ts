// Agent state intervals and the teams of answered contacts, rewritten batch by batch by
// the history consumer (applyEvents), equal the intervals computed from all events at
// once, whatever order the events come in. rebuildAgents rewrites an agent only up to
// its next stored event unless a late event changes the team or queues carried forward,
// so late team changes are what this checks hardest. Real chDB in a temp dir.
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/harness.ts';
import { migrate, openClickHouse, type ClickHouseClient } from '../../server/db/clickhouse.ts';
import { insertEvents } from '../../pipelines/writer/events-in.ts';
import { applyEvents } from '../../pipelines/history/consumer.ts';
import { agentIntervals, teamAt, type AgentInterval } from '../../pipelines/history/agent-intervals.ts';
import type { BusEvent } from '../../pipelines/events/schema.ts';
import { disorder, rng, scenario } from '../unit/history/scenario.ts';
import type { RawEvent } from '../unit/history/reference.ts';

let ch: ClickHouseClient;
let tenantN = 0;

beforeAll(async () => {
  ch = await openClickHouse({ clickhouse: null, dataDir: tempDir('fw-hist-agents-') });
  await migrate(ch);
});

const toBus = (tenant: string, e: RawEvent): BusEvent =>
  ({ ...e, tenant, ts: Date.parse(e.time), received_at: Date.parse(e.time) }) as unknown as BusEvent;

/** Stores and applies `events` in batches, as the writer and then the history consumer do. */
async function feed(tenant: string, batches: RawEvent[][]) {
  for (const b of batches) {
    const evs = b.map((e) => toBus(tenant, e));
    await insertEvents(ch, evs);
    await applyEvents(ch, evs);
  }
}

async function q<T>(query: string, tenant: string): Promise<T[]> {
  const r = await ch.query({ query, query_params: { tenant }, format: 'JSONEachRow' });
  return r.json<T>();
}

const storedIntervals = async (tenant: string) =>
  (await q<{ agent_id: string; id: string; s: number; e: number; state: string; team: string; queues: string[] }>(
    `SELECT agent_id, id, toUnixTimestamp64Milli(start) AS s, toUnixTimestamp64Milli(end) AS e, state, team, queues
     FROM hist_agent_states FINAL WHERE tenant = {tenant:String} ORDER BY agent_id, start, id`,
    tenant,
  )).map((r) => ({ agent_id: r.agent_id, id: r.id, start: Number(r.s), end: Number(r.e), state: r.state, team: r.team, queues: r.queues }));

/** Every agent's intervals from all its events at once: the reference. */
function reference(events: RawEvent[]): Map<string, AgentInterval[]> {
  const by = new Map<string, RawEvent[]>();
  for (const e of events) if (e.type === 'agent.state') by.set(e.agent_id as string, [...(by.get(e.agent_id as string) ?? []), e]);
  const out = new Map<string, AgentInterval[]>();
  for (const [a, l] of by)
    out.set(a, agentIntervals(a, l.map((e) => ({ id: e.id, ts: Date.parse(e.time), state: e.state as string, team: (e.team as string) ?? '', queues: (e.queues as string[]) ?? null })), null));
  return out;
}

async function expectAsReference(tenant: string, events: RawEvent[]) {
  const ref = reference(events);
  const want = [...ref.values()].flat().sort((x, y) => (x.agent_id < y.agent_id ? -1 : x.agent_id > y.agent_id ? 1 : x.start - y.start || (x.id < y.id ? -1 : 1)));
  expect(await storedIntervals(tenant)).toEqual(want);
  // the team stored with each answered contact is the agent's team at the answer
  const answers = await q<{ contact_id: string; agent_id: string; t: number; team: string }>(
    `SELECT contact_id, agent_id, toUnixTimestamp64Milli(assumeNotNull(answered_at)) AS t, team FROM hist_contact_facts FINAL
     WHERE tenant = {tenant:String} AND kind = 'outcome' AND outcome = 'answered' AND deleted = 0`,
    tenant,
  );
  for (const a of answers) expect(a.team, `${a.contact_id} answered by ${a.agent_id}`).toBe(teamAt(ref.get(a.agent_id) ?? [], Number(a.t)));
  return answers.length;
}

const T0 = Date.parse('2026-11-20T09:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const st = (id: string, s: number, extra: Record<string, unknown>): RawEvent => ({ id, type: 'agent.state', time: at(s), agent_id: 'a1', ...extra });

describe('agent intervals rewritten batch by batch', () => {
  it('a late team and queues change reaches every later interval, and the contacts answered in them', async () => {
    const tenant = `t${++tenantN}`;
    const early = [
      st('e1', 0, { state: 'available', team: 'north', queues: ['billing'] }),
      st('e2', 10, { state: 'busy' }),
      st('e3', 20, { state: 'wrap_up' }),
      st('e4', 30, { state: 'available' }),
      { id: 'q1', type: 'contact.queued', time: at(24), contact_id: 'c1', queue: 'billing', channel: 'voice' },
      { id: 'n1', type: 'contact.answered', time: at(25), contact_id: 'c1', queue: 'billing', agent_id: 'a1' },
    ];
    await feed(tenant, [early]);
    expect((await storedIntervals(tenant)).map((i) => i.team)).toEqual(['north', 'north', 'north', 'north']);
    const late = [st('e0', 5, { state: 'away', team: 'south', queues: ['sales'] })];
    await feed(tenant, [late]);
    const all = [...early, ...late];
    expect((await storedIntervals(tenant)).map((i) => `${i.team}:${i.queues.join('+')}`)).toEqual(['north:billing', 'south:sales', 'south:sales', 'south:sales', 'south:sales']);
    expect(await expectAsReference(tenant, all)).toBe(1);
  });

  it('a late state without a team splits its interval and leaves the later ones as they were', async () => {
    const tenant = `t${++tenantN}`;
    const early = [st('e1', 0, { state: 'available', team: 'north' }), st('e2', 10, { state: 'busy' }), st('e3', 20, { state: 'available' })];
    await feed(tenant, [early]);
    const late = [st('e9', 15, { state: 'away', reason: 'break' })];
    await feed(tenant, [late]);
    await expectAsReference(tenant, [...early, ...late]);
    expect((await storedIntervals(tenant)).map((i) => [i.id, i.end - T0])).toEqual([['e1', 10_000], ['e2', 15_000], ['e9', 20_000], ['e3', Date.UTC(2200, 0, 1) - T0]]);
  });

  it('a late team change up to a next event that names its own team: contacts answered in between take the new team', async () => {
    const tenant = `t${++tenantN}`;
    const early = [
      st('e1', 0, { state: 'available', team: 'north' }),
      st('e2', 20, { state: 'available', team: 'north' }),
      { id: 'q1', type: 'contact.queued', time: at(12), contact_id: 'c1', queue: 'billing', channel: 'voice' },
      { id: 'n1', type: 'contact.answered', time: at(15), contact_id: 'c1', queue: 'billing', agent_id: 'a1' },
      { id: 'q2', type: 'contact.queued', time: at(22), contact_id: 'c2', queue: 'billing', channel: 'voice' },
      { id: 'n2', type: 'contact.answered', time: at(25), contact_id: 'c2', queue: 'billing', agent_id: 'a1' },
    ];
    await feed(tenant, [early]);
    const late = [st('e0', 10, { state: 'available', team: 'south' })];
    await feed(tenant, [late]);
    expect(await expectAsReference(tenant, [...early, ...late])).toBe(2);
    expect((await storedIntervals(tenant)).map((i) => i.team)).toEqual(['north', 'south', 'north']);
  });

  for (const seed of [1, 2, 3, 4])
    it(`random day ${seed}: events shuffled far and fed in batches of 1 to 60 equal all events at once`, async () => {
      const tenant = `t${++tenantN}`;
      const events = disorder(scenario(seed * 101, T0, { contacts: 120, spanS: 4 * 3600, prefix: `s${seed}` }), seed, 0, 40);
      const r = rng(seed);
      const batches: RawEvent[][] = [];
      for (let i = 0; i < events.length; ) {
        const n = 1 + Math.floor(r() * 60);
        batches.push(events.slice(i, i + n));
        i += n;
      }
      await feed(tenant, batches);
      expect(await expectAsReference(tenant, events)).toBeGreaterThan(20);
    }, 120_000);
});
