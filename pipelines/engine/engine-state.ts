// Snapshot/restore of a tenant's engine for restart safety. Buckets and the records
// they hold are written as they are (the sums of released contacts cannot be rebuilt
// from anything else); contacts and tickets keep their events and record references;
// waiting segments, backlog and memberships are re-derived on restore.
import { NF, linkRecs, type Rec } from './acc.ts';
import type { ContactEv, TicketEv } from './derive.ts';
import type { AgentState, StateEntry } from './agents.ts';
import { newBucket, sortWaits } from './scope-state.ts';
import { ContactState, TenantEngine, type TenantEngineOptions } from './tenant-engine.ts';
import type { QueuePolicy } from './types.ts';

type RecJSON = [t: number, k: number, v: number, f: number, q: string | null, ch: string | null, ag: string | null];
type BucketJSON = [minute: number, n: number[], w: number[], recs: number[] | null];

export interface TenantState {
  v: 1;
  tenant: string;
  timeZone: string;
  policies: Record<string, Partial<QueuePolicy>>;
  /** null: no horizon yet */
  horizon: number | null;
  /** event ids seen, with their event time (or the start of its hour) */
  ids: [string, number][];
  recs: RecJSON[];
  scopes: [key: string, buckets: BucketJSON[]][];
  /** last: time of its latest event, `contact.ended` included (not kept among ev) */
  contacts: [id: string, ev: Omit<ContactEv, 'prev'>[], recs: number[], last?: number][];
  tickets: [id: string, ev: TicketEv[], recs: number[]][];
  agents: {
    id: string;
    name: string | null;
    nameAt: [number, string] | null;
    team: string | null;
    teamAt: [number, string] | null;
    queues: string[];
    queuesAt: [number, string] | null;
    since: number;
    tl: StateEntry[];
  }[];
}

export function tenantToJSON(e: TenantEngine): TenantState {
  const index = new Map<Rec, number>();
  const recs: RecJSON[] = [];
  const ref = (r: Rec): number => {
    let i = index.get(r);
    if (i === undefined) {
      i = recs.length;
      index.set(r, i);
      recs.push([r.t, r.k, r.v, r.f, r.q, r.ch, r.ag]);
    }
    return i;
  };
  const scopes: TenantState['scopes'] = [];
  for (const sc of e.scopeMap.values()) {
    const buckets: BucketJSON[] = [];
    for (const [m, b] of sc.buckets) {
      sortWaits(b);
      buckets.push([m, Array.from(b.n), b.w.slice(), b.recs ? b.recs.map(ref) : null]);
    }
    scopes.push([sc.key, buckets]);
  }
  return {
    v: 1,
    tenant: e.tenant,
    timeZone: e.clock.timeZone,
    policies: structuredClone(e.policies),
    horizon: Number.isFinite(e.horizon) ? e.horizon : null,
    ids: e.ids.entries(),
    recs,
    scopes,
    contacts: [...e.contacts].map(([id, c]) => [
      id,
      c.events().map(({ id, ts, r, q, ch, ag, to, w, res }) => ({ id, ts, r, q, ch, ag, to, w, res })),
      c.records().map(ref),
      c.last,
    ]),
    tickets: [...e.tickets].map(([id, t]) => [id, t.ev.map((x) => ({ ...x })), t.recs.map(ref)]),
    agents: [...e.agents.values()].map((a: AgentState) => ({
      id: a.id, name: a.name, nameAt: a.nameAt, team: a.team, teamAt: a.teamAt,
      queues: a.queues.slice(), queuesAt: a.queuesAt, since: a.since, tl: a.entries(),
    })),
  };
}

export function tenantFromJSON(s: TenantState, opts: Pick<TenantEngineOptions, 'liveReads'> = {}): TenantEngine {
  if (s.v !== 1) throw new Error(`unknown engine state version ${String(s.v)}`);
  const e = new TenantEngine({ tenant: s.tenant, timeZone: s.timeZone, policies: s.policies, liveReads: opts.liveReads });
  e.horizon = s.horizon ?? -Infinity;
  for (const [id, ts] of s.ids) e.ids.add(id, ts);
  for (const [key] of s.scopes) e.scope(key); // same order as before: scopes() stays stable
  const recs = s.recs.map(([t, k, v, f, q, ch, ag]) => e.mkRec(k, t, v, f, q, ch, ag));
  for (const [key, buckets] of s.scopes) {
    const sc = e.scope(key);
    for (const [m, n, w, ri] of buckets) {
      const held = ri ? ri.map((i) => recs[i]) : null;
      let tmin = Infinity;
      let tmax = -Infinity;
      for (const r of held ?? []) {
        if (r.t < tmin) tmin = r.t;
        if (r.t > tmax) tmax = r.t;
      }
      const bk = newBucket(held, tmin, tmax);
      for (let i = 0; i < NF && i < n.length; i++) bk.n[i] = n[i];
      bk.w = w.slice();
      sc.putBucket(m, bk);
    }
  }
  for (const x of s.agents) {
    const a = e.agentState(x.id);
    a.name = x.name;
    a.nameAt = x.nameAt;
    a.queuesAt = x.queuesAt;
    a.teamAt = x.teamAt;
    for (const st of x.tl) a.insert(st.ts, st.id, st.st, st.reason);
    a.since = x.since;
    e.setQueues(a, x.queues);
    if (x.team) e.setTeam(a, x.team, false); // team buckets were restored as they were
  }
  for (const [id, ev, ri, last] of s.contacts) {
    const c = new ContactState(last ?? -Infinity);
    let tail: ContactEv | null = null;
    for (const x of ev) {
      tail = { id: x.id, ts: x.ts, r: x.r, q: x.q, ch: x.ch, ag: x.ag, to: x.to, w: x.w, res: x.res, prev: tail };
      if (x.ts > c.last) c.last = x.ts;
    }
    c.evTail = tail;
    c.recTail = linkRecs(ri.map((i) => recs[i]));
    e.contacts.set(id, c);
    e.recomputeContact(id, c, true);
  }
  for (const [id, ev, ri] of s.tickets) {
    const t = { ev: ev.map((x) => ({ ...x })), recs: ri.map((i) => recs[i]), st: null, last: -Infinity };
    for (const x of t.ev) if (x.ts > t.last) t.last = x.ts;
    e.tickets.set(id, t);
    e.recomputeTicket(t, true);
  }
  return e; // every scope is dirty: a restored engine republishes everything
}
