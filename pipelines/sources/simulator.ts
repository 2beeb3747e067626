// The contact-center simulator: a seeded discrete-event simulation of queues, agents
// and tickets that yields CcEvents in time order, either for a past range (backfill)
// or paced by the wall clock (live).
import type { CcEvent } from '../events/schema.ts';
import { AgentFloor } from './agent-floor.ts';
import { planCenter, type ArrivalProfile, type CenterPlan } from './center-plan.ts';
import { ContactFlow } from './contact-flow.ts';
import { LocalClock } from './local-clock.ts';
import { runTag, SimCore } from './sim-core.ts';
import { TicketFlow } from './ticket-flow.ts';

export interface SimOptions {
  seed: string | number;
  agents: number;
  /** How many queues (named billing, support, sales, …) or their names. */
  queues: number | string[];
  /** Start of the simulated range, epoch ms. */
  from: number;
  /** End of the simulated range, epoch ms (Infinity for an endless live run). */
  to: number;
  /** IANA zone of the intraday profile and the shifts (default UTC). */
  tenantTimeZone?: string;
  /** Overrides of the arrival profile; by default the volume is sized to the agents. */
  profile?: Partial<ArrivalProfile>;
}

export { planCenter, type CenterPlan, type ArrivalProfile };
export { expectedContacts } from './sim-core.ts';

/** Lazily yields the events of [from, to] in non-decreasing time order. */
export function* simulate(opts: SimOptions): Generator<CcEvent, void, undefined> {
  const plan = planCenter(opts);
  const clock = new LocalClock(opts.tenantTimeZone ?? 'UTC');
  const from = Math.floor(opts.from);
  const sim = new SimCore(plan, clock, opts.seed, from, runTag(opts.seed, from));
  const floor = new AgentFloor(sim);
  const contacts = new ContactFlow(sim, floor);
  const tickets = new TicketFlow(sim, floor);
  floor.startRoster();
  contacts.start();
  tickets.start();
  while (sim.advance(opts.to)) {
    for (const e of sim.out) yield e;
    sim.out.length = 0;
  }
}

/** All events of a finite range, as an array. */
export function generateEvents(opts: SimOptions): CcEvent[] {
  if (!Number.isFinite(opts.to)) throw new RangeError('generateEvents needs a finite `to`');
  return [...simulate(opts)];
}

export interface LiveOptions extends Omit<SimOptions, 'from' | 'to'> {
  /** Simulated ms per wall-clock ms (default 1). */
  speed?: number;
  /** History simulated before now and yielded at once, so the board is not empty (default 1 h). */
  warmupMs?: number;
  signal?: AbortSignal;
  /** Injected clock and sleep (tests); default Date.now and setTimeout. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Live mode: the warm-up hour comes out immediately, then each event when the wall
 * clock reaches it (time runs `speed` times faster than real time, from now).
 */
export async function* liveEvents(opts: LiveOptions): AsyncGenerator<CcEvent, void, undefined> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const speed = opts.speed && opts.speed > 0 ? opts.speed : 1;
  const wall0 = now();
  const gen = simulate({ ...opts, from: wall0 - (opts.warmupMs ?? 3_600_000), to: Infinity });
  for (const e of gen) {
    if (opts.signal?.aborted) return;
    const due = wall0 + (Date.parse(e.time) - wall0) / speed;
    const wait = due - now();
    if (wait > 0) {
      await sleep(wait, opts.signal);
      if (opts.signal?.aborted) return;
    }
    yield e;
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
