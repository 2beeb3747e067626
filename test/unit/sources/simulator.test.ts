import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { EventSchemas, SCORE_RANGES, type CcEvent, type EventOf } from '../../../pipelines/events/schema.ts';
import { validateEvent } from '../../../server/ingest/validate.ts';
import { LocalClock } from '../../../pipelines/sources/local-clock.ts';
import { expectedContacts, generateEvents, planCenter, type SimOptions } from '../../../pipelines/sources/simulator.ts';

const MON = Date.parse('2026-11-23T00:00:00Z'); // a Monday
const DAY = 86_400_000;
const base: SimOptions = { seed: 7, agents: 24, queues: 4, from: MON, to: MON + 2 * DAY, tenantTimeZone: 'Europe/Rome' };
const events = generateEvents(base);
// The same volume as `base`, handled by a third fewer agents.
const sameVolume = { peakContactsPerHour: planCenter(base).profile.peakContactsPerHour };
const understaffed = generateEvents({ ...base, agents: 16, profile: sameVolume });

function ofType<T extends CcEvent['type']>(evs: CcEvent[], type: T): EventOf<T>[] {
  return evs.filter((e) => e.type === type) as EventOf<T>[];
}

/** Service level 80/20 and abandon rate as kpis.md defines them, over the whole run. */
function serviceLevel(evs: CcEvent[]) {
  let answered = 0;
  let inSl = 0;
  let abandoned = 0;
  let short = 0;
  for (const e of evs) {
    if (e.type === 'contact.answered') {
      answered++;
      if ((e.wait_ms ?? 0) <= 20_000) inSl++;
    } else if (e.type === 'contact.abandoned') {
      abandoned++;
      if ((e.wait_ms ?? 0) < 5_000) short++;
    }
  }
  const divisor = answered + abandoned - short;
  return { sl: inSl / divisor, abandonRate: (abandoned - short) / divisor, abandoned };
}

