// The waiting set of a scope: its count and oldest start time, through adds and removes in
// any order (late events, removals of times it never held), against a plain list.
import { describe, expect, it } from 'vitest';
import { OpenSet } from '../../../pipelines/engine/scope-state.ts';
import { rng } from './scenario.ts';

describe('OpenSet', () => {
  it('agrees with a plain list', () => {
    const r = rng(5);
    const s = new OpenSet();
    const model: number[] = [];
    const T = Date.parse('2026-11-24T08:00:00Z');
    for (let step = 0; step < 20_000; step++) {
      const now = T + step * 500;
      const x = r();
      if (x < 0.5) {
        const t = now - Math.floor(r() * r() * 3_600_000); // mostly recent, some late
        s.add(t);
        model.push(t);
      } else if (x < 0.95 && model.length) {
        const t = model.splice(Math.floor(r() * model.length), 1)[0];
        s.remove(t);
      } else s.remove(now - Math.floor(r() * 600_000) + 0.5); // never added: no change
      expect(s.count).toBe(model.length);
      expect(s.oldest()).toBe(model.length ? Math.min(...model) : null);
    }
  });
});
