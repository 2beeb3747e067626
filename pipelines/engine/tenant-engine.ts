// The live KPI engine of one tenant. Pure: events in (apply), numbers out (metrics,
// snapshot) for a `now` that the caller passes; no clock, no I/O. See README.md for the
// design, the memory figures and the semantics chosen where the spec leaves room.
import type { BusEvent } from '../events/schema.ts';
import { K, MIN, newAcc, insertSorted, removeSorted, sameRec, F, type Rec, type RecSpec } from './acc.ts';
import { AgentState, STATE_CODE, later } from './agents.ts';
import { DayClock } from './day-start.ts';
import {
  CR, TR, deriveContact, deriveTicket, insertEv,
  type ContactEv, type OpenSpec, type TicketEv, type TicketStatus,
} from './derive.ts';
import { tenantFromJSON, tenantToJSON, type TenantState } from './engine-state.ts';
import { agentsRequired } from './erlang.ts';
import { IdSet } from './id-set.ts';
import { buildMetrics, type ScopeExtras } from './metrics.ts';
import { ScopeState } from './scope-state.ts';
import {
  DEFAULT_POLICY, WINDOWS,
  type AgentCounts, type Metrics, type QueuePolicy, type ScopeInfo, type ScopeKind, type ScopeSnapshot, type Window,
} from './types.ts';

export interface TenantEngineOptions {
  tenant?: string;
  /** IANA zone for "today"; default UTC */
  timeZone?: string;
  policies?: Record<string, Partial<QueuePolicy>>;
}

export interface OpenSeg extends OpenSpec {
  sc: ScopeState[];
}
export interface ContactState {
  ev: ContactEv[];
  recs: Rec[];
  open: OpenSeg[];
  pending: boolean;
  last: number;
}
export interface TicketStat extends TicketStatus {
  sc: ScopeState[];
}
export interface TicketState {
  ev: TicketEv[];
  recs: Rec[];
  st: TicketStat | null;
  last: number;
}

const HOUR = 3_600_000;
/** records stay in their minute bucket this long past the 1h window (late events, edges) */
const REC_MARGIN = 2 * MIN;
/** a contact still waiting or in handling after this long lost an event: stop counting it */
const MAX_OPEN = 24 * HOUR;
const KINDS = new Set<string>(['queue', 'channel', 'team', 'agent']);
/** agents see a few contacts an hour: coarse buckets keep them small (edges are scanned) */
const SPARSE_WIDTH = 15 * MIN;

export class TenantEngine {
  readonly tenant: string;
  /** @internal state below is read by engine-state.ts (toJSON/fromJSON) */
  clock: DayClock;
  policies: Record<string, Partial<QueuePolicy>>;
  readonly scopeMap = new Map<string, ScopeState>();
  readonly all: ScopeState;
  readonly contacts = new Map<string, ContactState>();
  readonly tickets = new Map<string, TicketState>();
  readonly agents = new Map<string, AgentState>();
  /** event ids seen, for duplicate detection */
  readonly ids = new IdSet();
  /** events older than this are ignored: their ids may already be forgotten */
  horizon = -Infinity;
  private policyCache = new Map<string, QueuePolicy>();
  private dirty = new Set<string>();
  private scratch = newAcc();
  private staffScratch = newAcc();
  private readonly pol = (q: string): QueuePolicy => {
    let p = this.policyCache.get(q);
    if (!p) {
      p = { ...DEFAULT_POLICY, ...this.policies[q] };
      this.policyCache.set(q, p);
    }
    return p;
  };

  constructor(opts: TenantEngineOptions = {}) {
    this.tenant = opts.tenant ?? '';
    this.clock = new DayClock(opts.timeZone ?? 'UTC');
    this.policies = { ...opts.policies };
    this.all = this.scope('all');
  }

  // ---- configuration ----

  setTimeZone(tz: string): void {
    this.clock.timeZone = tz;
    for (const sc of this.scopeMap.values()) sc.clearCaches();
    for (const k of this.scopeMap.keys()) this.dirty.add(k);
  }

