// Mergeable sums behind every windowed KPI. A record ("rec") is one outcome at one
// instant (an arrival, an answer, a wrap, a survey score, a ticket step); a bucket, a
// cached window and an edge scan all hold the same Acc, so adding, removing and
// merging are one code path. Sums are of integer milliseconds or scores, so adding and
// later removing a record is exact (no floating drift).
import type { AgentState } from './agents.ts';
import type { ScopeState } from './scope-state.ts';

export const MIN = 60_000;

/** Record kinds. */
export const K = { ARR: 0, ANS: 1, ABN: 2, WRAP: 3, CSAT: 4, NPS: 5, CES: 6, TCR: 7, TSO: 8, FRT: 9 } as const;

/** Field offsets in Acc.n */
export const F = {
  ARR: 0, ANS: 1, ANSW: 2, WSUM: 3, SLMET: 4, ABN: 5, ABNS: 6, HN: 7, HSUM: 8, FCRD: 9, FCRN: 10,
  CSN: 11, CSTOP: 12, CSSUM: 13, NPN: 14, NPPRO: 15, NPDET: 16, CEN: 17, CESUM: 18,
  TC: 19, TS: 20, FRN: 21, FRSUM: 22, NREC: 23,
} as const;
export const NF = 24;

/** One outcome at one instant. Made unbound by derive.ts; the engine binds its scopes. */
export interface Rec {
  k: number;
  t: number;
  /** wait / handle / frt in ms (−1 when unknown), or a survey score */
  v: number;
  /** ANS: 1 = within SL threshold; ABN: 1 = short; WRAP: 0 no `resolved`, 1 false, 2 true */
  f: number;
  q: string | null;
  ch: string | null;
  ag: string | null;
  /** all / queue / channel scopes (a shared array: never mutated) */
  sc: readonly ScopeState[];
  /** the agent (its own scope and current team are resolved when applied) */
  agent: AgentState | null;
  /** a contact's record before this one (the contact keeps only its last) */
  prev: Rec | null;
}

const UNBOUND: readonly ScopeState[] = [];

export const newRec = (k: number, t: number, v: number, f: number, q: string | null, ch: string | null, ag: string | null): Rec =>
  ({ k, t, v, f, q, ch, ag, sc: UNBOUND, agent: null, prev: null });

export const sameRec = (a: Rec, b: Rec): boolean =>
  a.k === b.k && a.t === b.t && a.v === b.v && a.f === b.f && a.q === b.q && a.ch === b.ch && a.ag === b.ag;

export interface Acc {
  /** NF sums; always made by newSums (one elements kind: accesses stay monomorphic) */
  n: number[];
  /** known waits of answered segments, ms, sorted ascending */
  w: number[];
}

/**
 * Zeroed sums as a plain array of doubles. A Float64Array of NF (192 bytes) is too large
 * for V8's on-heap typed arrays: its store is allocated and freed outside the JS heap,
 * which cost ~1 µs per bucket made and extra work in every GC.
 */
const ZERO_SUMS: number[] = Array.from({ length: NF }, () => 0.5).fill(0);
export const newSums = (): number[] => ZERO_SUMS.slice();

export const newAcc = (): Acc => ({ n: newSums(), w: [] });

/** below this many elements to move, a loop: splice allocates the array it returns */
const SHIFT_LOOP = 64;

/** How many elements of sorted `a` are below `v`: the first index holding `v` or more. */
export function countBelow(a: number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] < v) lo = m + 1; else hi = m;
  }
  return lo;
}

export function insertSorted(a: number[], v: number): void {
  const n = a.length;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] <= v) lo = m + 1; else hi = m;
  }
  if (lo === n) a.push(v);
  else if (n - lo <= SHIFT_LOOP) {
    a.push(a[n - 1]);
    for (let i = n - 1; i > lo; i--) a[i] = a[i - 1];
    a[lo] = v;
  } else a.splice(lo, 0, v);
}

export function removeSorted(a: number[], v: number): void {
  const n = a.length;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] < v) lo = m + 1; else hi = m;
  }
  if (lo < n && a[lo] === v) {
    if (n - lo <= SHIFT_LOOP) {
      for (let i = lo + 1; i < n; i++) a[i - 1] = a[i];
      a.pop();
    } else a.splice(lo, 1);
  }
}

/** A contact's records in order, from its last one. */
export function recList(tail: Rec | null): Rec[] {
  const out: Rec[] = [];
  for (let r = tail; r !== null; r = r.prev) out.push(r);
  return out.reverse();
}

/** Links records into a list in their order; returns the last (null when none). */
export function linkRecs(recs: readonly Rec[]): Rec | null {
  let tail: Rec | null = null;
  for (const r of recs) {
    r.prev = tail;
    tail = r;
  }
  return tail;
}

