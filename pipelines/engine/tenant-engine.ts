// The live KPI engine of one tenant. Pure: events in (apply), numbers out (metrics,
// snapshot) for a `now` that the caller passes; no clock, no I/O. See README.md for the
// design, the memory figures and the semantics chosen where the spec leaves room.
import type { BusEvent } from '../events/schema.ts';
import { K, MIN, linkRecs, newRec, insertSorted, recList, removeSorted, sameRec, type Rec } from './acc.ts';
import { AgentState, later, stateCode } from './agents.ts';
import { DayClock } from './day-start.ts';
import {
  CR, TR, deriveContact, deriveTicket, evList, insertEv, linkEv, pendingWrap, stepContact,
  type ContactCursor, type ContactEv, type TicketEv, type TicketStatus,
} from './derive.ts';
import { tenantFromJSON, tenantToJSON, type TenantState } from './engine-state.ts';
import { IdSet } from './id-set.ts';
import { ScopeReader } from './scope-reader.ts';
import { ScopeState } from './scope-state.ts';
import {
  DEFAULT_POLICY, WINDOWS,
  type Metrics, type QueuePolicy, type ScopeInfo, type ScopeKind, type ScopeSnapshot, type Window,
} from './types.ts';

export interface TenantEngineOptions {
  tenant?: string;
  /** IANA zone for "today"; default UTC */
  timeZone?: string;
  policies?: Record<string, Partial<QueuePolicy>>;
  /**
   * false: an engine that is only saved (the checkpointer, pipelines/live/engine-runner.ts).
   * It keeps everything its snapshot holds, but not what only reads need and a restore
   * re-derives: waiting sets, ticket backlogs and due times, changed-scope marks. Its
   * metrics and snapshots cannot be read. Default true.
   */
  liveReads?: boolean;
}

/**
 * One contact: its events in order and its records, each a list linked back from the
 * last (no per-contact arrays: an event that comes last touches only the contact and
 * its previous last event), and where its derivation stands.
 */
export class ContactState implements ContactCursor {
  evTail: ContactEv | null = null;
  recTail: Rec | null = null;
  ch: string | null = null;
  hasQueued = false;
  curT = 0;
  curQ: string | null = null;
  lastT = 0;
  lastQ: string | null = null;
  lastAg: string | null = null;
  lastWrapped = false;
  /** the segment counted as waiting: its start and scopes (null: none) */
  openT = 0;
  openSc: readonly ScopeState[] | null = null;
  /** scope list of (scQ, ch), the queue and channel most of its records and segments have */
  scQ: string | null = null;
  scCh: string | null = null;
  scList: readonly ScopeState[] | null = null;
  /**
   * Where eviction finds it (TenantEngine.fileContact): settled, the minute of its last
   * event (≥ 0); waiting or in handling, −1 − the hour of its last event; NaN: not filed.
   */
  wb = NaN;
  constructor(public last: number) {}

  events(): ContactEv[] {
    return evList(this.evTail);
  }

