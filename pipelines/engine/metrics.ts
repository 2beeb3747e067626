// Turns window sums into the Metrics of one scope: which KPIs a scope kind has, the
// null-not-zero rule, and units (seconds out, milliseconds inside). Each shape is one
// object literal: built key by key, thousands of Metrics a second grew their property
// stores again and again.
import { F, p90, type Acc } from './acc.ts';
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

export function buildMetrics(kind: ScopeKind, acc: Acc, cachedWaits: number[], now: number, x: ScopeExtras): Metrics {
  const n = acc.n;
  const p = p90(cachedWaits, acc.w);
  const nps = ratio(n[F.NPPRO] - n[F.NPDET], n[F.NPN]);
  if (kind === 'agent' || kind === 'team') {
    return {
      answered: n[F.ANS],
      asa_s: secs(ratio(n[F.WSUM], n[F.ANSW])),
      wait_p90_s: secs(p),
      aht_s: secs(ratio(n[F.HSUM], n[F.HN])),
      fcr: ratio(n[F.FCRN], n[F.FCRD]),
      agents: x.agents!,
      occupancy: ratio(x.occO, x.occT),
      csat: ratio(n[F.CSTOP], n[F.CSN]),
      csat_avg: ratio(n[F.CSSUM], n[F.CSN]),
      csat_responses: n[F.CSN],
      nps: nps === null ? null : nps * 100,
      nps_responses: n[F.NPN],
      ces_avg: ratio(n[F.CESUM], n[F.CEN]),
    };
  }
  const div = n[F.ANS] + n[F.ABN] - n[F.ABNS];
  const waiting = x.waiting;
  const longest = x.oldest === null ? 0 : Math.max(0, now - x.oldest) / 1000;
  const asa = secs(ratio(n[F.WSUM], n[F.ANSW]));
  const aht = secs(ratio(n[F.HSUM], n[F.HN]));
  const fcr = ratio(n[F.FCRN], n[F.FCRD]);
  const frt = secs(ratio(n[F.FRSUM], n[F.FRN]));
  if (kind === 'channel') {
    return {
      waiting, longest_wait_s: longest,
      arrived: n[F.ARR], answered: n[F.ANS], abandoned: n[F.ABN], abandoned_short: n[F.ABNS], offered: n[F.ANS] + n[F.ABN],
      service_level: ratio(n[F.SLMET], div), abandon_rate: ratio(n[F.ABN] - n[F.ABNS], div),
      asa_s: asa, wait_p90_s: secs(p), aht_s: aht, fcr,
      csat: ratio(n[F.CSTOP], n[F.CSN]), csat_avg: ratio(n[F.CSSUM], n[F.CSN]), csat_responses: n[F.CSN],
      nps: nps === null ? null : nps * 100, nps_responses: n[F.NPN], ces_avg: ratio(n[F.CESUM], n[F.CEN]),
      backlog: x.backlog, backlog_breached: x.breached, frt_avg_s: frt, tickets_created: n[F.TC], tickets_solved: n[F.TS],
    };
  }
  if (kind === 'queue') {
    return {
      waiting, longest_wait_s: longest,
      arrived: n[F.ARR], answered: n[F.ANS], abandoned: n[F.ABN], abandoned_short: n[F.ABNS], offered: n[F.ANS] + n[F.ABN],
      service_level: ratio(n[F.SLMET], div), abandon_rate: ratio(n[F.ABN] - n[F.ABNS], div),
      asa_s: asa, wait_p90_s: secs(p), aht_s: aht, fcr,
      agents: x.agents!, occupancy: ratio(x.occO, x.occT),
      csat: ratio(n[F.CSTOP], n[F.CSN]), csat_avg: ratio(n[F.CSSUM], n[F.CSN]), csat_responses: n[F.CSN],
      nps: nps === null ? null : nps * 100, nps_responses: n[F.NPN], ces_avg: ratio(n[F.CESUM], n[F.CEN]),
      backlog: x.backlog, backlog_breached: x.breached, frt_avg_s: frt, tickets_created: n[F.TC], tickets_solved: n[F.TS],
      agents_required: x.agentsRequired ?? null,
    };
  }
  return {
    waiting, longest_wait_s: longest,
    arrived: n[F.ARR], answered: n[F.ANS], abandoned: n[F.ABN], abandoned_short: n[F.ABNS], offered: n[F.ANS] + n[F.ABN],
    service_level: ratio(n[F.SLMET], div), abandon_rate: ratio(n[F.ABN] - n[F.ABNS], div),
    asa_s: asa, wait_p90_s: secs(p), aht_s: aht, fcr,
    agents: x.agents!, occupancy: ratio(x.occO, x.occT),
    csat: ratio(n[F.CSTOP], n[F.CSN]), csat_avg: ratio(n[F.CSSUM], n[F.CSN]), csat_responses: n[F.CSN],
    nps: nps === null ? null : nps * 100, nps_responses: n[F.NPN], ces_avg: ratio(n[F.CESUM], n[F.CEN]),
    backlog: x.backlog, backlog_breached: x.breached, frt_avg_s: frt, tickets_created: n[F.TC], tickets_solved: n[F.TS],
  };
}
