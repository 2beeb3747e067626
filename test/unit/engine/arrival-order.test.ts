// In-order events take a one-step fast path; any other order re-derives the contact.
// Both must give the same numbers, whatever the arrival order.
import { describe, expect, it } from 'vitest';
import { TenantEngine } from '../../../pipelines/engine/tenant-engine.ts';
import type { BusEvent } from '../../../pipelines/events/schema.ts';
import { WINDOWS } from '../../../pipelines/engine/types.ts';
import { rng, scenario } from './scenario.ts';

const FROM = Date.parse('2026-11-24T08:00:00Z');

function all(e: TenantEngine, now: number) {
  return e.scopes().map((s) => [s.scope, e.snapshot(s.scope, now)]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

describe('arrival order', () => {
  it('in order, shuffled and reversed streams give the same snapshots', () => {
    const sc = scenario(41, FROM, 120);
    const inOrder = [...sc.events].sort((a, b) => a.ts - b.ts);
    const r = rng(5);
    const shuffled = inOrder.map((e) => ({ e, k: r() })).sort((a, b) => a.k - b.k).map((x) => x.e);
    const runs = [inOrder, shuffled, [...inOrder].reverse()].map((evs) => {
      const e = new TenantEngine({ tenant: 't' });
      for (const ev of evs) e.apply(ev);
      return e;
    });
    for (const now of [FROM + 30 * 60_000, sc.to]) {
      const want = all(runs[0], now);
      expect(want.length).toBeGreaterThan(10);
      expect(all(runs[1], now)).toEqual(want);
      expect(all(runs[2], now)).toEqual(want);
    }
    expect(WINDOWS.map((w) => runs[0].metrics('all', w, sc.to)!.answered).every((n) => n! > 0)).toBe(true);
  });

  it('a first queued event arriving after later events sets the channel of every record', () => {
    const ev = (id: string, ts: number, body: object) => ({ id, ts, time: '', tenant: 't', received_at: 0, ...body }) as BusEvent;
    const e = new TenantEngine({ tenant: 't' });
    e.apply(ev('x1', FROM + 5_000, { type: 'contact.answered', contact_id: 'c', queue: 'q', agent_id: 'a' }));
    e.apply(ev('x2', FROM + 65_000, { type: 'contact.wrapped', contact_id: 'c', agent_id: 'a' }));
    expect(e.metrics('channel:chat', 'today', FROM + 70_000)).toBeUndefined();
    e.apply(ev('x0', FROM, { type: 'contact.queued', contact_id: 'c', queue: 'q', channel: 'chat' }));
    const m = e.metrics('channel:chat', 'today', FROM + 70_000)!;
    expect([m.arrived, m.answered, m.asa_s, m.aht_s]).toEqual([1, 1, 5, 60]);
    // a second contact in order: queued first, then the rest, takes the fast path
    e.apply(ev('y0', FROM + 10_000, { type: 'contact.queued', contact_id: 'd', queue: 'q', channel: 'chat' }));
    e.apply(ev('y1', FROM + 12_000, { type: 'contact.answered', contact_id: 'd', queue: 'q', agent_id: 'a' }));
    e.apply(ev('y2', FROM + 42_000, { type: 'contact.wrapped', contact_id: 'd', agent_id: 'a' }));
    const n = e.metrics('channel:chat', 'today', FROM + 70_000)!;
    expect([n.arrived, n.answered, n.asa_s, n.aht_s, n.waiting]).toEqual([2, 2, 3.5, 45, 0]);
    expect(e.metrics('agent:a', 'today', FROM + 70_000)!.aht_s).toBe(45);
  });
});
