// The discrete-event core shared by the contact, agent and ticket flows: a clock, a
// priority queue of timed steps, the seeded random stream, the arrival rates of the
// profile, and event emission with ids that are stable per seed and start time.
import type { CcEvent, EventType } from '../events/schema.ts';
import { shapeAt, type CenterPlan, type QueueDef } from './center-plan.ts';
import { DAY_MS, LocalClock } from './local-clock.ts';
import { MinHeap, type Timed } from './min-heap.ts';
import { hashSeed, Rng } from './prng.ts';

interface Step extends Timed {
  run: () => void;
}

type Fields<T extends EventType> = Omit<Extract<CcEvent, { type: T }>, 'id' | 'type' | 'time'>;

export class SimCore {
  now: number;
  readonly rng: Rng;
  readonly out: CcEvent[] = [];
  private readonly heap = new MinHeap<Step>();
  private seq = 0;
  private eventSeq = 0;
  private readonly counters = new Map<string, number>();

  constructor(
    readonly plan: CenterPlan,
    readonly clock: LocalClock,
    readonly seed: string | number,
    readonly start: number,
    readonly tag: string,
  ) {
    this.now = start;
    this.rng = new Rng(seed, `sim:${start}`);
  }

  at(t: number, run: () => void): void {
    this.heap.push({ t: Math.max(this.now, Math.round(t)), seq: this.seq++, run });
  }

  after(ms: number, run: () => void): void {
    this.at(this.now + ms, run);
  }

  /** Runs steps up to `limit` until at least one event is out; false when none remain. */
  advance(limit: number): boolean {
    while (this.out.length === 0) {
      const top = this.heap.peek();
      if (!top || top.t > limit) return false;
      this.heap.pop();
      this.now = top.t;
      top.run();
    }
    return true;
  }

  emit<T extends EventType>(type: T, fields: Fields<T>): void {
    const id = `${this.tag}-e${(++this.eventSeq).toString(36)}`;
    this.out.push({ id, type, time: iso(this.now), ...fields } as unknown as CcEvent);
  }

  /** A new id for a contact, ticket or customer, unique within this run. */
  nextId(kind: string): string {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return `${this.tag}-${kind}${n.toString(36)}`;
  }

  /**
   * Non-homogeneous Poisson arrivals by thinning: candidates at the maximum rate,
   * each kept with probability rate(t) / max. Exact for any rate curve.
   */
  poisson(rate: (t: number) => number, max: number, onArrival: () => void): void {
    if (max <= 0) return;
    const next = () => {
      this.after(this.rng.exponential(1 / max), () => {
        if (this.rng.next() * max < rate(this.now)) onArrival();
        next();
      });
    };
    next();
  }
}

export function iso(t: number): string {
  return new Date(t).toISOString();
}

/** Id prefix: the same seed and start give the same ids (an idempotent re-run). */
export function runTag(seed: string | number, start: number): string {
  return `s${hashSeed(seed).toString(36)}${Math.floor(start / 1000).toString(36)}`;
}

/** Contacts per ms arriving in the whole center at instant t. */
export function centerContactRate(plan: CenterPlan, clock: LocalClock, t: number): number {
  const local = clock.toLocal(t);
  const day = Math.floor(local / DAY_MS);
  const hour = (local - day * DAY_MS) / 3_600_000;
  const factor = plan.profile.dayFactors[LocalClock.weekday(day)] ?? 1;
  return (shapeAt(plan.profile.hourly, hour) * factor * plan.profile.peakContactsPerHour) / 3_600_000;
}

/** Emails are written around the clock more than calls are made: a flatter curve. */
export function centerTicketRate(plan: CenterPlan, clock: LocalClock, t: number): number {
  const local = clock.toLocal(t);
  const day = Math.floor(local / DAY_MS);
  const hour = (local - day * DAY_MS) / 3_600_000;
  const factor = plan.profile.dayFactors[LocalClock.weekday(day)] ?? 1;
  const shape = 0.15 + 0.85 * shapeAt(plan.profile.hourly, hour);
  return (shape * factor * plan.profile.peakContactsPerHour * plan.profile.ticketsPerContact) / 3_600_000;
}

/** Upper bound of centerContactRate (for thinning). */
export function maxContactRate(plan: CenterPlan): number {
  return (Math.max(...plan.profile.hourly) * Math.max(...plan.profile.dayFactors) * plan.profile.peakContactsPerHour) / 3_600_000;
}

export function maxTicketRate(plan: CenterPlan): number {
  const shape = 0.15 + 0.85 * Math.max(...plan.profile.hourly);
  return (shape * Math.max(...plan.profile.dayFactors) * plan.profile.peakContactsPerHour * plan.profile.ticketsPerContact) / 3_600_000;
}

/** Expected contact arrivals (new contacts, not transfers) in [start, end), by minute midpoints. */
export function expectedContacts(plan: CenterPlan, clock: LocalClock, start: number, end: number): number {
  let sum = 0;
  for (let t = start; t < end; t += 60_000) {
    const w = Math.min(60_000, end - t);
    sum += centerContactRate(plan, clock, t + w / 2) * w;
  }
  return sum;
}

export function pickWeighted<T extends { share: number }>(rng: Rng, items: readonly T[]): T {
  return items[rng.weighted(items.map((i) => i.share))];
}

export type { QueueDef };
