// queue_log lines → events of spec/events.md. The mapping keeps state across lines (which
// call waits in which queue, who talks to whom, each member's queues and pauses) and two
// kinds of decision that a later line or the clock settles:
// - a wrap-up ends `wrapup_s` after the call (Asterisk logs no line for it): the agent is
//   wrap_up until then, and contact.wrapped is stamped with that end;
// - a caller who left a queue without an answer (EXITWITHTIMEOUT, EXITEMPTY, EXITWITHKEY,
//   WITHDRAW) and enters another queue within `overflow_s` was transferred there (the
//   dialplan's overflow); otherwise the exit is an abandon. Both outcomes carry the same
//   event id, so if a crash lets the clock settle it one way and the replay the other,
//   Floorwatch keeps the first.
// Pending decisions settle when a later line's time passes them (`line`), when the wall
// clock does (`advance`, in --follow), or at the end of an import. The whole state is
// serialisable so --follow resumes exactly where its last acknowledged batch ended.
import type { CcEvent, EventOf } from '../../events/schema.ts';
import { AgentBoard, type AgentInfo, type MemberState } from './agent-board.ts';
import { lineId } from './ids.ts';
import { EVENTS, intField, isRejected, parseLine, type RejectReason } from './parse.ts';

export interface MapperConfig {
  /** member settings: team, name, wrapup_s */
  agents?: Record<string, AgentInfo>;
  /** queue settings: wrapup_s (queues.conf `wrapuptime`) */
  queues?: Record<string, { wrapup_s?: number }>;
  /** wrap-up when neither the member nor the queue sets one (default 0) */
  wrapupS?: number;
  /** seconds after an EXIT* within which an ENTERQUEUE of the same call is an overflow (default 5) */
  overflowS?: number;
  /** custom event written with QueueLog() that carries a call outcome code in data1 */
  outcomes?: { event?: string; resolved?: string[]; unresolved?: string[] };
  /** event id prefix (default "ast"); give each PBX its own when several feed one tenant */
  idPrefix?: string;
}

export interface RejectRecord {
  line: number;
  reason: RejectReason;
  detail: string;
  record: string;
  id: string;
}

export interface MapStats {
  lines: number;
  blank: number;
  mapped: number;
  events: number;
  ignored: Record<string, number>;
  rejected: Record<string, number>;
}

interface Call {
  q: string;
  /** ENTERQUEUE time, −1 when unseen */
  t: number;
  /** last line that touched it (stale calls are dropped after a day) */
  s: number;
  res?: boolean;
}
interface PendingWrap { k: 'w'; due: number; id: string; agent: string; call: string; res?: boolean }
interface PendingExit { k: 'x'; due: number; id: string; call: string; queue: string; t: number; ev: string; wait?: number }
type Pending = PendingWrap | PendingExit;

export interface MapperState {
  v: 1;
  lastMs: number;
  seq: number;
  calls: Record<string, Call>;
  members: Record<string, MemberState>;
  pending: Pending[];
}

const DAY = 86_400_000;
// queue_log times are whole seconds and come in order: most lines repeat the last one's
let isoMs = NaN;
let isoStr = '';
function iso(ms: number): string {
  if (ms !== isoMs) {
    isoStr = new Date(ms).toISOString();
    isoMs = ms;
  }
  return isoStr;
}

/** Why a line lacks a field its event needs (null: it has them); null arguments are not needed. */
function missing(ev: string, callid: string | null, queue: string | null, agent: string | null): string | null {
  if (callid !== null && !okId(callid)) return `${ev} without a call id`;
  if (queue !== null && !okId(queue)) return `${ev} without a queue (or longer than 128)`;
  if (agent !== null && !okId(agent)) return `${ev} without an agent (or longer than 128)`;
  return null;
}
const okId = (s: string) => s !== '' && s !== 'NONE' && s.length <= 128;
const DONE = new Set(['COMPLETECALLER', 'COMPLETEAGENT', 'TRANSFER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER']);
const EXITS: Record<string, number> = { EXITWITHTIMEOUT: 2, EXITEMPTY: 2, EXITWITHKEY: 3, WITHDRAW: 2 };

