// Rows of the history facts tables (sql/0010_history_facts.sql), built from the pure
// segment and interval functions. Shared by the pipeline consumer and the benchmark
// loader, so both write exactly the same facts.
import type { Segment } from './segments.ts';
import type { AgentInterval } from './agent-intervals.ts';

export interface ContactFactRow {
  tenant: string;
  kind: 'arrival' | 'outcome' | 'wrap';
  time: number;
  contact_id: string;
  seg: number;
  queue: string;
  channel: string;
  agent_id: string;
  team: string;
  outcome: string;
  start_known: number;
  queued_at: number;
  ended_at: number | null;
  wait_ms: number | null;
  answered_at: number | null;
  wrapped_at: number | null;
  handle_ms: number | null;
  resolved: boolean | null;
  version: number;
  deleted: number;
}

export interface AgentStateRow {
  tenant: string;
  agent_id: string;
  start: number;
  id: string;
  end: number;
  state: string;
  team: string;
  queues: string[];
  version: number;
}

/** Key of a fact row: what ReplacingMergeTree replaces on. */
export const factKey = (r: { kind: string; time: number; contact_id: string; seg: number }) =>
  `${r.kind}|${r.time}|${r.contact_id}|${r.seg}`;

let lastVersion = 0;
/** Strictly increasing across calls in this process (µs-ish): a later rewrite wins. */
export function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

/**
 * The fact rows of one segment: an arrival (at its start, or estimated as end − wait
 * when the start is unknown), an outcome at its end, a wrap at its wrap time.
 * `team` is the answering agent's team at the answer.
 */
export function segmentFacts(tenant: string, s: Segment, team: string, version: number): ContactFactRow[] {
  const queuedAt = s.started_at ?? s.ended_at! - (s.wait_ms ?? 0);
  const base = {
    tenant, contact_id: s.contact_id, seg: s.seg, queue: s.queue, channel: s.channel,
    agent_id: s.agent_id, team: s.outcome === 'answered' ? team : '', outcome: s.outcome,
    start_known: s.started_at !== null ? 1 : 0, queued_at: queuedAt, ended_at: s.ended_at,
    wait_ms: s.wait_ms, answered_at: s.answered_at, wrapped_at: s.wrapped_at, handle_ms: s.handle_ms,
    resolved: s.resolved, version, deleted: 0,
  };
  const rows: ContactFactRow[] = [{ ...base, kind: 'arrival', time: queuedAt }];
  if (s.ended_at !== null) rows.push({ ...base, kind: 'outcome', time: s.ended_at });
  if (s.wrapped_at !== null) rows.push({ ...base, kind: 'wrap', time: s.wrapped_at });
  return rows;
}

export function intervalRow(tenant: string, iv: AgentInterval, version: number): AgentStateRow {
  return { tenant, ...iv, version };
}
