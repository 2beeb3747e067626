// The p90 of a window is a selection over sorted ranges (the cached whole buckets, the
// start edge, the end bucket's sorted runs) instead of one merged list: it must be the
// nearest-rank p90 of all the waits in the window, however the runs were read and merged.
import { describe, expect, it } from 'vitest';
import { K, WaitRanges, newRec } from '../../../pipelines/engine/acc.ts';
import { ScopeState } from '../../../pipelines/engine/scope-state.ts';
import { rng } from './scenario.ts';

const p90Of = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.ceil((9 * s.length) / 10) - 1];
};

describe('WaitRanges', () => {
  it('selects the k-th smallest of the union of sorted ranges', () => {
    const r = rng(7);
    const wr = new WaitRanges();
    for (let it = 0; it < 3000; it++) {
      wr.clear();
      const all: number[] = [];
      const m = 1 + Math.floor(r() * 6);
      for (let i = 0; i < m; i++) {
        const len = Math.floor(r() * (r() < 0.5 ? 5 : 200));
        const range = r() < 0.5 ? 5 : 1000;
        const a = Array.from({ length: len + 4 }, () => Math.floor(r() * range));
        const mid = a.slice(2, 2 + len).sort((x, y) => x - y);
        for (let k = 0; k < len; k++) a[2 + k] = mid[k];
        wr.add(a, 2, 2 + len);
        all.push(...mid);
      }
      all.sort((x, y) => x - y);
      expect(wr.p90()).toBe(p90Of(all));
      for (let k = 1; k <= all.length; k += 1 + Math.floor(all.length / 7)) expect(wr.kth(k)).toBe(all[k - 1]);
    }
  });
});

describe('window p90', () => {
  it('is the p90 of the waits inside the window while the end bucket is read between adds', () => {
    const r = rng(11);
    const T = Date.parse('2026-11-24T09:00:00Z');
    for (const width of [60_000, 900_000]) {
      const sc = new ScopeState('queue:q', 'queue', 'q', width);
      const held: { t: number; v: number }[] = [];
      let now = T;
      for (let i = 0; i < 2500; i++) {
        now += Math.floor(r() * 400);
        const t = now - Math.floor(r() * 3_000); // some late, some into the last minute
        const v = Math.floor(r() * (r() < 0.3 ? 10 : 100_000));
        sc.addRec(newRec(K.ANS, t, v, 0, 'q', null, null), 1);
        held.push({ t, v });
        if (r() < 0.1) {
          for (const [wi, span] of [[0, 15 * 60_000], [1, 3_600_000]] as const) {
            const s = now - span;
            const got = sc.window(wi, s, now).p90;
            expect(got).toBe(p90Of(held.filter((x) => x.t >= s && x.t <= now).map((x) => x.v)));
          }
        }
      }
    }
  }, 60_000);
});