export class QueueLogMapper {
  readonly stats: MapStats = { lines: 0, blank: 0, mapped: 0, events: 0, ignored: {}, rejected: {} };
  private rejects: RejectRecord[] = [];
  private readonly board: AgentBoard;
  private calls = new Map<string, Call>();
  private pending: Pending[] = [];
  /** pending overflow windows ('x'), so an ENTERQUEUE looks for one only when there is one */
  private exits = 0;
  private lastMs = -1;
  private seq = 0;
  private readonly prefix: string;
  private readonly outcomeEvent: string;
  private readonly resolved: Set<string>;
  private readonly unresolved: Set<string>;
  private out: CcEvent[] = [];

  constructor(private readonly cfg: MapperConfig = {}) {
    this.board = new AgentBoard(cfg.agents);
    this.prefix = cfg.idPrefix ?? 'ast';
    this.outcomeEvent = cfg.outcomes?.event ?? 'CALLSTATUS';
    this.resolved = new Set(cfg.outcomes?.resolved ?? []);
    this.unresolved = new Set(cfg.outcomes?.unresolved ?? []);
  }

  /** Maps one line (1-based `lineNo` for reject reports); events are appended to `out`. */
  line(raw: string, lineNo: number, out: CcEvent[]): void {
    this.stats.lines++;
    if (raw === '' || raw === '\r') {
      this.stats.blank++;
      return;
    }
    const p = parseLine(raw, this.outcomeEvent);
    if (isRejected(p)) return this.reject(lineNo, p.reason, p.detail, raw);
    const n = p.t === this.lastMs ? ++this.seq : (this.seq = 0);
    this.lastMs = p.t;
    const id = lineId(this.prefix, p.t, n, raw);
    this.out = out;
    const settledAt = out.length;
    this.settle(p.t, false);
    this.stats.events += out.length - settledAt;
    const before = out.length;
    const problem = this.apply(p.event, p.t, p.callid, p.queue, p.agent, p.data, id);
    if (problem !== null) {
      out.length = before; // nothing half-mapped
      return this.reject(lineNo, 'unmappable', problem, raw);
    }
    if (EVENTS[p.event]?.ignored) this.stats.ignored[p.event] = (this.stats.ignored[p.event] ?? 0) + 1;
    else this.stats.mapped++;
    this.stats.events += out.length - before;
    if ((this.stats.lines & 4095) === 0) this.sweep(p.t);
  }

  /** Settles what is due before `now` (wall clock, --follow). */
  advance(now: number, out: CcEvent[]): void {
    this.out = out;
    const before = out.length;
    this.settle(now, false);
    this.stats.events += out.length - before;
  }

  /** Settles everything still pending (end of an import). */
  finish(out: CcEvent[]): void {
    this.out = out;
    const before = out.length;
    this.settle(Infinity, true);
    this.stats.events += out.length - before;
  }

  /** When the next pending decision falls due (epoch ms), if any. */
  nextDue(): number | undefined {
    return this.pending[0]?.due;
  }

  /** When the last pending decision falls due, if any. */
  lastDue(): number | undefined {
    return this.pending.at(-1)?.due;
  }

  takeRejects(): RejectRecord[] {
    const r = this.rejects;
    this.rejects = [];
    return r;
  }

  toJSON(): MapperState {
    return {
      v: 1, lastMs: this.lastMs, seq: this.seq, calls: Object.fromEntries(this.calls),
      members: this.board.toJSON(), pending: this.pending,
    };
  }

  static fromJSON(cfg: MapperConfig, s: MapperState): QueueLogMapper {
    const m = new QueueLogMapper(cfg);
    m.lastMs = s.lastMs;
    m.seq = s.seq;
    m.calls = new Map(Object.entries(s.calls));
    m.board.load(s.members);
    m.pending = [...s.pending];
    m.exits = m.pending.filter((p) => p.k === 'x').length;
    return m;
  }

  private reject(line: number, reason: RejectReason, detail: string, raw: string): void {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
    // the id lets the server's dead-letter store drop a reject sent twice
    this.rejects.push({ line, reason, detail, record: raw.slice(0, 8192), id: lineId(this.prefix, 0, line, raw) });
  }

