// Rows of GET /v1/history/staffing and what the staffing panel says about them.

import type { StaffingRow } from '../../../../server/history/staffing-query.ts';

export type { StaffingRow };

/** Agents missing in an interval (required − mean present), 0 when covered or nothing arrived. */
export function shortfall(r: StaffingRow): number {
  return r.agents_required === null ? 0 : Math.max(0, r.agents_required - r.agents_present);
}

/** Intervals with contacts, those short of the requirement, and the worst of them. */
export function staffingSummary(rows: readonly StaffingRow[]): { loaded: number; shortIntervals: number; worst: StaffingRow | null } {
  let loaded = 0;
  let shortIntervals = 0;
  let worst: StaffingRow | null = null;
  for (const r of rows) {
    if (r.agents_required === null) continue;
    loaded++;
    const gap = shortfall(r);
    if (gap <= 0) continue;
    shortIntervals++;
    if (!worst || gap > shortfall(worst)) worst = r;
  }
  return { loaded, shortIntervals, worst };
}
