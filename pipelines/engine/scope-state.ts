// Per-scope state: per-minute (agent and team scopes: per-15-minute) buckets of windowed sums, a cached sum of the whole
// minutes of each window (moved, not rebuilt, as time advances), the segments waiting
// now, the open-ticket backlog, and (queue and team scopes) the member agents.
//
// A window [s, now] = cached whole minutes [a, b) + the records of the two partial
// minutes at its edges, filtered by time. Buckets keep their records while a rolling
// window can still cut through them (last hour); older buckets keep only sums, which is
// enough for "today" because it starts at a local midnight, on a whole minute.
import {
  MIN, NF, F, applyRec, addAcc, newAcc, insertSorted, removeSorted, combineSorted,
  type Acc, type Rec,
} from './acc.ts';
import type { AgentState } from './agents.ts';
import type { ScopeKind } from './types.ts';

export interface Bucket extends Acc {
  /** records of this minute, kept while a rolling window can cut through it */
  recs: Rec[] | null;
}

interface Cache {
  a: number;
  b: number;
  acc: Acc;
}

/** Start times of segments waiting now, grouped by minute so add/remove stay cheap. */
export class OpenSet {
  count = 0;
  private byMin = new Map<number, number[]>();
  private mins: number[] = [];

  add(t: number): void {
    const m = Math.floor(t / MIN);
    let arr = this.byMin.get(m);
    if (!arr) {
      arr = [];
      this.byMin.set(m, arr);
      insertSorted(this.mins, m);
    }
    arr.push(t);
    this.count++;
  }

  remove(t: number): void {
    const m = Math.floor(t / MIN);
    const arr = this.byMin.get(m);
    if (!arr) return;
    const i = arr.indexOf(t);
    if (i < 0) return;
    arr[i] = arr[arr.length - 1];
    arr.pop();
    this.count--;
    if (arr.length === 0) {
      this.byMin.delete(m);
      removeSorted(this.mins, m);
    }
  }

  oldest(): number | null {
    if (this.mins.length === 0) return null;
    const arr = this.byMin.get(this.mins[0])!;
    let min = arr[0];
    for (let i = 1; i < arr.length; i++) if (arr[i] < min) min = arr[i];
    return min;
  }
}

export class ScopeState {
  readonly buckets = new Map<number, Bucket>();
  /** one per window (15m, 1h, today) */
  caches: (Cache | null)[] = [null, null, null];
  readonly open = new OpenSet();
  backlog = 0;
  /** first-response due times of open tickets without a reply, sorted */
  readonly dues: number[] = [];
  readonly members = new Set<AgentState>();
  /** in the engine's list of scopes changed since the last takeDirty */
  dirty = false;
  /** the bucket records went to last: most land in the current one */
  private lastM = NaN;
  private lastB: Bucket | null = null;

  constructor(
    readonly key: string,
    readonly kind: ScopeKind,
    readonly id: string | null,
    /** bucket width in ms: a minute for busy scopes, 15 minutes for sparse agent/team ones */
    readonly width: number = MIN,
  ) {}

  addRec(r: Rec, s: number): void {
    const m = Math.floor(r.t / this.width);
    let b = m === this.lastM ? this.lastB : this.buckets.get(m);
    if (!b) {
      if (s < 0) return; // its minute was already evicted
      b = { n: new Float64Array(NF), w: [], recs: [] };
      this.buckets.set(m, b);
    }
    this.lastM = m;
    this.lastB = b;
    applyRec(b, r, s);
    if (b.recs) {
      if (s > 0) b.recs.push(r);
      else {
        const i = b.recs.lastIndexOf(r);
        if (i >= 0) {
          b.recs[i] = b.recs[b.recs.length - 1];
          b.recs.pop();
        }
      }
    }
    if (b.n[F.NREC] <= 0) this.dropBucket(m);
    for (const c of this.caches) if (c && m >= c.a && m < c.b) applyRec(c.acc, r, s);
  }

