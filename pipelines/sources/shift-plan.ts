// Who works on a given local day, when they log in and out, and when they take their
// breaks. Each day draws from its own seeded stream, so a day's roster does not depend
// on how much of the simulation ran before it.
import type { CenterPlan } from './center-plan.ts';
import { DAY_MS, LocalClock } from './local-clock.ts';
import { Rng } from './prng.ts';

export interface BreakSlot {
  at: number;
  durationMs: number;
  reason: 'break' | 'lunch';
}

export interface ShiftInstance {
  agent: number;
  start: number;
  end: number;
  breaks: BreakSlot[];
}

const MIN = 60_000;

export function planDay(plan: CenterPlan, dayIndex: number, clock: LocalClock, seed: string | number): ShiftInstance[] {
  const rng = new Rng(seed, `day:${dayIndex}`);
  const factor = plan.profile.dayFactors[LocalClock.weekday(dayIndex)] ?? 1;
  // Rosters follow the day's volume (weekends shrink), minus a few absences. Agents are
  // taken at even steps through the list sorted by shift start, so every part of the
  // day keeps its share of the staff.
  const attend = Math.min(0.97, factor * 1.1);
  const day = plan.agents.map((a, i) => ({ a, i })).filter((x) => !x.a.night);
  day.sort((x, y) => x.a.shiftStartMin - y.a.shiftStartMin || x.i - y.i);
  const step = 1 / attend;
  const working = new Set<number>();
  for (let pos = rng.uniform(0, step); pos < day.length; pos += step) working.add(day[Math.floor(pos)].i);
  plan.agents.forEach((a, i) => {
    if (a.night && rng.chance(0.95)) working.add(i);
  });
  const shifts: ShiftInstance[] = [];
  plan.agents.forEach((a, i) => {
    if (!working.has(i)) return;
    const startLocal = dayIndex * DAY_MS + (a.shiftStartMin + rng.uniform(-4, 8)) * MIN;
    const start = clock.fromLocal(startLocal);
    const end = start + (a.shiftLengthMin + rng.uniform(-3, 10)) * MIN;
    const len = end - start;
    const breaks: BreakSlot[] = [
      { at: start + len * 0.24 + rng.uniform(-15, 15) * MIN, durationMs: rng.uniform(12, 17) * MIN, reason: 'break' },
      { at: start + len * 0.5 + rng.uniform(-30, 30) * MIN, durationMs: rng.uniform(28, 45) * MIN, reason: 'lunch' },
      { at: start + len * 0.77 + rng.uniform(-15, 15) * MIN, durationMs: rng.uniform(12, 17) * MIN, reason: 'break' },
    ];
    shifts.push({ agent: i, start, end, breaks });
  });
  return shifts;
}
