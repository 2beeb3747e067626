// The worked example of spec/kpis.md: its 41 events shifted so that 10:10:00 is `now`,
// and the table of expected numbers, written out from the spec.
import fs from 'node:fs';
import path from 'node:path';
import type { CcEvent } from '../../pipelines/events/schema.ts';

export const FIXTURE = path.resolve(import.meta.dirname, '../../../shared/fixtures/worked-example.json');
export const READ_AT = Date.parse('2026-11-24T10:10:00Z');

export function shiftedExample(now: number, idPrefix = ''): CcEvent[] {
  const events = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as CcEvent[];
  const shift = now - READ_AT;
  const move = (t: string) => new Date(Date.parse(t) + shift).toISOString();
  return events.map((e) => {
    const x = { ...e, id: idPrefix + e.id, time: move(e.time) } as CcEvent & { first_response_due?: string };
    if (x.first_response_due) x.first_response_due = move(x.first_response_due);
    return x;
  });
}

/** kpis.md "Worked example", window 15m; `undefined` = "–" in the table */
export const EXPECTED: Record<string, Record<string, unknown>> = {
  'queue:billing': {
    waiting: 2, longest_wait_s: 120, arrived: 7, answered: 3, abandoned: 2, abandoned_short: 1,
    service_level: 0.5, abandon_rate: 0.25, asa_s: 18.333, wait_p90_s: 30, aht_s: 225, fcr: 0.5,
    agents: { available: 1, busy: 1, wrap_up: 0, away: 1, offline: 0 }, occupancy: 0.37121,
    csat: 0.6667, csat_avg: 3.6667, csat_responses: 3, nps: 0, ces_avg: 6,
    backlog: 3, backlog_breached: 1, frt_avg_s: 105, tickets_created: 4, tickets_solved: 1, agents_required: 4,
  },
  'team:north': {
    answered: 3, asa_s: 18.333, wait_p90_s: 30, aht_s: 225, fcr: 0.5,
    agents: { available: 0, busy: 1, wrap_up: 0, away: 1, offline: 0 }, occupancy: 0.53261,
    csat: 0.5, csat_avg: 3.5, csat_responses: 2,
  },
  'agent:a1': {
    answered: 2, asa_s: 12.5, wait_p90_s: 15, aht_s: 300, fcr: 1.0,
    agents: { available: 0, busy: 1, wrap_up: 0, away: 0, offline: 0 }, occupancy: 0.65,
    csat: 1.0, csat_avg: 5.0, csat_responses: 1,
  },
};

/** compares with the table's rounding (it shows up to 5 decimals) */
export function matchesTable(actual: Record<string, unknown>, expected: Record<string, unknown>): string[] {
  const diffs: string[] = [];
  for (const [k, want] of Object.entries(expected)) {
    const got = actual[k];
    if (typeof want === 'number') {
      const decimals = (String(want).split('.')[1] ?? '').length;
      const tol = decimals ? 0.5 * 10 ** -decimals + 1e-9 : 1e-9;
      if (typeof got !== 'number' || Math.abs(got - want) > tol) diffs.push(`${k}: got ${JSON.stringify(got)}, want ${want}`);
    } else if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push(`${k}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
  return diffs;
}
