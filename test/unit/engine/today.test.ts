// "today" starts at local midnight in the tenant's zone, DST days included.
import { describe, expect, it } from 'vitest';
import { localMidnight } from '../../../pipelines/engine/day-start.ts';
import { TenantEngine } from '../../../pipelines/engine/tenant-engine.ts';
import { bus } from './load-events.ts';

let n = 0;
const csat = (time: string) => bus({ id: `f${n++}`, type: 'feedback.submitted', time, survey: 'csat', score: 5 });
const today = (e: TenantEngine, now: string) => e.metrics('all', 'today', Date.parse(now))!.csat_responses;

describe('today window', () => {
  it('in UTC, an event at 23:59 is in today until midnight, then only in 1h', () => {
    const e = new TenantEngine({ tenant: 't' });
    e.apply(csat('2026-11-23T23:59:00Z'));
    expect(today(e, '2026-11-23T23:59:30Z')).toBe(1);
    expect(today(e, '2026-11-24T00:05:00Z')).toBe(0);
    expect(e.metrics('all', '1h', Date.parse('2026-11-24T00:05:00Z'))!.csat_responses).toBe(1);
  });

  it('in Europe/Rome, midnight is 23:00Z in winter', () => {
    const e = new TenantEngine({ tenant: 't', timeZone: 'Europe/Rome' });
    e.apply(csat('2026-11-24T22:59:00Z')); // 23:59 local
    e.apply(csat('2026-11-24T23:00:00Z')); // 00:00 local, next day
    expect(today(e, '2026-11-24T22:59:30Z')).toBe(1);
    expect(today(e, '2026-11-24T23:05:00Z')).toBe(1); // only the one after local midnight
    expect(today(e, '2026-11-25T22:50:00Z')).toBe(1);
    expect(today(e, '2026-11-25T23:00:00Z')).toBe(0);
    // the same events for a UTC tenant: 23:05Z is still the 24th
    e.setTimeZone('UTC');
    expect(today(e, '2026-11-24T23:05:00Z')).toBe(2);
  });

  it('handles the 23-hour and the 25-hour day in Europe/Rome', () => {
    expect(localMidnight(Date.parse('2026-03-29T21:30:00Z'), 'Europe/Rome')).toBe(Date.parse('2026-03-28T23:00:00Z'));
    expect(localMidnight(Date.parse('2026-03-30T00:30:00Z'), 'Europe/Rome')).toBe(Date.parse('2026-03-29T22:00:00Z'));
    expect(localMidnight(Date.parse('2026-10-25T22:30:00Z'), 'Europe/Rome')).toBe(Date.parse('2026-10-24T22:00:00Z'));
    const e = new TenantEngine({ tenant: 't', timeZone: 'Europe/Rome' });
    e.apply(csat('2026-03-28T22:59:00Z')); // 23:59 CET on the 28th
    e.apply(csat('2026-03-28T23:00:00Z')); // 00:00 CET on the 29th
    e.apply(csat('2026-03-29T21:59:00Z')); // 23:59 CEST on the 29th
    expect(today(e, '2026-03-29T21:59:30Z')).toBe(2);
    expect(today(e, '2026-03-29T22:00:30Z')).toBe(0);
    e.apply(csat('2026-10-24T21:59:00Z')); // 23:59 CEST on the 24th
    e.apply(csat('2026-10-24T22:00:00Z')); // 00:00 CEST on the 25th
    e.apply(csat('2026-10-25T22:59:00Z')); // 23:59 CET on the 25th (25 hours later)
    expect(today(e, '2026-10-25T22:59:30Z')).toBe(2);
    expect(today(e, '2026-10-25T23:00:30Z')).toBe(0);
  });

  it('finds midnight where it is skipped (Havana starts DST at 00:00)', () => {
    expect(localMidnight(Date.parse('2026-03-08T12:00:00Z'), 'America/Havana')).toBe(Date.parse('2026-03-08T05:00:00Z'));
    expect(localMidnight(Date.parse('2026-11-24T10:10:00Z'), 'Asia/Kathmandu')).toBe(Date.parse('2026-11-23T18:15:00Z'));
  });
});
