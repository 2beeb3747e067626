// The engine against an independent brute-force recomputation, on random scenarios
// whose events arrive up to 10 s late and partly twice.
import { describe, expect, it } from 'vitest';
import { TenantEngine } from '../../../pipelines/engine/tenant-engine.ts';
import { WINDOWS, type QueuePolicy } from '../../../pipelines/engine/types.ts';
import { bruteMetrics, type BruteOpts } from './brute-force.ts';
import { diffMetrics } from './compare.ts';
import { rng, scenario } from './scenario.ts';

const POLICIES: Record<string, Partial<QueuePolicy>> = {
  vip: { sl_threshold_s: 10, short_abandon_s: 3, first_response_sla_s: 600, sl_target: 0.9 },
  sales: { sl_threshold_s: 30 },
};
// crosses midnight in UTC and in Europe/Rome (23:00Z)
const FROM = Date.parse('2026-11-23T21:40:00Z');

function scopesOf(e: TenantEngine, strict = true): string[] {
  const keys = e.scopes().map((s) => s.scope);
  if (strict) for (const k of ['all', 'queue:billing', 'queue:vip', 'channel:voice', 'channel:email', 'team:north', 'agent:a1']) {
    expect(keys).toContain(k);
  }
  return keys;
}

describe('engine vs brute force', () => {
  for (const seed of [1, 2, 3, 4]) {
    const tz: BruteOpts['tz'] = seed % 2 ? 'Europe/Rome' : 'UTC';
    it(`seed ${seed} (${tz}): every scope and window, queried as events arrive`, () => {
      const sc = scenario(seed, FROM, 170, 2);
      expect(sc.events.length).toBeGreaterThan(2500);
      const e = new TenantEngine({ tenant: 't', timeZone: tz, policies: POLICIES });
      const r = rng(seed * 7);
      // half of the instants fall exactly on an event (t = now counts)
      const nows = Array.from({ length: 6 }, (_, i) =>
        i % 2 ? sc.events[Math.floor(r() * sc.events.length)].ts : sc.from + Math.floor(r() * (sc.to + 1_800_000 - sc.from)),
      ).sort((a, b) => a - b);
      const fed = new Set<number>();
      let dupes = 0;
      let compared = 0;
      let nonTrivial = 0;
      for (const now of nows) {
        sc.arrivals.forEach((ev, i) => {
          if (fed.has(i) || ev.ts > now) return;
          fed.add(i);
          if (!e.apply(ev)) dupes++;
        });
        for (const scope of scopesOf(e, now === nows[nows.length - 1])) {
          for (const w of WINDOWS) {
            const want = bruteMetrics(sc.events, scope, w, now, { tz, policies: POLICIES });
            if (want.wait_p90_s != null) nonTrivial++;
            const diff = diffMetrics(e.metrics(scope, w, now), want);
            expect(diff, `${scope} ${w} @${new Date(now).toISOString()}`).toEqual([]);
            compared++;
          }
        }
      }
      expect(dupes).toBeGreaterThan(10);
      expect(compared).toBeGreaterThan(300);
      expect(nonTrivial).toBeGreaterThan(compared / 3);
    });
  }

  it('with events after `now` already received, windows still end at now', () => {
    const tz = 'UTC';
    const sc = scenario(11, FROM, 150);
    const e = new TenantEngine({ tenant: 't', timeZone: tz, policies: POLICIES });
    for (const ev of sc.arrivals) e.apply(ev);
    for (const now of [FROM + 40 * 60_000 + 123, FROM + 95 * 60_000 + 59_999, sc.to + 60_000, FROM + 80 * 60_000]) {
      for (const scope of scopesOf(e)) {
        for (const w of WINDOWS) {
          const want = bruteMetrics(sc.events, scope, w, now, { tz, policies: POLICIES, cut: Infinity });
          expect(diffMetrics(e.metrics(scope, w, now), want), `${scope} ${w}`).toEqual([]);
        }
      }
    }
  });

  it('a policy change re-derives service level and short abandons of held contacts', () => {
    const sc = scenario(5, FROM, 120);
    const e = new TenantEngine({ tenant: 't' });
    for (const ev of sc.arrivals) e.apply(ev);
    const now = sc.to;
    const before = e.metrics('queue:billing', 'today', now)!;
    e.setQueuePolicy('billing', { sl_threshold_s: 60, short_abandon_s: 10 });
    const pol = { billing: { sl_threshold_s: 60, short_abandon_s: 10 } };
    const want = bruteMetrics(sc.events, 'queue:billing', 'today', now, { tz: 'UTC', policies: pol, cut: Infinity });
    expect(diffMetrics(e.metrics('queue:billing', 'today', now), want)).toEqual([]);
    expect(e.metrics('queue:billing', 'today', now)!.service_level).not.toBe(before.service_level);
  });
});