  records(): Rec[] {
    return recList(this.recTail);
  }
}
export interface TicketStat extends TicketStatus {
  sc: readonly ScopeState[];
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
  /** see TenantEngineOptions.liveReads */
  readonly liveReads: boolean;
  /** @internal state below is read by engine-state.ts (toJSON/fromJSON) */
  clock: DayClock;
  policies: Record<string, Partial<QueuePolicy>>;
  readonly scopeMap = new Map<string, ScopeState>();
  /** shared scope lists of records and waiting segments: queue scope → channel → [all, queue, channel] */
  private readonly scLists = new Map<ScopeState | null, Map<string | null, readonly ScopeState[]>>();
  readonly all: ScopeState;
  readonly contacts = new Map<string, ContactState>();
  readonly tickets = new Map<string, TicketState>();
  readonly agents = new Map<string, AgentState>();
  /**
   * Eviction without scanning every contact: settled contacts listed by the minute of
   * their last event (an entry is stale when the contact's wk/wb moved on), and the
   * number of unsettled ones by the hour of their last event, so that the scan for
   * contacts silent for 24 h only runs when some may be.
   */
  private readonly settledByMin = new Map<number, string[]>();
  /** keyed by wb (−1 − hour) */
  private readonly openByHour = new Map<number, number>();
  /** event ids seen, for duplicate detection */
  readonly ids = new IdSet();
  /** events older than this are ignored: their ids may already be forgotten */
  horizon = -Infinity;
  /** the horizon of the last scan for closed tickets (none can qualify until it moves) */
  private ticketScanAt = NaN;
  private policyCache = new Map<string, QueuePolicy>();
  /** scopes changed since the last takeDirty (each has `dirty` set) */
  private dirty: ScopeState[] = [];
  private readonly reader = new ScopeReader(this, (now) => this.clock.start(now));
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
    this.liveReads = opts.liveReads !== false;
    this.clock = new DayClock(opts.timeZone ?? 'UTC');
    this.policies = { ...opts.policies };
    this.all = this.scope('all');
  }

  // ---- configuration ----

  setTimeZone(tz: string): void {
    this.clock.timeZone = tz;
    for (const sc of this.scopeMap.values()) {
      sc.clearCaches();
      this.touch(sc);
    }
  }

  /** Changes a queue's policy and re-derives the contacts and tickets still held. */
  setQueuePolicy(queue: string, p: Partial<QueuePolicy>): void {
    this.policies[queue] = { ...this.policies[queue], ...p };
    this.policyCache.delete(queue);
    this.scope(`queue:${queue}`);
    for (const [id, c] of this.contacts) this.recomputeContact(id, c);
    for (const t of this.tickets.values()) this.recomputeTicket(t);
  }

  policy(queue: string): QueuePolicy {
    return { ...this.pol(queue) };
  }

  // ---- events ----

  /** Applies one event; false when it is a duplicate (id seen) or older than the horizon. */
  apply(ev: BusEvent): boolean {
    // each property is read once: events of every type and shape pass here, so every read
    // of `ev` is a megamorphic lookup
    const id = ev.id;
    const ts = ev.ts;
    if (!(ts >= this.horizon)) {
      if (this.ids.has(id)) return false;
      // An agent's state is what its latest event says, however old (a backfill, a quiet
      // night): an event before the horizon that is still the agent's newest sets it.
      if (ev.type !== 'agent.state') return false;
      const a = this.agents.get(ev.agent_id);
      if (a && !a.isLatest(ts, id)) return false;
      this.agentEvent(ev, id, ts);
      return true;
    }
    if (!this.ids.addNew(id, ts)) return false;
    // most frequent first: each case is a string comparison. Contact events meet in one
    // call of contactEvent (one call site keeps it and its callees within V8's inlining budget).
    let e: ContactEv;
    switch (ev.type) {
      case 'agent.state':
        this.agentEvent(ev, id, ts);
        return true;
      case 'contact.answered':
        e = { id, ts, r: CR.ANSWERED, q: ev.queue, ch: null, ag: ev.agent_id, to: null, w: ev.wait_ms ?? -1, res: 0, prev: null };
        break;
      case 'contact.ended':
        this.contactEnded(ev.contact_id, ts);
        return true;
      case 'contact.wrapped':
        e = {
          id, ts, r: CR.WRAPPED, q: null, ch: null, ag: ev.agent_id, to: null, w: -1,
          res: ev.resolved === undefined ? 0 : ev.resolved ? 2 : 1, prev: null,
        };
        break;
      case 'contact.queued':
        e = { id, ts, r: CR.QUEUED, q: ev.queue, ch: ev.channel, ag: null, to: null, w: -1, res: 0, prev: null };
        break;
      case 'contact.abandoned':
        e = { id, ts, r: CR.ABANDONED, q: ev.queue, ch: null, ag: null, to: null, w: ev.wait_ms ?? -1, res: 0, prev: null };
        break;
      case 'contact.transferred':
        e = { id, ts, r: CR.TRANSFERRED, q: ev.queue, ch: null, ag: ev.agent_id ?? null, to: ev.to_queue, w: -1, res: 0, prev: null };
        break;
      case 'ticket.created':
        this.ticketEvent(ev.ticket_id, {
          id, ts, r: TR.CREATED, q: ev.queue, ch: ev.channel,
          due: ev.first_response_due ? Date.parse(ev.first_response_due) : -1,
        });
        return true;
      case 'ticket.replied':
        this.ticketEvent(ev.ticket_id, { id, ts, r: TR.REPLIED, q: null, ch: null, due: -1 });
        return true;
      case 'ticket.solved':
        this.ticketEvent(ev.ticket_id, { id, ts, r: TR.SOLVED, q: null, ch: null, due: -1 });
        return true;
      case 'ticket.reopened':
        this.ticketEvent(ev.ticket_id, { id, ts, r: TR.REOPENED, q: null, ch: null, due: -1 });
        return true;
      case 'feedback.submitted': {
        const k = ev.survey === 'csat' ? K.CSAT : ev.survey === 'nps' ? K.NPS : K.CES;
        this.addRec(this.mkRec(k, ev.ts, ev.score, 0, ev.queue ?? null, ev.channel ?? null, ev.agent_id ?? null), 1);
        return true;
      }
      default:
        return true;
    }
    this.contactEvent(ev.contact_id, e);
    return true;
  }

  private contactEvent(id: string, e: ContactEv): void {
    let c = this.contacts.get(id);
    if (!c) {
      c = new ContactState(e.ts);
      this.contacts.set(id, c);
    }
    const appended = linkEv(c, e);
    if (e.ts > c.last) c.last = e.ts;
    // Fast path: an event that comes last in order is one more step of the derivation,
    // unless it is the first queued event after others (its channel applies to all).
    if (appended && (e.r !== CR.QUEUED || c.hasQueued || e.prev === null)) {
      if (e.r === CR.QUEUED && !c.hasQueued) c.ch = e.ch;
      const r = stepContact(c, e, this.pol);
      if (r) {
        r.sc = this.contactScopes(c, r.q!);
        if (r.ag !== null) r.agent = this.agentState(r.ag);
        this.addRec(r, 1);
        r.prev = c.recTail;
        c.recTail = r;
      }
      this.syncOpen(c);
      this.fileContact(id, c);
    } else this.recomputeContact(id, c);
  }

  /**
   * `contact.ended` changes no record (talk ends, handle time runs to the wrap): it is
   * not kept among the contact's events, it only counts as activity for eviction.
   */
  private contactEnded(id: string, ts: number): void {
    let c = this.contacts.get(id);
    if (!c) {
      c = new ContactState(ts);
      this.contacts.set(id, c);
    }
    if (ts > c.last) c.last = ts;
    this.fileContact(id, c);
  }

  /** @internal */
  recomputeContact(id: string, c: ContactState, restoring = false): void {
    const recs = deriveContact(c.events(), this.pol, c);
    if (!restoring) c.recTail = linkRecs(this.diffRecs(c.records(), recs));
    this.syncOpen(c);
    this.fileContact(id, c);
  }

  /** Keeps the contact where evict() will look for it (see settledByMin). */
  private fileContact(id: string, c: ContactState): void {
    const settled = c.openSc === null && !pendingWrap(c);
    const b = settled ? Math.floor(c.last / MIN) : -1 - Math.floor(c.last / HOUR);
    if (c.wb === b) return;
    if (c.wb < 0) this.uncountOpen(c.wb);
    c.wb = b;
    if (settled) {
      let list = this.settledByMin.get(b);
      if (!list) {
        list = [];
        this.settledByMin.set(b, list);
      }
      list.push(id);
    } else this.openByHour.set(b, (this.openByHour.get(b) ?? 0) + 1);
  }

  private uncountOpen(wb: number): void {
    const n = this.openByHour.get(wb)! - 1;
    if (n > 0) this.openByHour.set(wb, n); else this.openByHour.delete(wb);
  }

  /** Forgets a contact (its waiting segment stops counting). */
  private dropContact(id: string, c: ContactState): void {
    if (c.openSc) this.applyOpen(c.openT, c.openSc, -1);
    if (c.wb < 0) this.uncountOpen(c.wb);
    c.wb = NaN;
    this.contacts.delete(id);
  }

  /** Counts the segment waiting now (at most one per contact) in its scopes. */
  private syncOpen(c: ContactState): void {
    const sc = c.curQ === null ? null : this.contactScopes(c, c.curQ);
    if (sc === c.openSc && (sc === null || c.openT === c.curT)) return;
    if (c.openSc) this.applyOpen(c.openT, c.openSc, -1);
    c.openSc = sc;
    c.openT = c.curT;
    if (sc) this.applyOpen(c.curT, sc, 1);
  }

  /**
   * Counts a waiting segment in its queue and channel. The all scope (first in every
   * list) is only marked: its waiting set is the union of the queues' (scope-reader.ts),
   * which spares the largest set an update on every queued and answered event.
   */
  private applyOpen(t: number, scopes: readonly ScopeState[], s: number): void {
    if (!this.liveReads) return;
    this.touch(scopes[0]);
    for (let i = 1; i < scopes.length; i++) {
      const sc = scopes[i];
      if (s > 0) sc.open.add(t); else sc.open.remove(t);
      this.touch(sc);
    }
  }

  /** @internal the queue scopes, whose waiting sets make up the all scope's */
  queueScopes(): Iterable<ScopeState> {
    return this.byKind.queue.values();
  }

  private contactScopes(c: ContactState, q: string): readonly ScopeState[] {
    if (c.scList === null || c.scQ !== q || c.scCh !== c.ch) {
      c.scList = this.scopesOf(this.sub('queue', q), c.ch);
      c.scQ = q;
      c.scCh = c.ch;
    }
    return c.scList;
  }

  /** [all, queue, channel] (channel when known), one shared array per combination */
  private scopesOf(q: ScopeState | null, ch: string | null): readonly ScopeState[] {
    let byCh = this.scLists.get(q);
    if (!byCh) {
      byCh = new Map();
      this.scLists.set(q, byCh);
    }
    let list = byCh.get(ch);
    if (!list) {
      const l = [this.all];
      if (q) l.push(q);
      if (ch !== null) l.push(this.sub('channel', ch));
      list = l;
      byCh.set(ch, list);
    }
    return list;
  }

  /** Marks a scope changed. Without live reads, scopes are marked from birth: none is listed. */
  private touch(sc: ScopeState): void {
    if (sc.dirty) return;
    sc.dirty = true;
    this.dirty.push(sc);
  }

  private ticketEvent(id: string, e: TicketEv): void {
    let t = this.tickets.get(id);
    if (!t) {
      t = { ev: [], recs: [], st: null, last: e.ts };
      this.tickets.set(id, t);
    }
    const appended = insertEv(t.ev, e);
    if (e.ts > t.last) t.last = e.ts;
    const a = t.st;
    // Fast path: after its creation, an event that comes last in order is one step (what
    // deriveTicket would do with it at the end); a second creation changes nothing.
    if (appended && a !== null) {
      if (e.r !== TR.CREATED) this.stepTicket(t, a, e);
      return;
    }
    this.recomputeTicket(t);
  }

  private stepTicket(t: TicketState, a: TicketStat, e: TicketEv): void {
    let open = a.open;
    let replied = a.replied;
    let r: Rec | null = null;
    switch (e.r) {
      case TR.REPLIED:
        if (!replied) {
          replied = true;
          r = this.mkRec(K.FRT, e.ts, e.ts - a.cts, 0, a.q, a.ch, null);
        }
        break;
      case TR.SOLVED:
        if (open) {
          open = false;
          r = this.mkRec(K.TSO, e.ts, 0, 0, a.q, a.ch, null);
        }
        break;
      case TR.REOPENED:
        open = true;
        break;
    }
    if (r) {
      this.addRec(r, 1);
      t.recs.push(r);
    }
    if (open === a.open && replied === a.replied) return;
    this.applyTicket(a, -1);
    t.st = { ...a, open, replied };
    this.applyTicket(t.st, 1);
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
      t.st = { ...b, sc: this.scopesOf(this.sub('queue', b.q), b.ch) };
      this.applyTicket(t.st, 1);
    }
  }

  private applyTicket(st: TicketStat, s: number): void {
    if (!this.liveReads) return;
    for (const sc of st.sc) {
      this.touch(sc);
      if (!st.open) continue;
      sc.backlog += s;
      if (!st.replied) {
        if (s > 0) insertSorted(sc.dues, st.due); else removeSorted(sc.dues, st.due);
      }
    }
  }

  /** Keeps the records that did not change, removes the gone ones, adds the new ones. */
  private diffRecs(old: Rec[], fresh: Rec[]): Rec[] {
    const out: Rec[] = [];
    const used = old.length ? new Array<boolean>(old.length).fill(false) : [];
    for (const s of fresh) {
      let hit = -1;
      for (let i = 0; i < old.length; i++) if (!used[i] && sameRec(old[i], s)) { hit = i; break; }
      if (hit >= 0) {
        used[hit] = true;
        out.push(old[hit]);
      } else {
        this.bind(s);
        this.addRec(s, 1);
        out.push(s);
      }
    }
    for (let i = 0; i < old.length; i++) if (!used[i]) this.addRec(old[i], -1);
    return out;
  }

  /** @internal a new record with its scopes bound */
  mkRec(k: number, t: number, v: number, f: number, q: string | null, ch: string | null, ag: string | null): Rec {
    return this.bind(newRec(k, t, v, f, q, ch, ag));
  }

  private bind(r: Rec): Rec {
    r.sc = this.scopesOf(r.q === null ? null : this.sub('queue', r.q), r.ch);
    if (r.ag !== null) r.agent = this.agentState(r.ag);
    return r;
  }

  private addRec(r: Rec, s: number): void {
    for (const sc of r.sc) {
      sc.addRec(r, s);
      this.touch(sc);
    }
    const a = r.agent;
    if (a) {
      a.own!.addRec(r, s);
      this.touch(a.own!);
      const team = a.teamScope;
      if (team) {
        team.addRec(r, s);
        this.touch(team);
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
      a.own = this.sub('agent', id);
      a.scopes = [a.own];
    }
    return a;
  }

  private agentEvent(ev: Extract<BusEvent, { type: 'agent.state' }>, id: string, ts: number): void {
    const a = this.agentState(ev.agent_id);
    a.insert(ts, id, stateCode(ev.state), ev.reason ?? null);
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
    this.touch(this.all);
    for (const sc of a.scopes) this.touch(sc);
  }

  /** @internal */
  setQueues(a: AgentState, queues: string[]): void {
    const next = [...new Set(queues)];
    for (const q of a.queues) if (!next.includes(q)) {
      const sc = this.sub('queue', q);
      sc.removeMember(a);
      this.touch(sc);
    }
    for (const q of next) this.sub('queue', q).addMember(a);
    a.queues = next;
    a.scopes = this.agentScopes(a);
  }

  /** A contact counts for the agent's current team: moving an agent moves its history. */
  /** @internal */
  setTeam(a: AgentState, team: string, moveBuckets = true): void {
    const old = a.team;
    if (old === team) return;
    const own = a.own!;
    if (old) {
      const os = this.sub('team', old);
      os.removeMember(a);
      if (moveBuckets) for (const [m, bk] of own.buckets) os.moveBucket(m, bk, -1);
      os.clearCaches();
      this.touch(os);
    }
    a.team = team;
    const ns = this.sub('team', team);
    a.teamScope = ns;
    ns.addMember(a);
    if (moveBuckets) for (const [m, bk] of own.buckets) ns.moveBucket(m, bk, 1);
    ns.clearCaches();
    this.touch(ns);
    a.scopes = this.agentScopes(a);
  }

  private agentScopes(a: AgentState): ScopeState[] {
    const list = [a.own!, ...a.queues.map((q) => this.sub('queue', q))];
    if (a.teamScope) list.push(a.teamScope);
    return list;
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
      sc.dirty = !this.liveReads;
      this.scopeMap.set(key, sc);
      if (id !== null) this.byKind[kind].set(id, sc);
      this.touch(sc);
    }
    return sc;
  }

  /** KPIs of one scope and window at `now`; undefined for a scope that does not exist. */
  metrics(scope: string, window: Window, now: number): Metrics | undefined {
    this.readable();
    const sc = this.scopeMap.get(scope);
    if (!sc) return undefined;
    const wi = WINDOWS.indexOf(window);
    if (wi < 0) throw new Error(`bad window ${window}`);
    return this.reader.metrics(sc, wi, now);
  }

  /** Every window of one scope, plus its agent board; undefined for an unknown scope. */
  snapshot(scope: string, now: number): ScopeSnapshot | undefined {
    this.readable();
    const sc = this.scopeMap.get(scope);
    if (!sc) return undefined;
    return this.reader.snapshot(sc, now);
  }

  /** Snapshots of every scope at `now`. */
  snapshotAll(now: number): ScopeSnapshot[] {
    this.readable();
    const out: ScopeSnapshot[] = [];
    let first = true;
    for (const sc of this.scopeMap.values()) {
      out.push(this.reader.snapshot(sc, now, !first));
      first = false;
    }
    return out;
  }

  private readable(): void {
    if (!this.liveReads) throw new Error('this engine is only saved (liveReads: false): restore it to read its KPIs');
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
    const d = new Set<string>();
    for (const sc of this.dirty) {
      sc.dirty = false;
      d.add(sc.key);
    }
    this.dirty = [];
    return d;
  }

  // ---- restart safety ----

  toJSON(): TenantState {
    return tenantToJSON(this);
  }

  static fromJSON(s: TenantState, opts?: Pick<TenantEngineOptions, 'liveReads'>): TenantEngine {
    return tenantFromJSON(s, opts);
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
    // settled contacts whose last event is before recFrom: whole minutes go at once
    for (const [m, list] of this.settledByMin) {
      if (m * MIN >= recFrom) continue;
      const whole = (m + 1) * MIN <= recFrom;
      let keep: string[] | null = null;
      for (const id of list) {
        const c = this.contacts.get(id);
        if (!c || c.wb !== m) continue; // moved on (or gone) since it was listed
        if (whole || c.last < recFrom) this.dropContact(id, c);
        else (keep ??= []).push(id);
      }
      if (keep) this.settledByMin.set(m, keep); else this.settledByMin.delete(m);
    }
    // contacts silent for 24 h while waiting or in handling (a lost event): scan only when
    // some hour that could hold one has any
    const openFrom = now - MAX_OPEN;
    let stale = false;
    for (const wb of this.openByHour.keys()) if ((-1 - wb) * HOUR < openFrom) stale = true;
    if (stale) {
      for (const [id, c] of this.contacts) if (c.wb < 0 && c.last < openFrom) this.dropContact(id, c);
    }
    // a ticket only qualifies when the horizon passes it: an event that closes it is at or
    // after the horizon, so it moves its last event past the horizon too
    if (this.horizon !== this.ticketScanAt) {
      this.ticketScanAt = this.horizon;
      this.tickets.forEach((t, id) => {
        if (t.last < this.horizon && !t.st?.open) this.tickets.delete(id);
      });
    }
    for (const a of this.agents.values()) a.trim(oldestStart - REC_MARGIN);
  }
}
