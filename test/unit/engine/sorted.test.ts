// insertSorted / removeSorted shift short tails in a loop and long ones with splice;
// both must keep the array a sorted multiset.
import { describe, expect, it } from 'vitest';
import { insertSorted, removeSorted } from '../../../pipelines/engine/acc.ts';
import { rng } from './scenario.ts';

describe('sorted arrays', () => {
  it('agree with sorting a plain list through inserts and removals of every size', () => {
    const r = rng(3);
    for (const range of [5, 50, 1000]) {
      const a: number[] = [];
      const ref: number[] = [];
      for (let i = 0; i < 3000; i++) {
        const v = Math.floor(r() * range);
        if (r() < 0.6) {
          insertSorted(a, v);
          ref.push(v);
        } else {
          removeSorted(a, v);
          const j = ref.indexOf(v);
          if (j >= 0) ref.splice(j, 1);
        }
        if (i % 97 === 0) expect(a).toEqual([...ref].sort((x, y) => x - y));
      }
      expect(a).toEqual([...ref].sort((x, y) => x - y));
      expect(a.length).toBeGreaterThan(range === 1000 ? 200 : 0);
    }
  });
});
