// Turns an agent's `agent.state` events into state intervals for occupancy history.
// Each interval carries the team and queues the agent had at that time: the latest
// `team` / `queues` given at or before it (events.md: "the team of an agent is the
// latest team it was given").

export interface AgentStateEvent {
  id: string;
  ts: number;
  state: string;
  team: string;
  /** null when the event did not carry `queues` */
  queues: string[] | null;
}

export interface AgentInterval {
  agent_id: string;
  id: string;
  start: number;
  /** start of the next state, or OPEN_END while it lasts */
  end: number;
  state: string;
  team: string;
  queues: string[];
}

/** "Still in this state": far enough to outlive any query range, clipped to now when read. */
export const OPEN_END = Date.UTC(2200, 0, 1);

/**
 * Intervals of `events` (any order), continuing from `prev` (the interval just before the
 * earliest event, whose end is rewritten) when there is one. Returns the rows to write.
 */
export function agentIntervals(agentId: string, events: AgentStateEvent[], prev: AgentInterval | null): AgentInterval[] {
  const evs = [...events].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out: AgentInterval[] = [];
  let team = prev?.team ?? '';
  let queues = prev?.queues ?? [];
  if (prev) out.push({ ...prev, end: evs[0]?.ts ?? prev.end });
  for (let i = 0; i < evs.length; i++) {
    const e = evs[i];
    if (e.team) team = e.team;
    if (e.queues) queues = e.queues;
    out.push({
      agent_id: agentId, id: e.id, start: e.ts, end: evs[i + 1]?.ts ?? OPEN_END, state: e.state, team, queues,
    });
  }
  return out;
}

/** The team of an agent at instant t, from its intervals sorted by start. */
export function teamAt(intervals: AgentInterval[], t: number): string {
  let team = '';
  for (const iv of intervals) {
    if (iv.start > t) break;
    team = iv.team;
  }
  return team;
}
