// What the queue_log says about each queue member, and the agent.state it implies.
// queue_log has no "agent state" line: it is derived from membership (ADDMEMBER /
// REMOVEMEMBER, and for static members of queues.conf, which never log ADDMEMBER, any line
// naming them in a queue), pauses per queue, Agent/ logins, the call in progress and the
// wrap-up after it. An agent.state is emitted only when the derived state, reason or
// queue list changes.
import type { CcEvent } from '../../events/schema.ts';

export type AgentStateName = 'available' | 'busy' | 'wrap_up' | 'away' | 'offline';

export interface AgentInfo {
  team?: string;
  name?: string;
  /** the member's wrapuptime (queues.conf `member => …,wrapuptime`), seconds */
  wrapup_s?: number;
}

/** Serialisable state of one member (kept in the follow state file). */
export interface MemberState {
  /** queue → paused (1) or not (0) */
  q: Record<string, 0 | 1>;
  /** membership known (an ADDMEMBER, REMOVEMEMBER or a line in a queue was seen) */
  qk: boolean;
  /** paused with no queue known (PAUSEALL before any queue was seen) */
  p0: boolean;
  /** logged off (AGENTLOGOFF, or removed from its last queue) */
  off: boolean;
  /** call in progress (callid) */
  call: string | null;
  /** in wrap-up after a call */
  wrap: boolean;
  reason: string;
  /** last emitted: state, reason and queues, joined */
  last: string;
}

const newMember = (): MemberState => ({ q: {}, qk: false, p0: false, off: false, call: null, wrap: false, reason: '', last: '' });

export class AgentBoard {
  readonly members = new Map<string, MemberState>();

  constructor(private readonly info: Record<string, AgentInfo> = {}) {}

  get(agent: string): MemberState {
    let m = this.members.get(agent);
    if (m === undefined) {
      m = newMember();
      this.members.set(agent, m);
    }
    return m;
  }

  wrapupS(agent: string): number | undefined {
    return this.info[agent]?.wrapup_s;
  }

  /** The line shows the agent serving `queue`: a static member is learnt this way. */
  serves(m: MemberState, queue: string): void {
    if (queue === '' || queue === 'NONE') return;
    if (m.q[queue] === undefined) m.q[queue] = m.p0 ? 1 : 0;
    m.qk = true;
    m.off = false;
  }

  add(m: MemberState, queue: string, paused: boolean): void {
    m.q[queue] = paused ? 1 : 0;
    m.qk = true;
    m.off = false;
  }

  remove(m: MemberState, queue: string): void {
    delete m.q[queue];
    m.qk = true;
    if (Object.keys(m.q).length === 0) m.off = true;
  }

  pause(m: MemberState, queue: string | null, paused: boolean, reason: string): void {
    if (queue === null) {
      for (const k of Object.keys(m.q)) m.q[k] = paused ? 1 : 0;
      m.p0 = paused;
    } else {
      this.serves(m, queue);
      m.q[queue] = paused ? 1 : 0;
      if (!paused) m.p0 = false;
    }
    if (paused) m.reason = reason;
    m.off = false;
  }

  static state(m: MemberState): AgentStateName {
    if (m.off) return 'offline';
    if (m.call !== null) return 'busy';
    if (m.wrap) return 'wrap_up';
    const qs = Object.values(m.q);
    const away = qs.length > 0 ? qs.every((p) => p === 1) : m.p0;
    return away ? 'away' : 'available';
  }

  /** The agent.state for the member's current state, or null when nothing changed. */
  emit(agent: string, m: MemberState, id: string, time: string): CcEvent | null {
    const state = AgentBoard.state(m);
    const reason = state === 'away' && m.reason !== '' ? m.reason.slice(0, 128) : undefined;
    const queues = m.qk ? Object.keys(m.q).sort() : undefined;
    const key = `${state}|${reason ?? ''}|${queues?.join(',') ?? '-'}`;
    if (key === m.last) return null;
    m.last = key;
    const i = this.info[agent];
    const ev: CcEvent = { id, type: 'agent.state', time, agent_id: agent, state };
    if (reason !== undefined) ev.reason = reason;
    if (queues !== undefined) ev.queues = queues;
    if (i?.team) ev.team = i.team;
    if (i?.name) ev.name = i.name;
    return ev;
  }

  toJSON(): Record<string, MemberState> {
    return Object.fromEntries(this.members);
  }

  load(s: Record<string, MemberState>): void {
    for (const [k, v] of Object.entries(s)) this.members.set(k, { ...newMember(), ...v });
  }
}