  /** Changes a queue's policy and re-derives the contacts and tickets still held. */
  setQueuePolicy(queue: string, p: Partial<QueuePolicy>): void {
    this.policies[queue] = { ...this.policies[queue], ...p };
    this.policyCache.delete(queue);
    this.scope(`queue:${queue}`);
    for (const c of this.contacts.values()) this.recomputeContact(c);
    for (const t of this.tickets.values()) this.recomputeTicket(t);
  }

  policy(queue: string): QueuePolicy {
    return { ...this.pol(queue) };
  }

  // ---- events ----

  /** Applies one event; false when it is a duplicate (id seen) or older than the horizon. */
  apply(ev: BusEvent): boolean {
    if (this.ids.has(ev.id)) return false;
    if (!(ev.ts >= this.horizon)) {
      // An agent's state is what its latest event says, however old (a backfill, a quiet
      // night): an event before the horizon that is still the agent's newest sets it.
      if (ev.type !== 'agent.state') return false;
      const a = this.agents.get(ev.agent_id);
      const last = a?.tl[a.tl.length - 1];
      if (last && !later(ev.ts, ev.id, [last.ts, last.id])) return false;
      this.agentEvent(ev);
      return true;
    }
    this.ids.add(ev.id, ev.ts);
    const { id, ts } = ev;
    switch (ev.type) {
      case 'contact.queued':
        this.contactEvent(ev.contact_id, { id, ts, r: CR.QUEUED, q: ev.queue, ch: ev.channel, ag: null, to: null, w: -1, res: 0 });
        break;
      case 'contact.transferred':
        this.contactEvent(ev.contact_id, { id, ts, r: CR.TRANSFERRED, q: ev.queue, ch: null, ag: ev.agent_id ?? null, to: ev.to_queue, w: -1, res: 0 });
        break;
      case 'contact.answered':
        this.contactEvent(ev.contact_id, { id, ts, r: CR.ANSWERED, q: ev.queue, ch: null, ag: ev.agent_id, to: null, w: ev.wait_ms ?? -1, res: 0 });
        break;
      case 'contact.abandoned':
        this.contactEvent(ev.contact_id, { id, ts, r: CR.ABANDONED, q: ev.queue, ch: null, ag: null, to: null, w: ev.wait_ms ?? -1, res: 0 });
        break;
      case 'contact.ended':
        this.contactEvent(ev.contact_id, { id, ts, r: CR.ENDED, q: null, ch: null, ag: ev.agent_id, to: null, w: -1, res: 0 });
        break;
      case 'contact.wrapped':
        this.contactEvent(ev.contact_id, {
          id, ts, r: CR.WRAPPED, q: null, ch: null, ag: ev.agent_id, to: null, w: -1,
          res: ev.resolved === undefined ? 0 : ev.resolved ? 2 : 1,
        });
        break;
      case 'ticket.created':
        this.ticketEvent(ev.ticket_id, {
          id, ts, r: TR.CREATED, q: ev.queue, ch: ev.channel,
          due: ev.first_response_due ? Date.parse(ev.first_response_due) : -1,
        });
        break;
      case 'ticket.replied':
        this.ticketEvent(ev.ticket_id, { id, ts, r: TR.REPLIED, q: null, ch: null, due: -1 });
        break;
      case 'ticket.solved':
        this.ticketEvent(ev.ticket_id, { id, ts, r: TR.SOLVED, q: null, ch: null, due: -1 });
        break;
      case 'ticket.reopened':
        this.ticketEvent(ev.ticket_id, { id, ts, r: TR.REOPENED, q: null, ch: null, due: -1 });
        break;
      case 'agent.state':
        this.agentEvent(ev);
        break;
      case 'feedback.submitted': {
        const k = ev.survey === 'csat' ? K.CSAT : ev.survey === 'nps' ? K.NPS : K.CES;
        const r = this.mkRec({ k, t: ev.ts, v: ev.score, f: 0, q: ev.queue ?? null, ch: ev.channel ?? null, ag: ev.agent_id ?? null });
        this.addRec(r, 1);
        break;
      }
    }
    return true;
  }

