// The worked example of spec/kpis.md, number by number, in order and shuffled.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TenantEngine } from '../../../pipelines/engine/tenant-engine.ts';
import type { Metrics } from '../../../pipelines/engine/types.ts';
import { bus } from './load-events.ts';

const events = (JSON.parse(readFileSync('/work/shared/fixtures/worked-example.json', 'utf8')) as object[]).map((e) => bus(e));
const NOW = Date.parse('2026-11-24T10:10:00Z');

const close = (got: number | null | undefined, want: number, digits: number) => {
  expect(got).not.toBeNull();
  expect(got).toBeCloseTo(want, digits);
};

function checkTable(e: TenantEngine) {
  const q = e.metrics('queue:billing', '15m', NOW) as Metrics;
  const t = e.metrics('team:north', '15m', NOW) as Metrics;
  const a = e.metrics('agent:a1', '15m', NOW) as Metrics;

  expect([q.waiting, q.longest_wait_s]).toEqual([2, 120]);
  expect([q.arrived, q.answered, q.abandoned, q.abandoned_short]).toEqual([7, 3, 2, 1]);
  expect(q.offered).toBe(5);
  expect(q.service_level).toBe(0.5);
  expect(q.abandon_rate).toBe(0.25);
  close(q.asa_s, 18.333, 3);
  expect(q.wait_p90_s).toBe(30);
  expect([q.aht_s, q.fcr]).toEqual([225, 0.5]);
  expect(q.agents).toEqual({ available: 1, busy: 1, wrap_up: 0, away: 1, offline: 0 });
  close(q.occupancy, 0.37121, 5);
  close(q.csat, 0.6667, 4);
  close(q.csat_avg, 3.6667, 4);
  expect(q.csat_responses).toBe(3);
  expect([q.nps, q.ces_avg]).toEqual([0, 6]);
  expect([q.backlog, q.backlog_breached, q.frt_avg_s]).toEqual([3, 1, 105]);
  expect([q.tickets_created, q.tickets_solved]).toEqual([4, 1]);
  expect(q.agents_required).toBe(4);

  for (const m of [t, a]) {
    for (const k of ['waiting', 'longest_wait_s', 'arrived', 'abandoned', 'abandoned_short', 'offered', 'service_level',
      'abandon_rate', 'backlog', 'backlog_breached', 'frt_avg_s', 'tickets_created', 'tickets_solved', 'agents_required'] as const) {
      expect(m, k).not.toHaveProperty(k);
    }
    expect([m.nps, m.ces_avg]).toEqual([null, null]);
  }
  expect(t.answered).toBe(3);
  close(t.asa_s, 18.333, 3);
  expect([t.wait_p90_s, t.aht_s, t.fcr]).toEqual([30, 225, 0.5]);
  expect(t.agents).toEqual({ available: 0, busy: 1, wrap_up: 0, away: 1, offline: 0 });
  close(t.occupancy, 0.53261, 5);
  expect([t.csat, t.csat_avg, t.csat_responses]).toEqual([0.5, 3.5, 2]);

  expect(a.answered).toBe(2);
  expect([a.asa_s, a.wait_p90_s, a.aht_s, a.fcr]).toEqual([12.5, 15, 300, 1]);
  expect(a.agents).toEqual({ available: 0, busy: 1, wrap_up: 0, away: 0, offline: 0 });
  expect(a.occupancy).toBeCloseTo(0.65, 12);
  expect([a.csat, a.csat_avg, a.csat_responses]).toEqual([1, 5, 1]);
}

describe('worked example of kpis.md', () => {
  it('gives the table for queue:billing, team:north and agent:a1', () => {
    const e = new TenantEngine({ tenant: 't' });
    for (const ev of events) expect(e.apply(ev)).toBe(true);
    checkTable(e);
    expect(e.metrics('team:nowhere', '15m', NOW)).toBeUndefined();
  });

  it('gives the same table when events arrive up to 10 s late and twice', () => {
    // reverse order inside every 10-second slice, then send everything again
    const shuffled = [...events].sort((x, y) => Math.floor(x.ts / 10_000) - Math.floor(y.ts / 10_000) || y.ts - x.ts);
    expect(shuffled.map((x) => x.id)).not.toEqual(events.map((x) => x.id));
    const e = new TenantEngine({ tenant: 't' });
    for (const ev of shuffled) e.apply(ev);
    for (const ev of events) expect(e.apply(ev)).toBe(false);
    checkTable(e);
  });

  it('has a snapshot with every window and the agent board', () => {
    const e = new TenantEngine({ tenant: 't' });
    for (const ev of events) e.apply(ev);
    const s = e.snapshot('queue:billing', NOW)!;
    expect(s).toMatchObject({ tenant: 't', scope: 'queue:billing', at: NOW });
    expect(Object.keys(s.windows)).toEqual(['15m', '1h', 'today']);
    expect(s.windows.today.arrived).toBe(7);
    expect(s.windows['1h'].agents_required).toBe(4);
    expect(s.agents!.map((r) => [r.agent_id, r.state, r.team])).toEqual([
      ['a1', 'busy', 'north'], ['a2', 'away', 'north'], ['a3', 'available', 'south'],
    ]);
    expect(s.agents![1]).toMatchObject({ name: 'Bruno', reason: 'break', since: Date.parse('2026-11-24T10:06:00Z'), queues: ['billing'] });
    expect(e.snapshot('channel:voice', NOW)!.agents).toBeUndefined();
    expect(e.scopes()).toContainEqual({ scope: 'agent:a1', kind: 'agent', id: 'a1', name: 'Anna' });
  });
});
