// Staffing on the wall: the gap in words, its threshold state, and the Erlang C inputs
// shown beside it (they must reproduce the engine's number by hand).
import { describe, expect, it } from 'vitest';
import { erlangInputs, gapText, inputLines, presentAgents, staffingGap } from '../../../web/src/lib/wall/staffing.ts';
import { KPI_META, formatMetric, metricValue, thresholdState } from '../../../web/src/lib/kpi-meta.ts';
import { defaultBoard } from '../../../server/boards/board-schema.ts';
import { readFileSync } from 'node:fs';
import { TenantEngine } from '../../../pipelines/engine/tenant-engine.ts';
import { bus } from '../engine/load-events.ts';
import { FIXTURE, READ_AT } from '../../support/worked-example.ts';
import type { Metrics } from '../../../pipelines/engine/types.ts';
import { shortfall, staffingSummary, type StaffingRow } from '../../../web/src/lib/history/staffing-rows.ts';

const agents = (available: number, busy: number, wrap_up: number, away = 0) => ({ available, busy, wrap_up, away, offline: 0 });

describe('staffing gap', () => {
  it('counts available, busy and wrap-up agents as present, not away or offline', () => {
    expect(presentAgents({ agents: { available: 2, busy: 3, wrap_up: 1, away: 4, offline: 7 } })).toBe(6);
    expect(presentAgents({})).toBeNull();
  });

  it('is present − required, null without load, absent where the scope has no staffing', () => {
    expect(staffingGap({ agents_required: 54, agents: agents(10, 38, 3, 5) })).toBe(-3);
    expect(staffingGap({ agents_required: 4, agents: agents(3, 2, 1) })).toBe(2);
    expect(staffingGap({ agents_required: null, agents: agents(3, 2, 1) })).toBeNull();
    expect(staffingGap({ agents: agents(3, 2, 1) })).toBeUndefined();
    expect(staffingGap(undefined)).toBeUndefined();
  });

  it('reads as words with threshold colours: short is amber then red, on target or over is green', () => {
    expect(gapText(-3)).toBe('short 3');
    expect(gapText(2)).toBe('over 2');
    expect(gapText(0)).toBe('on target');
    const m = (gap: number): Metrics => ({ agents_required: 10, agents: agents(10 + gap, 0, 0) });
    const state = (gap: number) => thresholdState(metricValue(m(gap), 'staffing'), KPI_META.staffing.thresholds);
    expect([state(-5), state(-3), state(-2), state(-1), state(0), state(4)]).toEqual(['alert', 'alert', 'warn', 'warn', 'ok', 'ok']);
    expect(formatMetric('staffing', metricValue(m(-4), 'staffing'))).toBe('short 4');
    expect(formatMetric('staffing', null)).toBe('–');
  });

  it('is a column of the default board’s queue table', () => {
    const q = defaultBoard([]).widgets.find((w) => w.kind === 'queues');
    expect(q && q.kind === 'queues' && q.metrics).toContain('staffing');
  });
});

describe('Erlang C inputs', () => {
  it('reproduce the check value: 180 in 15 min, AHT 240 s, 80/20 → A = 48, 54 agents', () => {
    const i = erlangInputs({ arrived: 180, agents_required: 54, agents: agents(5, 40, 3) }, { aht_s: 240 })!;
    expect(i.lambda).toBeCloseTo(0.2, 12);
    expect(i.a).toBeCloseTo(48, 9);
    expect(i.required).toBe(54);
    expect(i.slAtRequired!).toBeGreaterThanOrEqual(0.8);
    expect(i.slAtOneFewer!).toBeLessThan(0.8);
    const lines = inputLines({ arrived: 180, agents_required: 54, agents: agents(5, 40, 3) }, i).join('\n');
    expect(lines).toContain('180 contacts');
    expect(lines).toContain('AHT, last hour: 240 s');
    expect(lines).toContain('A = λ × AHT = 48 Erlangs');
    expect(lines).toContain('80.0% answered within 20 s');
    expect(lines).toContain('On the queue: 48');
    expect(lines).toContain('→ short 6');
  });

  it('uses 300 s when nothing was wrapped in the last hour, and the queue policy', () => {
    const i = erlangInputs({ arrived: 9 }, { aht_s: null }, { sl_target: 0.9, sl_threshold_s: 30, short_abandon_s: 5, first_response_sla_s: 3600 })!;
    expect(i.ahtS).toBe(300);
    expect(i.ahtDefault).toBe(true);
    expect(i.a).toBeCloseTo(3, 9);
    expect(i.target).toBe(0.9);
    expect(i.thresholdS).toBe(30);
  });

  it('give the engine’s agents_required for the worked example (7 arrived, AHT 225 s → 4)', () => {
    const e = new TenantEngine();
    for (const ev of JSON.parse(readFileSync(FIXTURE, 'utf8')) as object[]) e.apply(bus(ev));
    const m15 = e.metrics('queue:billing', '15m', READ_AT)!;
    const m1h = e.metrics('queue:billing', '1h', READ_AT)!;
    const i = erlangInputs(m15, m1h)!;
    expect(i.required).toBe(m15.agents_required);
    expect(i.required).toBe(4);
    expect(staffingGap(m15)).toBe(-2); // a1 busy + a3 available; a2 is away
  });
});

describe('staffing history panel', () => {
  const row = (bucket: string, agents_required: number | null, agents_present: number): StaffingRow =>
    ({ bucket, arrived: agents_required ? 10 : 0, aht_s: 300, offered_erlangs: 0, agents_required, agents_present });
  it('counts the intervals short of the requirement and names the worst', () => {
    const rows = [row('09:00', null, 3), row('09:15', 4, 4), row('09:30', 6, 3.5), row('09:45', 5, 1.2), row('10:00', 2, 5)];
    expect(rows.map(shortfall)).toEqual([0, 0, 2.5, expect.closeTo(3.8, 9), 0]);
    const s = staffingSummary(rows);
    expect(s).toMatchObject({ loaded: 4, shortIntervals: 2 });
    expect(s.worst?.bucket).toBe('09:45');
    expect(staffingSummary([row('x', null, 0)])).toEqual({ loaded: 0, shortIntervals: 0, worst: null });
  });
});