  private contactEvent(id: string, e: ContactEv): void {
    let c = this.contacts.get(id);
    if (!c) {
      c = { ev: [], recs: [], open: [], pending: false, last: e.ts };
      this.contacts.set(id, c);
    }
    insertEv(c.ev, e);
    if (e.ts > c.last) c.last = e.ts;
    this.recomputeContact(c);
  }

  /** @internal */
  recomputeContact(c: ContactState, restoring = false): void {
    const d = deriveContact(c.ev, this.pol);
    if (!restoring) c.recs = this.diffRecs(c.recs, d.recs);
    c.pending = d.pending;
    // at most one segment waits at a time
    const was = c.open.length ? c.open[0] : null;
    const is = d.open.length ? d.open[0] : null;
    if (was && is && was.t === is.t && was.q === is.q && was.ch === is.ch) return;
    if (was) this.applyOpen(was, -1);
    c.open = [];
    if (is) {
      const sc = [this.all, this.sub('queue', is.q)];
      if (is.ch) sc.push(this.sub('channel', is.ch));
      const seg: OpenSeg = { t: is.t, q: is.q, ch: is.ch, sc };
      this.applyOpen(seg, 1);
      c.open.push(seg);
    }
  }

  private applyOpen(o: OpenSeg, s: number): void {
    for (const sc of o.sc) {
      if (s > 0) sc.open.add(o.t); else sc.open.remove(o.t);
      this.dirty.add(sc.key);
    }
  }

  private ticketEvent(id: string, e: TicketEv): void {
    let t = this.tickets.get(id);
    if (!t) {
      t = { ev: [], recs: [], st: null, last: e.ts };
      this.tickets.set(id, t);
    }
    insertEv(t.ev, e);
    if (e.ts > t.last) t.last = e.ts;
    this.recomputeTicket(t);
  }

  /** @internal */
  recomputeTicket(t: TicketState, restoring = false): void {
    const d = deriveTicket(t.ev, this.pol);
    if (!restoring) t.recs = this.diffRecs(t.recs, d.recs);
    const a = t.st;
    const b = d.status;
    if (a && b && a.open === b.open && a.replied === b.replied && a.due === b.due && a.q === b.q && a.ch === b.ch) return;
    if (a) this.applyTicket(a, -1);
    t.st = null;
    if (b) {
      const sc = [this.all, this.sub('queue', b.q)];
      if (b.ch) sc.push(this.sub('channel', b.ch));
      t.st = { ...b, sc };
      this.applyTicket(t.st, 1);
    }
  }

  private applyTicket(st: TicketStat, s: number): void {
    for (const sc of st.sc) {
      this.dirty.add(sc.key);
      if (!st.open) continue;
      sc.backlog += s;
      if (!st.replied) {
        if (s > 0) insertSorted(sc.dues, st.due); else removeSorted(sc.dues, st.due);
      }
    }
  }

  /** Keeps the records that did not change, removes the gone ones, adds the new ones. */
  private diffRecs(old: Rec[], specs: RecSpec[]): Rec[] {
    const out: Rec[] = [];
    const used = old.length ? new Array<boolean>(old.length).fill(false) : [];
    for (const s of specs) {
      let hit = -1;
      for (let i = 0; i < old.length; i++) if (!used[i] && sameRec(old[i], s)) { hit = i; break; }
      if (hit >= 0) {
        used[hit] = true;
        out.push(old[hit]);
      } else {
        const r = this.mkRec(s);
        this.addRec(r, 1);
        out.push(r);
      }
    }
    for (let i = 0; i < old.length; i++) if (!used[i]) this.addRec(old[i], -1);
    return out;
  }

