// The history page's URL state round-trips, presets give local-midnight ranges, and the
// heatmap weighs hours by their service-level divisor (the exact KPI, not a mean of ratios).
import { describe, expect, it } from 'vitest';
import { heatmapCells, rangeOf, readState, scopeFilter, writeState } from '../../../web/src/lib/history/history-state.ts';

describe('history page state', () => {
  it('round-trips through the URL and ignores unknown values', () => {
    const s = readState(new URLSearchParams('metric=asa_s&scope=queue:billing&range=last7&interval=15m&group_by=agent&chart=bar'));
    expect(s).toMatchObject({ metric: 'asa_s', scope: 'queue:billing', range: 'last7', interval: '15m', group_by: 'agent', chart: 'bar' });
    expect(readState(new URLSearchParams(writeState(s)))).toEqual(s);
    expect(readState(new URLSearchParams('metric=waiting&interval=5m'))).toMatchObject({ metric: 'service_level', interval: '1h' });
    expect(scopeFilter('queue:billing')).toEqual({ queue: 'billing' });
    expect(scopeFilter('all')).toEqual({});
  });

  it('presets start at local midnight, also across a DST change', () => {
    const now = Date.parse('2026-03-30T10:00:00Z'); // Rome switched to +02:00 on the 29th
    const s = readState(new URLSearchParams('range=yesterday'));
    expect(rangeOf(s, 'Europe/Rome', now).map((t) => new Date(t).toISOString())).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    const t = rangeOf(readState(new URLSearchParams('range=last7')), 'UTC', now);
    expect(new Date(t[0]).toISOString()).toBe('2026-03-24T00:00:00.000Z');
  });

  it('weights hours by answered + abandoned − short abandons', () => {
    const cells = heatmapCells([
      { bucket: '2026-11-23T10:00:00Z', service_level: 1, answered: 1, abandoned: 0, abandoned_short: 0 },
      { bucket: '2026-11-30T10:00:00Z', service_level: 0.5, answered: 3, abandoned: 2, abandoned_short: 1 },
    ], 'UTC');
    const mon10 = cells.find((c) => c.day === 0 && c.hour === 10)!;
    expect(mon10.value).toBeCloseTo((1 * 1 + 0.5 * 4) / 5, 12);
    expect(cells.filter((c) => c.value !== null)).toHaveLength(1);
    expect(cells).toHaveLength(168);
  });
});
