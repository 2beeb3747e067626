// Duplicate detection: ids are remembered until their whole hour is before the horizon.
import { describe, expect, it } from 'vitest';
import { IdSet, hashOf } from '../../../pipelines/engine/id-set.ts';

const H = 3_600_000;
const T = Date.parse('2026-11-24T08:00:00Z');

describe('IdSet', () => {
  it('forgets an hour only once it ends before the horizon, and lists what it holds', () => {
    const s = new IdSet();
    s.add('a', T + 10);
    s.add('b', T + H - 1);
    s.add('c', T + H);
    s.add('d', T - 5);
    expect(s.size).toBe(4);
    expect(s.has('a') && s.has('d') && !s.has('x')).toBe(true);
    s.evictBefore(T + H - 1); // the 08:00 hour is not over at the horizon
    expect([s.has('a'), s.has('b'), s.has('c'), s.has('d')]).toEqual([true, true, true, false]);
    s.evictBefore(T + H);
    expect([s.has('a'), s.has('b'), s.has('c')]).toEqual([false, false, true]);
    s.add('e', T + H + 5); // the cached current hour still files it under 09:00
    expect(s.entries().sort()).toEqual([['c', T + H], ['e', T + H]]);
    s.evictBefore(T + 2 * H);
    expect(s.size).toBe(0);
    s.add('f', T); // an hour dropped earlier is made again
    expect(s.entries()).toEqual([['f', T]]);
  });

  it('agrees with a plain Set through growth, eviction and reuse of forgotten slots', () => {
    const s = new IdSet();
    const model = new Map<string, number>();
    let seed = 7;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296);
    for (let step = 0; step < 6; step++) {
      for (let i = 0; i < 20_000; i++) {
        const id = `${Math.floor(rnd() * 60_000).toString(36)}-${step % 2 ? 'x' : 'évt'}`;
        const ts = T + step * H + Math.floor(rnd() * 2 * H);
        const fresh = !model.has(id);
        expect(s.addNew(id, ts)).toBe(fresh);
        if (fresh) model.set(id, ts);
      }
      const horizon = T + step * H;
      s.evictBefore(horizon);
      for (const [id, ts] of model) if (Math.floor(ts / H + 1) * H <= horizon) model.delete(id);
      expect(s.size).toBe(model.size);
      for (let i = 0; i < 5_000; i++) {
        const id = `${Math.floor(rnd() * 60_000).toString(36)}-${step % 2 ? 'évt' : 'x'}`;
        expect(s.has(id)).toBe(model.has(id));
      }
      for (const id of model.keys()) if (!s.has(id)) throw new Error(`lost ${id}`);
    }
    expect(model.size).toBeGreaterThan(10_000);
  });

  it('tells apart two ids whose 32-bit hashes are equal', () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    for (let i = 0; !pair; i++) {
      const id = `evt-${i}`;
      const h = hashOf(id);
      const other = seen.get(h);
      if (other !== undefined) pair = [other, id];
      else seen.set(h, id);
    }
    const [a, b] = pair;
    expect(hashOf(a)).toBe(hashOf(b));
    const s = new IdSet();
    expect(s.addNew(a, T)).toBe(true);
    expect(s.has(b)).toBe(false);
    expect(s.addNew(b, T + H)).toBe(true);
    expect(s.addNew(b, T + H)).toBe(false);
    expect(s.entries().sort()).toEqual([[a, T], [b, T + H]].sort());
    s.evictBefore(T + H); // a's hour is over; b stays, found past a's emptied slot
    expect([s.has(a), s.has(b), s.size]).toEqual([false, true, 1]);
  });
});