  /** @internal */
  mkRec(s: RecSpec): Rec {
    const sc = [this.all];
    if (s.q !== null) sc.push(this.sub('queue', s.q));
    if (s.ch !== null) sc.push(this.sub('channel', s.ch));
    let agent: ScopeState | null = null;
    if (s.ag !== null) {
      agent = this.sub('agent', s.ag);
      this.agentState(s.ag);
    }
    return { k: s.k, t: s.t, v: s.v, f: s.f, q: s.q, ch: s.ch, ag: s.ag, sc, agent };
  }

  private addRec(r: Rec, s: number): void {
    for (const sc of r.sc) {
      sc.addRec(r, s);
      this.dirty.add(sc.key);
    }
    if (r.agent) {
      r.agent.addRec(r, s);
      this.dirty.add(r.agent.key);
      const team = this.agents.get(r.ag!)?.team;
      if (team) {
        const ts = this.sub('team', team);
        ts.addRec(r, s);
        this.dirty.add(ts.key);
      }
    }
  }

  // ---- agents ----

  /** @internal */
  agentState(id: string): AgentState {
    let a = this.agents.get(id);
    if (!a) {
      a = new AgentState(id);
      this.agents.set(id, a);
      this.sub('agent', id);
    }
    return a;
  }

  private agentEvent(ev: Extract<BusEvent, { type: 'agent.state' }>): void {
    const a = this.agentState(ev.agent_id);
    const { ts, id } = ev;
    a.insert({ ts, id, st: STATE_CODE[ev.state], reason: ev.reason ?? null });
    if (ev.name !== undefined && later(ts, id, a.nameAt)) {
      a.name = ev.name;
      a.nameAt = [ts, id];
    }
    if (ev.queues !== undefined && later(ts, id, a.queuesAt)) {
      a.queuesAt = [ts, id];
      this.setQueues(a, ev.queues);
    }
    if (ev.team !== undefined && later(ts, id, a.teamAt)) {
      a.teamAt = [ts, id];
      this.setTeam(a, ev.team);
    }
    a.ver++;
    this.markAgent(a);
  }

  private markAgent(a: AgentState): void {
    this.dirty.add('all');
    for (const k of a.scopeKeys) this.dirty.add(k);
  }

  /** @internal */
  setQueues(a: AgentState, queues: string[]): void {
    const next = [...new Set(queues)];
    for (const q of a.queues) if (!next.includes(q)) {
      this.scope(`queue:${q}`).members.delete(a);
      this.dirty.add(`queue:${q}`);
    }
    for (const q of next) this.scope(`queue:${q}`).members.add(a);
    a.queues = next;
    a.scopeKeys = this.agentKeys(a);
  }

  /** A contact counts for the agent's current team: moving an agent moves its history. */
  /** @internal */
  setTeam(a: AgentState, team: string, moveBuckets = true): void {
    const old = a.team;
    if (old === team) return;
    const own = this.scope(`agent:${a.id}`);
    if (old) {
      const os = this.scope(`team:${old}`);
      os.members.delete(a);
      if (moveBuckets) for (const [m, bk] of own.buckets) os.moveBucket(m, bk, -1);
      os.clearCaches();
      this.dirty.add(os.key);
    }
    a.team = team;
    const ns = this.scope(`team:${team}`);
    ns.members.add(a);
    if (moveBuckets) for (const [m, bk] of own.buckets) ns.moveBucket(m, bk, 1);
    ns.clearCaches();
    this.dirty.add(ns.key);
    a.scopeKeys = this.agentKeys(a);
  }

  private agentKeys(a: AgentState): string[] {
    const keys = [`agent:${a.id}`, ...a.queues.map((q) => `queue:${q}`)];
    if (a.team) keys.push(`team:${a.team}`);
    return keys;
  }

  private readonly byKind: Record<string, Map<string, ScopeState>> = {
    queue: new Map(), channel: new Map(), team: new Map(), agent: new Map(),
  };
  /** scope by kind and id, without building its key string on the hot path */
  private sub(kind: 'queue' | 'channel' | 'team' | 'agent', id: string): ScopeState {
    return this.byKind[kind].get(id) ?? this.scope(`${kind}:${id}`);
  }

  // ---- reading ----

