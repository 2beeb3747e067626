// Agents on the floor: shifts (login/logout), breaks and lunch, and the states they
// report. A break or a logout that falls while the agent is on a contact waits until
// the contact is wrapped, as on a real floor.
import type { AgentDef } from './center-plan.ts';
import { DAY_MS } from './local-clock.ts';
import { planDay, type BreakSlot, type ShiftInstance } from './shift-plan.ts';
import type { SimCore } from './sim-core.ts';

export type AgentState = 'available' | 'busy' | 'wrap_up' | 'away' | 'offline';

export interface Agent {
  def: AgentDef;
  state: AgentState;
  reason?: string;
  /** When the agent last became free; longest idle is served first. */
  idleSince: number;
  onShift: boolean;
  shift: number;
  breakSeq: number;
  pendingBreak?: BreakSlot;
  pendingLogout: boolean;
  /** Set while the agent is reserved for, talking to or wrapping a contact. */
  busyWith?: unknown;
}

export class AgentFloor {
  readonly agents: Agent[];
  readonly byQueue = new Map<string, Agent[]>();
  private shiftSeq = 0;
  /** Called when an agent becomes free to take the next contact. */
  onFree: (agent: Agent) => void = () => {};

  constructor(private readonly sim: SimCore) {
    this.agents = sim.plan.agents.map((def) => ({
      def,
      state: 'offline' as AgentState,
      idleSince: sim.now,
      onShift: false,
      shift: -1,
      breakSeq: 0,
      pendingLogout: false,
    }));
    for (const a of this.agents) {
      for (const q of a.def.queues) {
        let list = this.byQueue.get(q);
        if (!list) this.byQueue.set(q, (list = []));
        list.push(a);
      }
    }
  }

  /** Plans yesterday (night shifts still running) and today, then each next day at its midnight. */
  startRoster(): void {
    const { sim } = this;
    const today = sim.clock.dayIndex(sim.now);
    const initial = [...planDay(sim.plan, today - 1, sim.clock, sim.seed), ...planDay(sim.plan, today, sim.clock, sim.seed)];
    const working = new Set<number>();
    for (const s of initial) if (s.start <= sim.now && s.end > sim.now) working.add(s.agent);
    // The opening roster: everyone's state at the start, so a fresh board knows every agent.
    this.agents.forEach((a, i) => {
      if (!working.has(i)) this.report(a, 'offline', undefined, true);
    });
    for (const s of initial) this.schedule(s);
    const planNext = (day: number) => {
      sim.at(sim.clock.fromLocal(day * DAY_MS), () => {
        for (const s of planDay(sim.plan, day, sim.clock, sim.seed)) this.schedule(s);
        planNext(day + 1);
      });
    };
    planNext(today + 1);
  }

  private schedule(s: ShiftInstance): void {
    const { sim } = this;
    if (s.end <= sim.now) return;
    const token = this.shiftSeq++;
    const a = this.agents[s.agent];
    sim.at(Math.max(s.start, sim.now), () => this.login(a, token));
    sim.at(s.end, () => {
      if (a.shift === token) this.logout(a);
    });
    for (const b of s.breaks) {
      if (b.at <= sim.now) continue;
      sim.at(b.at, () => {
        if (a.shift === token && a.onShift) this.breakDue(a, b);
      });
    }
  }

  private login(a: Agent, token: number): void {
    a.shift = token;
    a.onShift = true;
    a.pendingLogout = false;
    a.pendingBreak = undefined;
    this.free(a, true);
  }

  private logout(a: Agent): void {
    a.onShift = false;
    if (a.busyWith) a.pendingLogout = true;
    else this.report(a, 'offline', undefined, true);
  }

  private breakDue(a: Agent, b: BreakSlot): void {
    if (a.state === 'away') return;
    if (a.busyWith) a.pendingBreak = b;
    else this.goAway(a, b);
  }

  private goAway(a: Agent, b: BreakSlot): void {
    const seq = ++a.breakSeq;
    this.report(a, 'away', b.reason);
    this.sim.after(b.durationMs, () => {
      if (a.breakSeq === seq && a.state === 'away' && a.onShift) this.free(a);
    });
  }

  /** The agent finished a contact (or logged in, or came back): next duty, or idle. */
  free(a: Agent, login = false): void {
    a.busyWith = undefined;
    if (!a.onShift || a.pendingLogout) {
      a.pendingLogout = false;
      this.report(a, 'offline', undefined, true);
      return;
    }
    if (a.pendingBreak) {
      const b = a.pendingBreak;
      a.pendingBreak = undefined;
      this.goAway(a, b);
      return;
    }
    this.report(a, 'available', undefined, login);
    a.idleSince = this.sim.now;
    this.onFree(a);
  }

  /** The longest-idle available agent serving the queue. */
  idleFor(queue: string): Agent | undefined {
    let best: Agent | undefined;
    for (const a of this.byQueue.get(queue) ?? []) {
      if (a.state !== 'available' || a.busyWith || !a.onShift) continue;
      if (!best || a.idleSince < best.idleSince) best = a;
    }
    return best;
  }

  /**
   * Any logged-in agent serving the queue (ticket work happens between contacts); in a
   * center too small for every queue to have agents, any logged-in agent.
   */
  anyOnShift(queue: string): Agent | undefined {
    const list = (this.byQueue.get(queue) ?? this.agents).filter((a) => a.onShift);
    return list.length ? this.sim.rng.pick(list) : undefined;
  }

  /** Emits agent.state when the state or reason changes; `full` adds name, team, queues. */
  report(a: Agent, state: AgentState, reason?: string, full = false): void {
    if (a.state === state && a.reason === reason && !full) return;
    a.state = state;
    a.reason = reason;
    const d = a.def;
    this.sim.emit('agent.state', {
      agent_id: d.id,
      state,
      team: d.team,
      ...(reason ? { reason } : {}),
      ...(full ? { name: d.name, queues: d.queues } : {}),
    });
  }
}
