import { describe, expect, it } from 'vitest';
import { LocalClock } from '../../../pipelines/sources/local-clock.ts';

describe('LocalClock', () => {
  it('follows the zone offset across daylight saving', () => {
    const rome = new LocalClock('Europe/Rome');
    expect(rome.offset(Date.parse('2026-01-15T12:00:00Z'))).toBe(3_600_000);
    expect(rome.offset(Date.parse('2026-07-15T12:00:00Z'))).toBe(7_200_000);
    // 09:00 local on both sides of the March switch.
    expect(rome.fromLocal(Date.parse('2026-03-28T09:00:00Z'))).toBe(Date.parse('2026-03-28T08:00:00Z'));
    expect(rome.fromLocal(Date.parse('2026-03-30T09:00:00Z'))).toBe(Date.parse('2026-03-30T07:00:00Z'));
    expect(new LocalClock('UTC').offset(Date.parse('2026-07-15T12:00:00Z'))).toBe(0);
  });

  it('numbers local days and their weekdays', () => {
    const ny = new LocalClock('America/New_York');
    // 02:00Z on a Tuesday is still Monday evening in New York.
    const day = ny.dayIndex(Date.parse('2026-11-24T02:00:00Z'));
    expect(LocalClock.weekday(day)).toBe(1);
    expect(LocalClock.weekday(new LocalClock().dayIndex(Date.parse('2026-11-22T12:00:00Z')))).toBe(0);
  });
});