describe('simulator', () => {
  it('is reproducible: same seed, same events; another seed, other events', () => {
    const day = { ...base, to: MON + DAY / 2 };
    const a = generateEvents(day);
    expect(generateEvents(day)).toEqual(a);
    const b = generateEvents({ ...day, seed: 8 });
    expect(b.length).toBeGreaterThan(100);
    expect(JSON.stringify(b)).not.toEqual(JSON.stringify(a));
  });

  it('emits only schema-valid events, unique ids, in time order, within the range', () => {
    const ids = new Set<string>();
    let last = -Infinity;
    for (const e of events) {
      const schema = EventSchemas[e.type];
      if (!Value.Check(schema, e)) throw new Error(`${JSON.stringify(e)}: ${[...Value.Errors(schema, e)][0]?.message}`);
      // The ingest route's own rules too (score ranges, calendar times).
      const verdict = validateEvent(e, 'sim', base.to);
      if (!verdict.ok) throw new Error(`${JSON.stringify(e)}: ${verdict.errors.join('; ')}`);
      const t = Date.parse(e.time);
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
      ids.add(e.id);
    }
    expect(ids.size).toBe(events.length);
    expect(Date.parse(events[0].time)).toBeGreaterThanOrEqual(base.from);
    expect(last).toBeLessThanOrEqual(base.to);
    for (const type of Object.keys(EventSchemas)) expect(ofType(events, type as CcEvent['type']).length, type).toBeGreaterThan(0);
  });

  it('gives a tiny center traffic too, and serves queues without skilled agents through tickets', () => {
    const tiny = generateEvents({ ...base, agents: 2, queues: 8, to: MON + DAY });
    expect(ofType(tiny, 'contact.queued').length).toBeGreaterThan(20);
    expect(ofType(tiny, 'contact.answered').length).toBeGreaterThan(10);
    const served = new Set(ofType(tiny, 'agent.state').flatMap((e) => e.queues ?? []));
    const orphanTickets = ofType(tiny, 'ticket.created').filter((t) => !served.has(t.queue)).map((t) => t.ticket_id);
    const replied = new Set(ofType(tiny, 'ticket.replied').map((r) => r.ticket_id));
    expect(orphanTickets.length).toBeGreaterThan(0);
    expect(orphanTickets.some((id) => replied.has(id))).toBe(true);
  });

  it('keeps contacts and agent states consistent', () => {
    const agentState = new Map<string, string>();
    const handling = new Map<string, string>(); // agent -> contact
    const contactStage = new Map<string, string>();
    const reasons = new Set<string>();
    for (const e of events) {
      switch (e.type) {
        case 'agent.state':
          agentState.set(e.agent_id, e.state);
          if (e.reason) reasons.add(e.reason);
          if (e.state === 'available' || e.state === 'offline' || e.state === 'away') expect(handling.has(e.agent_id)).toBe(false);
          break;
        case 'contact.queued':
          expect(contactStage.has(e.contact_id)).toBe(false);
          contactStage.set(e.contact_id, 'waiting');
          break;
        case 'contact.answered':
          expect(contactStage.get(e.contact_id)).toBe('waiting');
          expect(agentState.get(e.agent_id)).toBe('available');
          expect(handling.has(e.agent_id)).toBe(false);
          handling.set(e.agent_id, e.contact_id);
          contactStage.set(e.contact_id, 'talking');
          break;
        case 'contact.abandoned':
          expect(contactStage.get(e.contact_id)).toBe('waiting');
          contactStage.set(e.contact_id, 'abandoned');
          break;
        case 'contact.transferred':
          if (e.agent_id) {
            expect(handling.get(e.agent_id)).toBe(e.contact_id);
            handling.delete(e.agent_id);
          } else expect(contactStage.get(e.contact_id)).toBe('waiting');
          expect(e.to_queue).not.toBe(e.queue);
          contactStage.set(e.contact_id, 'waiting');
          break;
        case 'contact.ended':
          expect(handling.get(e.agent_id)).toBe(e.contact_id);
          expect(agentState.get(e.agent_id)).toBe('busy');
          contactStage.set(e.contact_id, 'ended');
          break;
        case 'contact.wrapped':
          expect(contactStage.get(e.contact_id)).toBe('ended');
          expect(agentState.get(e.agent_id)).toBe('wrap_up');
          handling.delete(e.agent_id);
          contactStage.set(e.contact_id, 'wrapped');
          break;
      }
    }
    expect([...reasons].sort()).toEqual(['break', 'lunch']);
    const states = new Set(ofType(events, 'agent.state').map((e) => e.state));
    expect([...states].sort()).toEqual(['available', 'away', 'busy', 'offline', 'wrap_up']);
    const named = ofType(events, 'agent.state').filter((e) => e.name);
    expect(named.every((e) => e.team && e.queues && e.queues.length > 0)).toBe(true);
  });

  it('draws arrivals within the Poisson bounds of the intraday profile', () => {
    const plan = planCenter(base);
    const clock = new LocalClock(base.tenantTimeZone);
    const queued = ofType(events, 'contact.queued').map((e) => Date.parse(e.time));
    let peakHour = 0;
    let nightHour = Infinity;
    for (let h = base.from; h < base.to; h += 3_600_000) {
      const lambda = expectedContacts(plan, clock, h, h + 3_600_000);
      const n = queued.filter((t) => t >= h && t < h + 3_600_000).length;
      expect(Math.abs(n - lambda), `hour ${new Date(h).toISOString()}: ${n} vs ${lambda}`).toBeLessThan(4 * Math.sqrt(lambda) + 1);
      peakHour = Math.max(peakHour, lambda);
      nightHour = Math.min(nightHour, lambda);
    }
    // The profile really varies: quiet nights, busy mornings (10:00 Rome = 09:00Z in November).
    expect(peakHour).toBeGreaterThan(15 * nightHour);
    const tenLocal = expectedContacts(plan, clock, MON + 9 * 3_600_000, MON + 10 * 3_600_000);
    expect(tenLocal).toBeCloseTo(peakHour * (plan.profile.dayFactors[1] / Math.max(...plan.profile.dayFactors)), 0);
  });

  it('serves worse with fewer agents for the same volume', () => {
    const full = serviceLevel(generateEvents({ ...base, profile: sameVolume }));
    expect(full).toEqual(serviceLevel(events));
    const short = serviceLevel(understaffed);
    expect(full.sl).toBeGreaterThan(0.6);
    expect(short.sl).toBeLessThan(full.sl - 0.1);
    expect(short.abandoned).toBeGreaterThan(full.abandoned * 1.5);
    expect(short.abandonRate).toBeGreaterThan(full.abandonRate);
  });

  it('gives lower CSAT after long waits', () => {
    const evs = understaffed;
    const wait = new Map<string, number>();
    for (const e of ofType(evs, 'contact.answered')) wait.set(e.contact_id, (wait.get(e.contact_id) ?? 0) + (e.wait_ms ?? 0));
    const shortWaits: number[] = [];
    const longWaits: number[] = [];
    for (const f of ofType(evs, 'feedback.submitted')) {
      if (f.survey !== 'csat' || !f.contact_id) continue;
      const w = wait.get(f.contact_id)!;
      if (w <= 20_000) shortWaits.push(f.score);
      else if (w >= 90_000) longWaits.push(f.score);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(shortWaits.length).toBeGreaterThan(30);
    expect(longWaits.length).toBeGreaterThan(30);
    expect(mean(longWaits)).toBeLessThan(mean(shortWaits) - 0.4);
  });

  it('writes surveys with comments in it, cs and en, and tickets that meet or miss their due time', () => {
    const fb = ofType(events, 'feedback.submitted');
    const withComment = fb.filter((f) => f.comment);
    const languages = new Set(withComment.map((f) => f.language).filter(Boolean));
    expect([...languages].sort()).toEqual(['cs', 'en', 'it']);
    expect(withComment.filter((f) => f.language).length / withComment.length).toBeGreaterThan(0.7);
    expect(withComment.some((f) => f.language === 'cs' && /[ěščřžýáíéůú]/.test(f.comment!))).toBe(true);
    for (const f of fb) {
      const [lo, hi] = SCORE_RANGES[f.survey as keyof typeof SCORE_RANGES];
      expect(f.score).toBeGreaterThanOrEqual(lo);
      expect(f.score).toBeLessThanOrEqual(hi);
    }
    const created = new Map(ofType(events, 'ticket.created').map((t) => [t.ticket_id, t]));
    let onTime = 0;
    let late = 0;
    const seen = new Set<string>();
    for (const r of ofType(events, 'ticket.replied')) {
      const t = created.get(r.ticket_id)!;
      if (seen.has(r.ticket_id) || !t.first_response_due) continue;
      seen.add(r.ticket_id);
      if (Date.parse(r.time) <= Date.parse(t.first_response_due)) onTime++;
      else late++;
    }
    expect(onTime).toBeGreaterThan(late);
    expect(late).toBeGreaterThan(0);
  });
});
