// Snapshots reuse a window's sums while nothing that could change them did. An engine
// read every second while events trickle in (late ones too) must give exactly what an
// engine fed the same events but read only now gives.
import { describe, expect, it } from 'vitest';
import { TenantEngine } from '../../../pipelines/engine/tenant-engine.ts';
import { scenario } from './scenario.ts';

const FROM = Date.parse('2026-11-23T22:30:00Z'); // crosses midnight in Europe/Rome

describe('window sums reused between snapshots', () => {
  it('equal a fresh computation at every checkpoint', () => {
    const sc = scenario(17, FROM, 90, 2);
    const opts = { tenant: 't', timeZone: 'Europe/Rome' };
    const polled = new TenantEngine(opts);
    const fresh = new TenantEngine(opts);
    let i = 0;
    let checks = 0;
    for (let now = FROM + 20 * 60_000; now < FROM + 50 * 60_000; now += 1_000) {
      // arrivals are late by up to 10 s: feed what has arrived by now
      while (i < sc.arrivals.length && sc.arrivals[i].ts <= now - 10_000) {
        polled.apply(sc.arrivals[i]);
        fresh.apply(sc.arrivals[i]);
        i++;
      }
      const got = polled.snapshotAll(now);
      if ((now - FROM) % 97_000 < 1_000) {
        const want = new TenantEngine(opts);
        for (const ev of sc.arrivals.slice(0, i)) want.apply(ev);
        expect(got).toEqual(want.snapshotAll(now));
        expect(polled.snapshot('queue:billing', now)).toEqual(fresh.snapshot('queue:billing', now));
        checks++;
      }
    }
    expect(checks).toBeGreaterThan(10);
    expect(i).toBeGreaterThan(500);
  });
});
