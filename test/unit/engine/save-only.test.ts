// The checkpointer's engine (liveReads: false) keeps no waiting sets, backlogs or dirty
// marks, which only reads need and a restore re-derives: its saved state must be the
// publisher's, and a restore from it must read exactly as the publisher does.
import { describe, expect, it } from 'vitest';
import { TenantEngine } from '../../../pipelines/engine/tenant-engine.ts';
import { WINDOWS } from '../../../pipelines/engine/types.ts';
import { scenario } from './scenario.ts';

const FROM = Date.parse('2026-11-23T21:40:00Z');

function allMetrics(e: TenantEngine, now: number) {
  return e.scopes().map((s) => WINDOWS.map((w) => e.metrics(s.scope, w, now)));
}

describe('an engine without live reads (the checkpointer)', () => {
  it('saves the same state as a live engine, and its restore reads the same numbers', () => {
    const sc = scenario(41, FROM - 120 * 60_000, 300, 2);
    const opts = { tenant: 't', timeZone: 'Europe/Rome', policies: { vip: { sl_threshold_s: 10 } } };
    const live = new TenantEngine(opts);
    const saved = new TenantEngine({ ...opts, liveReads: false });
    let lastEvict = -Infinity;
    sc.arrivals.forEach((ev, i) => {
      expect(saved.apply(ev)).toBe(live.apply(ev));
      if (ev.ts - lastEvict >= 60_000) {
        lastEvict = ev.ts;
        live.evict(ev.ts);
        saved.evict(ev.ts);
      }
      if (i === Math.floor(sc.arrivals.length / 3)) {
        live.setQueuePolicy('billing', { sl_threshold_s: 5 });
        saved.setQueuePolicy('billing', { sl_threshold_s: 5 });
      }
      if (i % 2000 === 0 || i === sc.arrivals.length - 1) {
        const json = JSON.parse(JSON.stringify(saved.toJSON()));
        expect(json).toEqual(JSON.parse(JSON.stringify(live.toJSON())));
        const r = TenantEngine.fromJSON(json);
        expect(r.scopes()).toEqual(live.scopes());
        expect(allMetrics(r, ev.ts)).toEqual(allMetrics(live, ev.ts));
        expect(r.snapshotAll(ev.ts)).toEqual(live.snapshotAll(ev.ts));
      }
    });
    expect(saved.takeDirty().size).toBe(0);
  });

  it('refuses to be read, and a restore can stay save-only', () => {
    const sc = scenario(42, FROM, 60);
    const saved = new TenantEngine({ tenant: 't', liveReads: false });
    for (const ev of sc.arrivals) saved.apply(ev);
    expect(() => saved.metrics('all', '15m', sc.to)).toThrow(/only saved/);
    expect(() => saved.snapshotAll(sc.to)).toThrow(/only saved/);
    const json = JSON.parse(JSON.stringify(saved.toJSON()));
    const again = TenantEngine.fromJSON(json, { liveReads: false });
    expect(again.liveReads).toBe(false);
    expect(() => again.snapshot('all', sc.to)).toThrow(/only saved/);
    // saved again, it is what a live restore of the same state saves
    expect(JSON.stringify(again.toJSON())).toBe(JSON.stringify(TenantEngine.fromJSON(json).toJSON()));
  });
});
