import type { AgentRow } from '../../../../pipelines/engine/types.ts';

export type AgentState = AgentRow['state'];

export const AGENT_STATE_LABEL: Record<AgentState, string> = {
  available: 'Available',
  busy: 'Busy',
  wrap_up: 'Wrap-up',
  away: 'Away',
  offline: 'Offline',
};

/** Chip text when two columns of agents share the board. */
export const AGENT_STATE_SHORT: Record<AgentState, string> = {
  available: 'Avail', busy: 'Busy', wrap_up: 'Wrap', away: 'Away', offline: 'Off',
};

/** Board order: people a supervisor may need to act on (away, long wrap-up) come first. */
const ORDER: Record<AgentState, number> = { away: 0, wrap_up: 1, busy: 2, available: 3, offline: 4 };

/** Agents on the board, longest in their state first within each state; offline agents are only counted. */
export function boardOrder(agents: readonly AgentRow[]): AgentRow[] {
  return agents
    .filter((a) => a.state !== 'offline')
    .sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.since - b.since || (a.name ?? a.agent_id).localeCompare(b.name ?? b.agent_id));
}

/** "Federico Leone" → "Federico L.": two columns of agents leave room for a first name. */
export function compactName(name: string): string {
  const parts = name.trim().split(/\s+/);
  if (parts.length < 2) return name;
  return `${parts[0]} ${parts.at(-1)!.charAt(0)}.`;
}