  /** Adds (s = 1) or removes (s = −1) a whole bucket of another scope: team moves. */
  moveBucket(m: number, src: Bucket, s: number): void {
    let b = this.buckets.get(m);
    if (!b) {
      if (s < 0) return;
      b = { n: new Float64Array(NF), w: [], recs: src.recs ? [] : null };
      this.buckets.set(m, b);
    }
    addAcc(b, src, s);
    if (b.recs && src.recs) {
      if (s > 0) for (const r of src.recs) b.recs.push(r);
      else {
        const gone = new Set(src.recs);
        b.recs = b.recs.filter((r) => !gone.has(r));
      }
    }
    if (b.n[F.NREC] <= 0) this.dropBucket(m);
  }

  private dropBucket(m: number): void {
    this.buckets.delete(m);
    if (m === this.lastM) {
      this.lastM = NaN;
      this.lastB = null;
    }
  }

  clearCaches(): void {
    this.caches = [null, null, null];
  }

  /**
   * Sums of window `wi` = [s, now] into `out` (whose waits hold the edge minutes' waits,
   * sorted); returns the cached whole minutes' sorted waits. p90 is taken over both.
   */
  window(wi: number, s: number, now: number, out: Acc): number[] {
    const W = this.width;
    const a = Math.ceil(s / W);
    let b = Math.floor((now + 1) / W);
    if (b < a) b = a;
    let c = this.caches[wi];
    if (!c || c.a !== a || c.b !== b) {
      const slide = c && a >= c.a && b >= c.b && a <= c.b && a - c.a + (b - c.b) < b - a;
      c = slide ? this.slide(c!, a, b) : this.build(a, b);
      this.caches[wi] = c;
    }
    out.n.set(c.acc.n);
    out.w.length = 0;
    const e1 = Math.floor(s / W);
    if (e1 < a) this.edge(e1, s, now, out);
    if (b * W <= now) this.edge(b, s, now, out);
    return c.acc.w;
  }

  private edge(m: number, s: number, now: number, out: Acc): void {
    const bk = this.buckets.get(m);
    if (!bk) return;
    if (!bk.recs) {
      addAcc(out, bk, 1); // records already released: only reachable for a `now` far in the past
      return;
    }
    for (const r of bk.recs) if (r.t >= s && r.t <= now) applyRec(out, r, 1);
  }

  private build(a: number, b: number): Cache {
    const acc = newAcc();
    const waits: number[] = [];
    const take = (bk: Bucket) => {
      for (let i = 0; i < NF; i++) acc.n[i] += bk.n[i];
      for (const w of bk.w) waits.push(w);
    };
    if (b - a <= this.buckets.size) {
      for (let m = a; m < b; m++) {
        const bk = this.buckets.get(m);
        if (bk) take(bk);
      }
    } else {
      for (const [m, bk] of this.buckets) if (m >= a && m < b) take(bk);
    }
    acc.w = waits.sort((x, y) => x - y);
    return { a, b, acc };
  }

  private slide(c: Cache, a: number, b: number): Cache {
    const gone: number[] = [];
    const come: number[] = [];
    const n = c.acc.n;
    for (let m = c.a; m < a; m++) {
      const bk = this.buckets.get(m);
      if (!bk) continue;
      for (let i = 0; i < NF; i++) n[i] -= bk.n[i];
      for (const w of bk.w) gone.push(w);
    }
    for (let m = c.b; m < b; m++) {
      const bk = this.buckets.get(m);
      if (!bk) continue;
      for (let i = 0; i < NF; i++) n[i] += bk.n[i];
      for (const w of bk.w) come.push(w);
    }
    let w = c.acc.w;
    if (gone.length) w = combineSorted(w, gone.sort((x, y) => x - y), -1);
    if (come.length) w = combineSorted(w, come.sort((x, y) => x - y), 1);
    c.acc.w = w;
    c.a = a;
    c.b = b;
    return c;
  }

  /** Drops buckets that end before `keepFrom` and the records of those ending before `recFrom` (ms). */
  evict(recFrom: number, keepFrom: number): void {
    const W = this.width;
    for (const [m, bk] of this.buckets) {
      if ((m + 1) * W <= keepFrom) this.dropBucket(m);
      else if ((m + 1) * W <= recFrom) bk.recs = null;
    }
    this.clearCaches();
  }
}
