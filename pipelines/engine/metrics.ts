// Turns window sums into the Metrics of one scope: which KPIs a scope kind has, the
// null-not-zero rule, and units (seconds out, milliseconds inside). Each shape is one
// object literal: built key by key, thousands of Metrics a second grew their property
// stores again and again.
import { F, type Acc } from './acc.ts';
import type { AgentCounts, Metrics, ScopeKind } from './types.ts';

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
const secs = (ms: number | null): number | null => (ms === null ? null : ms / 1000);

/** What a window's sums do not hold; the reader reuses one of these. */
export interface ScopeExtras {
  waiting: number;
  oldest: number | null;
  backlog: number;
  breached: number;
  /** null: the scope kind has no agent KPIs */
  agents: AgentCounts | null;
  /** occupied and staffed ms */
  occO: number;
  occT: number;
  agentsRequired: number | null | undefined;
}

/** `p90`: of the window's known waits, ms (null when none) */
export function buildMetrics(kind: ScopeKind, acc: Acc, p90: number | null, now: number, x: ScopeExtras): Metrics {
  const n = acc.n;
  // Each KPI once; each shape below only lists which it has, in its key order.
  const answered = n[F.ANS];
  const asa_s = secs(ratio(n[F.WSUM], n[F.ANSW]));
  const wait_p90_s = secs(p90);
  const aht_s = secs(ratio(n[F.HSUM], n[F.HN]));
  const fcr = ratio(n[F.FCRN], n[F.FCRD]);
  const csat = ratio(n[F.CSTOP], n[F.CSN]);
  const csat_avg = ratio(n[F.CSSUM], n[F.CSN]);
  const csat_responses = n[F.CSN];
  const npsRatio = ratio(n[F.NPPRO] - n[F.NPDET], n[F.NPN]);
  const nps = npsRatio === null ? null : npsRatio * 100;
  const nps_responses = n[F.NPN];
  const ces_avg = ratio(n[F.CESUM], n[F.CEN]);
  if (kind === 'agent' || kind === 'team') {
    const agents = x.agents!;
    const occupancy = ratio(x.occO, x.occT);
    return { answered, asa_s, wait_p90_s, aht_s, fcr, agents, occupancy, csat, csat_avg, csat_responses, nps, nps_responses, ces_avg };
  }
  const waiting = x.waiting;
  const longest_wait_s = x.oldest === null ? 0 : Math.max(0, now - x.oldest) / 1000;
  const arrived = n[F.ARR];
  const abandoned = n[F.ABN];
  const abandoned_short = n[F.ABNS];
  const offered = answered + abandoned;
  const div = offered - abandoned_short;
  const service_level = ratio(n[F.SLMET], div);
  const abandon_rate = ratio(abandoned - abandoned_short, div);
  const backlog = x.backlog;
  const backlog_breached = x.breached;
  const frt_avg_s = secs(ratio(n[F.FRSUM], n[F.FRN]));
  const tickets_created = n[F.TC];
  const tickets_solved = n[F.TS];
  if (kind === 'channel') {
    return {
      waiting, longest_wait_s, arrived, answered, abandoned, abandoned_short, offered, service_level, abandon_rate,
      asa_s, wait_p90_s, aht_s, fcr, csat, csat_avg, csat_responses, nps, nps_responses, ces_avg,
      backlog, backlog_breached, frt_avg_s, tickets_created, tickets_solved,
    };
  }
  const agents = x.agents!;
  const occupancy = ratio(x.occO, x.occT);
  if (kind === 'queue') {
    return {
      waiting, longest_wait_s, arrived, answered, abandoned, abandoned_short, offered, service_level, abandon_rate,
      asa_s, wait_p90_s, aht_s, fcr, agents, occupancy, csat, csat_avg, csat_responses, nps, nps_responses, ces_avg,
      backlog, backlog_breached, frt_avg_s, tickets_created, tickets_solved, agents_required: x.agentsRequired ?? null,
    };
  }
  return {
    waiting, longest_wait_s, arrived, answered, abandoned, abandoned_short, offered, service_level, abandon_rate,
    asa_s, wait_p90_s, aht_s, fcr, agents, occupancy, csat, csat_avg, csat_responses, nps, nps_responses, ces_avg,
    backlog, backlog_breached, frt_avg_s, tickets_created, tickets_solved,
  };
}