  /** @internal */
  scope(key: string): ScopeState {
    let sc = this.scopeMap.get(key);
    if (!sc) {
      const i = key.indexOf(':');
      const kind = (i < 0 ? key : key.slice(0, i)) as ScopeKind;
      if (i < 0 ? key !== 'all' : !KINDS.has(kind)) throw new Error(`bad scope ${key}`);
      const id = i < 0 ? null : key.slice(i + 1);
      sc = new ScopeState(key, kind, id, kind === 'agent' || kind === 'team' ? SPARSE_WIDTH : MIN);
      this.scopeMap.set(key, sc);
      if (id !== null) this.byKind[kind].set(id, sc);
      this.dirty.add(key);
    }
    return sc;
  }

  private starts(now: number): number[] {
    return [now - 15 * MIN, now - HOUR, this.clock.start(now)];
  }

  /** KPIs of one scope and window at `now`; undefined for a scope that does not exist. */
  metrics(scope: string, window: Window, now: number): Metrics | undefined {
    const sc = this.scopeMap.get(scope);
    if (!sc) return undefined;
    const wi = WINDOWS.indexOf(window);
    if (wi < 0) throw new Error(`bad window ${window}`);
    const starts = this.starts(now);
    return this.compute(sc, wi, starts, now, sc.kind === 'queue' ? this.staffing(sc, starts, now) : undefined);
  }

  /** Every window of one scope, plus its agent board; undefined for an unknown scope. */
  snapshot(scope: string, now: number): ScopeSnapshot | undefined {
    const sc = this.scopeMap.get(scope);
    if (!sc) return undefined;
    return this.snap(sc, this.starts(now), now);
  }

  /** Snapshots of every scope at `now`. */
  snapshotAll(now: number): ScopeSnapshot[] {
    const starts = this.starts(now);
    const out: ScopeSnapshot[] = [];
    for (const sc of this.scopeMap.values()) out.push(this.snap(sc, starts, now));
    return out;
  }

  private snap(sc: ScopeState, starts: number[], now: number): ScopeSnapshot {
    const staff = sc.kind === 'queue' ? this.staffing(sc, starts, now) : undefined;
    const snap: ScopeSnapshot = {
      tenant: this.tenant,
      scope: sc.key,
      at: now,
      windows: {
        '15m': this.compute(sc, 0, starts, now, staff),
        '1h': this.compute(sc, 1, starts, now, staff),
        today: this.compute(sc, 2, starts, now, staff),
      },
    };
    if (sc.kind !== 'channel') {
      snap.agents = this.members(sc).map((a) => a.toRow()).sort((x, y) => (x.agent_id < y.agent_id ? -1 : 1));
    }
    return snap;
  }

  /** λ from the 15-minute arrivals, AHT from the last hour (300 s when none). */
  private staffing(sc: ScopeState, starts: number[], now: number): number | null {
    const acc = this.staffScratch;
    sc.window(0, starts[0], now, acc);
    const arrivals = acc.n[F.ARR];
    if (arrivals <= 0) return null;
    sc.window(1, starts[1], now, acc);
    const ahtS = acc.n[F.HN] > 0 ? acc.n[F.HSUM] / acc.n[F.HN] / 1000 : 300;
    const p = this.pol(sc.id!);
    return agentsRequired({ arrivalsPerS: arrivals / 900, ahtS, thresholdS: p.sl_threshold_s, target: p.sl_target });
  }

  private members(sc: ScopeState): AgentState[] {
    switch (sc.kind) {
      case 'all': return [...this.agents.values()].filter((a) => a.known);
      case 'queue':
      case 'team': return [...sc.members].filter((a) => a.known);
      case 'agent': {
        const a = this.agents.get(sc.id!);
        return a?.known ? [a] : [];
      }
      default: return [];
    }
  }