/** Sorted merge (sign 1) or multiset difference (sign −1) of two sorted arrays. */
export function combineSorted(a: number[], b: number[], sign: number): number[] {
  if (b.length === 0) return a;
  if (sign > 0 && a.length === 0) return b.slice();
  const out: number[] = [];
  let i = 0;
  let j = 0;
  if (sign > 0) {
    while (i < a.length && j < b.length) out.push(a[i] <= b[j] ? a[i++] : b[j++]);
    while (i < a.length) out.push(a[i++]);
    while (j < b.length) out.push(b[j++]);
  } else {
    while (i < a.length) {
      if (j < b.length && a[i] === b[j]) { i++; j++; continue; }
      if (j < b.length && b[j] < a[i]) { j++; continue; }
      out.push(a[i++]);
    }
  }
  return out;
}

export function applyRec(acc: Acc, r: Rec, s: number): void {
  applySums(acc.n, r, s);
  if (r.k === K.ANS && r.v >= 0) {
    if (s > 0) insertSorted(acc.w, r.v); else removeSorted(acc.w, r.v);
  }
}

/** applyRec without the wait list (buckets keep theirs unsorted until read) */
export function applySums(n: number[], r: Rec, s: number): void {
  n[F.NREC] += s;
  switch (r.k) {
    case K.ARR: n[F.ARR] += s; break;
    case K.ANS:
      n[F.ANS] += s;
      if (r.v >= 0) {
        n[F.ANSW] += s;
        n[F.WSUM] += s * r.v;
      }
      if (r.f & 1) n[F.SLMET] += s;
      break;
    case K.ABN:
      n[F.ABN] += s;
      if (r.f & 1) n[F.ABNS] += s;
      break;
    case K.WRAP:
      n[F.HN] += s;
      n[F.HSUM] += s * r.v;
      if (r.f) {
        n[F.FCRD] += s;
        if (r.f === 2) n[F.FCRN] += s;
      }
      break;
    case K.CSAT:
      n[F.CSN] += s;
      n[F.CSSUM] += s * r.v;
      if (r.v >= 4) n[F.CSTOP] += s;
      break;
    case K.NPS:
      n[F.NPN] += s;
      if (r.v >= 9) n[F.NPPRO] += s;
      else if (r.v <= 6) n[F.NPDET] += s;
      break;
    case K.CES: n[F.CEN] += s; n[F.CESUM] += s * r.v; break;
    case K.TCR: n[F.TC] += s; break;
    case K.TSO: n[F.TS] += s; break;
    case K.FRT: n[F.FRN] += s; n[F.FRSUM] += s * r.v; break;
  }
}

/** acc += sign · other (sums and waits). */
export function addAcc(acc: Acc, other: Acc, sign: number): void {
  const n = acc.n;
  const o = other.n;
  for (let i = 0; i < NF; i++) n[i] += sign * o[i];
  if (other.w.length) acc.w = combineSorted(acc.w, other.w, sign);
}

/**
 * Sorted ranges of wait lists whose union a p90 is taken over, without merging them: a
 * window's cached whole buckets, its start edge and the sorted runs of its end bucket
 * (see runsOf in scope-state.ts). Merging cost the size of the lists on every read.
 */
export class WaitRanges {
  private arrs: number[][] = [];
  private lo: number[] = [];
  private hi: number[] = [];
  private pos: number[] = [];
  private m = 0;
  private total = 0;

  clear(): void {
    for (let i = 0; i < this.m; i++) this.arrs[i] = NO_LIST;
    this.m = 0;
    this.total = 0;
  }

  add(a: number[], lo: number, hi: number): void {
    if (hi <= lo) return;
    const i = this.m++;
    this.arrs[i] = a;
    this.lo[i] = lo;
    this.hi[i] = hi;
    this.total += hi - lo;
  }

  /** 90th percentile, nearest rank, of the union (ms); null when empty. */
  p90(): number | null {
    const n = this.total;
    if (n === 0) return null;
    return this.kth(Math.ceil((9 * n) / 10));
  }

  /**
   * k-th smallest (1-based) of the union. Each step takes ⌊k / ranges left⌋ elements off
   * the front of the range whose last such element is the smallest: fewer than k elements
   * are below any of them, so all are among the k smallest.
   */
  kth(k: number): number {
    const { arrs, hi, pos } = this;
    const m = this.m;
    for (let i = 0; i < m; i++) pos[i] = this.lo[i];
    let live = m; // add() keeps no empty range
    let top = -Infinity;
    for (;;) {
      const step = Math.max(1, Math.floor(k / live));
      let j = -1;
      let v = Infinity;
      let t = 0;
      for (let i = 0; i < m; i++) {
        const left = hi[i] - pos[i];
        if (left <= 0) continue;
        const ti = left < step ? left : step;
        const x = arrs[i][pos[i] + ti - 1];
        if (j < 0 || x < v) {
          j = i;
          v = x;
          t = ti;
        }
      }
      if (live === 1) return arrs[j][pos[j] + k - 1];
      pos[j] += t;
      if (v > top) top = v;
      k -= t;
      if (k === 0) return top;
      if (pos[j] === hi[j]) live--;
    }
  }
}
const NO_LIST: number[] = [];
