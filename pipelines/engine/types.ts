// KPI names and shapes of spec/kpis.md, shared by the engine, the gateway, alerts,
// history and the web app. Field names are the public contract: do not rename.

export const WINDOWS = ['15m', '1h', 'today'] as const;
export type Window = (typeof WINDOWS)[number];

/** `all`, `queue:<id>`, `channel:<id>`, `team:<id>`, `agent:<id>` */
export type Scope = string;
export type ScopeKind = 'all' | 'queue' | 'channel' | 'team' | 'agent';

export interface QueuePolicy {
  sl_threshold_s: number;
  sl_target: number;
  short_abandon_s: number;
  first_response_sla_s: number;
}
export const DEFAULT_POLICY: QueuePolicy = {
  sl_threshold_s: 20,
  sl_target: 0.8,
  short_abandon_s: 5,
  first_response_sla_s: 3600,
};

export interface AgentCounts {
  available: number;
  busy: number;
  wrap_up: number;
  away: number;
  offline: number;
}

/**
 * Every KPI of kpis.md. A KPI that does not apply to a scope is absent (shown "–");
 * a ratio or mean with nothing to measure is null; counts are 0.
 */
export interface Metrics {
  // contacts
  waiting?: number;
  longest_wait_s?: number;
  arrived?: number;
  answered?: number;
  abandoned?: number;
  abandoned_short?: number;
  offered?: number;
  service_level?: number | null;
  abandon_rate?: number | null;
  asa_s?: number | null;
  wait_p90_s?: number | null;
  aht_s?: number | null;
  fcr?: number | null;
  // agents
  agents?: AgentCounts;
  occupancy?: number | null;
  // feedback
  csat?: number | null;
  csat_avg?: number | null;
  csat_responses?: number;
  nps?: number | null;
  nps_responses?: number;
  ces_avg?: number | null;
  // tickets
  backlog?: number;
  backlog_breached?: number;
  frt_avg_s?: number | null;
  tickets_created?: number;
  tickets_solved?: number;
  // staffing
  agents_required?: number | null;
  // voice of the customer (issue 8)
  voc_overdue?: number;
  loop_closure_rate?: number | null;
  sentiment_avg?: number | null;
}
export type MetricName = keyof Metrics;

/** Numeric KPIs usable in alert rules, tiles and history (everything but `agents`). */
export const NUMERIC_METRICS = [
  'waiting', 'longest_wait_s', 'arrived', 'answered', 'abandoned', 'abandoned_short', 'offered',
  'service_level', 'abandon_rate', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr', 'occupancy',
  'csat', 'csat_avg', 'csat_responses', 'nps', 'nps_responses', 'ces_avg',
  'backlog', 'backlog_breached', 'frt_avg_s', 'tickets_created', 'tickets_solved',
  'agents_required', 'voc_overdue', 'loop_closure_rate', 'sentiment_avg',
] as const satisfies readonly MetricName[];

export interface AgentRow {
  agent_id: string;
  name: string | null;
  team: string | null;
  state: keyof AgentCounts;
  reason: string | null;
  /** epoch ms of the event that put the agent in this state */
  since: number;
  queues: string[];
}

export interface ScopeInfo {
  scope: Scope;
  kind: ScopeKind;
  id: string | null;
  name: string | null;
}

/**
 * What the engine publishes for one scope on `cc.kpi.<tenant>.<scope-token>` and what
 * the gateway keeps as "latest": every window at once, plus the agent board.
 */
export interface ScopeSnapshot {
  tenant: string;
  scope: Scope;
  /** epoch ms the numbers were computed for ("now" of the engine) */
  at: number;
  windows: Record<Window, Metrics>;
  /** agents of the scope (all, queue, team, agent scopes) */
  agents?: AgentRow[];
}