  private compute(sc: ScopeState, wi: number, starts: number[], now: number, staff: number | null | undefined): Metrics {
    const acc = this.scratch;
    const cached = sc.window(wi, starts[wi], now, acc);
    const x: ScopeExtras = {
      waiting: sc.open.count,
      oldest: sc.open.oldest(),
      backlog: sc.backlog,
      breached: countBelow(sc.dues, now),
      agents: null,
      occ: null,
      agentsRequired: staff,
    };
    if (sc.kind !== 'channel') {
      const counts: AgentCounts = { available: 0, busy: 0, wrap_up: 0, away: 0, offline: 0 };
      const codes = this.codes.fill(0);
      let o = 0;
      let t = 0;
      const list: Iterable<AgentState> = sc.kind === 'all' ? this.agents.values()
        : sc.kind === 'agent' ? this.one(sc.id!) : sc.members;
      for (const a of list) {
        if (!a.known) continue;
        codes[a.state]++;
        if (a.memoNow !== now || a.memoDay !== starts[2] || a.memoVer !== a.ver) this.fillOccupancy(a, starts, now);
        o += a.memo[wi * 2];
        t += a.memo[wi * 2 + 1];
      }
      [counts.available, counts.busy, counts.wrap_up, counts.away, counts.offline] = codes;
      x.agents = counts;
      x.occ = [o, t];
    }
    return buildMetrics(sc.kind, acc, cached, now, x);
  }

  private codes = [0, 0, 0, 0, 0];
  private one(id: string): AgentState[] {
    const a = this.agents.get(id);
    return a ? [a] : [];
  }

  private occTmp = new Float64Array(4);
  private fillOccupancy(a: AgentState, starts: number[], now: number): void {
    const tmp = this.occTmp;
    a.cum(now, tmp, 0);
    for (let w = 0; w < 3; w++) {
      a.cum(Math.min(starts[w], now), tmp, 2);
      a.memo[w * 2] = tmp[0] - tmp[2];
      a.memo[w * 2 + 1] = tmp[1] - tmp[3];
    }
    a.memoNow = now;
    a.memoDay = starts[2];
    a.memoVer = a.ver;
  }

  /** Scopes that exist now. */
  scopes(): ScopeInfo[] {
    const out: ScopeInfo[] = [];
    for (const sc of this.scopeMap.values()) {
      out.push({ scope: sc.key, kind: sc.kind, id: sc.id, name: sc.kind === 'agent' ? (this.agents.get(sc.id!)?.name ?? null) : null });
    }
    return out;
  }

  /** Scopes whose inputs changed since the last call. */
  takeDirty(): Set<string> {
    const d = this.dirty;
    this.dirty = new Set();
    return d;
  }

  // ---- restart safety ----

  toJSON(): TenantState {
    return tenantToJSON(this);
  }

  static fromJSON(s: TenantState): TenantEngine {
    return tenantFromJSON(s);
  }

  // ---- memory ----

  /**
   * Releases what no window can need at `now` or later: buckets before every window,
   * records (kept for window edges) older than the last hour, settled contacts, contacts
   * silent for 24 h (a lost event), closed tickets, old agent states, and event ids
   * older than today − 1 h (events older than that are ignored from then on).
   */
  evict(now: number): void {
    const day = this.clock.start(now);
    const oldestStart = Math.min(day, now - HOUR);
    const recFrom = now - HOUR - REC_MARGIN;
    for (const sc of this.scopeMap.values()) sc.evict(recFrom, oldestStart - REC_MARGIN);
    this.horizon = Math.max(this.horizon, oldestStart - HOUR);
    this.ids.evictBefore(this.horizon);
    for (const [id, c] of this.contacts) {
      const settled = c.open.length === 0 && !c.pending;
      if (settled ? c.last < recFrom : c.last < now - MAX_OPEN) {
        for (const o of c.open) this.applyOpen(o, -1);
        this.contacts.delete(id);
      }
    }
    for (const [id, t] of this.tickets) {
      if (t.last < this.horizon && !t.st?.open) this.tickets.delete(id);
    }
    for (const a of this.agents.values()) a.trim(oldestStart - REC_MARGIN);
  }
}

function countBelow(sorted: number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (sorted[m] < v) lo = m + 1; else hi = m;
  }
  return lo;
}
