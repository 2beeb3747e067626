// Turns window sums into the Metrics of one scope: which KPIs a scope kind has, the
// null-not-zero rule, and units (seconds out, milliseconds inside).
import { F, p90, type Acc } from './acc.ts';
import type { AgentCounts, Metrics, ScopeKind } from './types.ts';

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export interface ScopeExtras {
  waiting: number;
  oldest: number | null;
  backlog: number;
  breached: number;
  agents: AgentCounts | null;
  /** occupied ms, staffed ms */
  occ: [number, number] | null;
  agentsRequired: number | null | undefined;
}

export function buildMetrics(kind: ScopeKind, acc: Acc, cachedWaits: number[], now: number, x: ScopeExtras): Metrics {
  const n = acc.n;
  const full = kind === 'all' || kind === 'queue' || kind === 'channel';
  const m: Metrics = {};
  if (full) {
    const div = n[F.ANS] + n[F.ABN] - n[F.ABNS];
    m.waiting = x.waiting;
    m.longest_wait_s = x.oldest === null ? 0 : Math.max(0, now - x.oldest) / 1000;
    m.arrived = n[F.ARR];
    m.answered = n[F.ANS];
    m.abandoned = n[F.ABN];
    m.abandoned_short = n[F.ABNS];
    m.offered = n[F.ANS] + n[F.ABN];
    m.service_level = ratio(n[F.SLMET], div);
    m.abandon_rate = ratio(n[F.ABN] - n[F.ABNS], div);
  } else {
    m.answered = n[F.ANS];
  }
  const asa = ratio(n[F.WSUM], n[F.ANSW]);
  m.asa_s = asa === null ? null : asa / 1000;
  const p = p90(cachedWaits, acc.w);
  m.wait_p90_s = p === null ? null : p / 1000;
  const aht = ratio(n[F.HSUM], n[F.HN]);
  m.aht_s = aht === null ? null : aht / 1000;
  m.fcr = ratio(n[F.FCRN], n[F.FCRD]);
  if (x.agents) {
    m.agents = x.agents;
    m.occupancy = x.occ ? ratio(x.occ[0], x.occ[1]) : null;
  }
  m.csat = ratio(n[F.CSTOP], n[F.CSN]);
  m.csat_avg = ratio(n[F.CSSUM], n[F.CSN]);
  m.csat_responses = n[F.CSN];
  const nps = ratio(n[F.NPPRO] - n[F.NPDET], n[F.NPN]);
  m.nps = nps === null ? null : nps * 100;
  m.nps_responses = n[F.NPN];
  m.ces_avg = ratio(n[F.CESUM], n[F.CEN]);
  if (full) {
    m.backlog = x.backlog;
    m.backlog_breached = x.breached;
    const frt = ratio(n[F.FRSUM], n[F.FRN]);
    m.frt_avg_s = frt === null ? null : frt / 1000;
    m.tickets_created = n[F.TC];
    m.tickets_solved = n[F.TS];
  }
  if (kind === 'queue') m.agents_required = x.agentsRequired ?? null;
  return m;
}