  private emit(ev: CcEvent): void {
    this.out.push(ev);
  }

  private agentState(agent: string, m: MemberState, id: string, t: number): void {
    const ev = this.board.emit(agent, m, id, iso(t));
    if (ev) this.emit(ev);
  }

  private wrapupMs(agent: string, queue: string): number {
    const s = this.board.wrapupS(agent) ?? this.cfg.queues?.[queue]?.wrapup_s ?? this.cfg.wrapupS ?? 0;
    return Math.max(0, s) * 1000;
  }

  /** Settles pending decisions due before `t` (all of them when `all`), in due order. */
  private settle(t: number, all: boolean): void {
    while (this.pending.length > 0 && (all || this.pending[0].due < t)) {
      const p = this.pending.shift()!;
      if (p.k === 'x') this.exits--;
      if (p.k === 'w') {
        const m = this.board.get(p.agent);
        this.wrapped(p, p.due);
        m.wrap = false;
        this.agentState(p.agent, m, `${p.id}:wa`, p.due);
      } else this.abandoned(p.id, p.t, p.call, p.queue, p.wait, p.ev);
    }
  }

  private addPending(p: Pending): void {
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1].due > p.due) i--;
    this.pending.splice(i, 0, p);
    if (p.k === 'x') this.exits++;
  }

  private takePending<K extends Pending['k']>(k: K, match: (p: Extract<Pending, { k: K }>) => boolean) {
    const i = this.pending.findIndex((p) => p.k === k && match(p as Extract<Pending, { k: K }>));
    if (i < 0) return undefined;
    if (k === 'x') this.exits--;
    return this.pending.splice(i, 1)[0] as Extract<Pending, { k: K }>;
  }

  private wrapped(p: PendingWrap, t: number): void {
    const ev: EventOf<'contact.wrapped'> = { id: `${p.id}:w`, type: 'contact.wrapped', time: iso(t), contact_id: p.call, agent_id: p.agent };
    if (p.res !== undefined) ev.resolved = p.res;
    this.emit(ev);
  }

  /** Ends the agent's wrap-up now (a new call, or logged off) instead of at its due time. */
  private cutWrap(agent: string, m: MemberState, t: number): void {
    if (!m.wrap) return;
    m.wrap = false;
    const p = this.takePending('w', (x) => x.agent === agent);
    if (p) this.wrapped(p, t);
  }

  private abandoned(id: string, t: number, call: string, queue: string, wait: number | undefined, ev: string): void {
    const e: EventOf<'contact.abandoned'> = { id: `${id}:x`, type: 'contact.abandoned', time: iso(t), contact_id: call, queue };
    if (wait !== undefined) e.wait_ms = wait * 1000;
    e.attrs = { 'asterisk.event': ev };
    this.emit(e);
  }

  /** One parsed line; returns why it cannot be mapped, or null. */
  private apply(ev: string, t: number, callid: string, queue: string, agent: string, d: string[], id: string): string | null {
    const time = iso(t);
    if (ev === 'ENTERQUEUE') {
      const bad = missing(ev, callid, queue, null);
      if (bad) return bad;
      const x = this.exits === 0 ? undefined : this.takePending('x', (p) => p.call === callid);
      if (x) this.emit({ id: `${x.id}:x`, type: 'contact.transferred', time, contact_id: callid, queue: x.queue, to_queue: queue });
      this.calls.set(callid, { q: queue, t, s: t });
      const q: EventOf<'contact.queued'> = { id, type: 'contact.queued', time, contact_id: callid, queue, channel: 'voice' };
      if (d[1] && d[1].length <= 128) q.customer_id = d[1];
      this.emit(q);
      return null;
    }
    if (ev === 'CONNECT') {
      const bad = missing(ev, callid, queue, agent);
      if (bad) return bad;
      const m = this.board.get(agent);
      this.board.serves(m, queue);
      this.cutWrap(agent, m, t);
      const c = this.calls.get(callid);
      if (c) c.s = t;
      else this.calls.set(callid, { q: queue, t: -1, s: t });
      const a: EventOf<'contact.answered'> = { id, type: 'contact.answered', time, contact_id: callid, queue, agent_id: agent };
      const hold = intField(d[0]);
      if (hold !== undefined) a.wait_ms = hold * 1000;
      this.emit(a);
      m.call = callid;
      this.agentState(agent, m, `${id}:a`, t);
      return null;
    }
    if (DONE.has(ev)) {
      const bad = missing(ev, callid, null, agent);
      if (bad) return bad;
      const m = this.board.get(agent);
      this.board.serves(m, queue);
      const c = this.calls.get(callid);
      this.calls.delete(callid);
      const e: EventOf<'contact.ended'> = { id, type: 'contact.ended', time, contact_id: callid, agent_id: agent };
      e.attrs = { 'asterisk.event': ev };
      if (ev !== 'COMPLETECALLER' && ev !== 'COMPLETEAGENT') e.attrs['asterisk.transfer'] = d.slice(0, ev === 'TRANSFER' || ev === 'BLINDTRANSFER' ? 2 : d.length - 3).join('|').slice(0, 256);
      this.emit(e);
      if (m.call === callid) m.call = null;
      this.cutWrap(agent, m, t);
      const w = this.wrapupMs(agent, queue);
      const p: PendingWrap = { k: 'w', due: t + w, id, agent, call: callid, res: c?.res };
      if (w > 0) {
        m.wrap = true;
        this.addPending(p);
      } else this.wrapped(p, t);
      this.agentState(agent, m, `${id}:a`, t);
      return null;
    }
    if (ev === 'ABANDON') {
      const bad = missing(ev, callid, queue, null);
      if (bad) return bad;
      this.calls.delete(callid);
      this.abandoned(id, t, callid, queue, intField(d[2]), ev);
      return null;
    }
    if (EXITS[ev] !== undefined) {
      const bad = missing(ev, callid, queue, null);
      if (bad) return bad;
      this.calls.delete(callid);
      const wait = intField(d[EXITS[ev]]);
      const w = Math.max(0, this.cfg.overflowS ?? 5) * 1000;
      if (w === 0) this.abandoned(id, t, callid, queue, wait, ev);
      else this.addPending({ k: 'x', due: t + w, id, call: callid, queue, t, ev, wait });
      return null;
    }
    if (ev === this.outcomeEvent) {
      const code = d[0] ?? '';
      const res = this.resolved.has(code) ? true : this.unresolved.has(code) ? false : undefined;
      const p = this.takePending('w', (x) => x.call === callid);
      if (p) {
        if (res !== undefined) p.res = res;
        this.addPending(p);
      } else if (this.calls.has(callid) && res !== undefined) this.calls.get(callid)!.res = res;
      return null;
    }
    if (EVENTS[ev]?.ignored) return null;
    // the rest is about members
    const bad = missing(ev, null, null, agent);
    if (bad) return bad;
    const m = this.board.get(agent);
    const q = okId(queue) ? queue : null;
    switch (ev) {
      case 'RINGNOANSWER':
        if (q) this.board.serves(m, q);
        break;
      case 'ADDMEMBER':
        if (!q) return 'ADDMEMBER without a queue';
        this.board.add(m, q, d[0] === 'PAUSED');
        break;
      case 'REMOVEMEMBER':
        if (!q) return 'REMOVEMEMBER without a queue';
        this.board.remove(m, q);
        break;
      case 'PAUSE':
      case 'UNPAUSE':
        this.board.pause(m, q, ev === 'PAUSE', d[0] ?? '');
        break;
      case 'PAUSEALL':
      case 'UNPAUSEALL':
        this.board.pause(m, null, ev === 'PAUSEALL', d[0] ?? '');
        break;
      case 'AGENTLOGIN':
      case 'AGENTCALLBACKLOGIN':
        m.off = false;
        break;
      case 'AGENTLOGOFF':
      case 'AGENTCALLBACKLOGOFF':
        m.off = true;
        break;
    }
    if (m.off) this.cutWrap(agent, m, t);
    this.agentState(agent, m, `${id}:a`, t);
    return null;
  }

  /** Drops calls no line has touched for a day (their end was never logged). */
  private sweep(t: number): void {
    for (const [k, c] of this.calls) if (t - c.s > DAY) this.calls.delete(k);
  }
}
