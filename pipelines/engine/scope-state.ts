// Per-scope state: per-minute (agent and team scopes: per-15-minute) buckets of windowed sums, a cached sum of the whole
// minutes of each window (moved, not rebuilt, as time advances), the segments waiting
// now, the open-ticket backlog, and (queue and team scopes) the member agents.
//
// A window [s, now] = cached whole minutes [a, b) + the records of the two partial
// minutes at its edges, filtered by time. Buckets keep their records while a rolling
// window can still cut through them (last hour); older buckets keep only sums, which is
// enough for "today" because it starts at a local midnight, on a whole minute.
import {
  MIN, NF, F, K, applyRec, applySums, addAcc, countBelow, newAcc, newSums, insertSorted, removeSorted,
  WaitRanges, type Acc, type Rec,
} from './acc.ts';
import type { AgentState } from './agents.ts';
import type { ScopeKind } from './types.ts';

export interface Bucket extends Acc {
  /** w is sorted (waits are appended as they come and sorted when a reader needs it) */
  wSorted: boolean;
  /**
   * While w is not sorted: the ends of the sorted runs it begins with (runsOf), the rest
   * appended since; null when none was made.
   */
  runs: number[] | null;
  /** records of this minute, kept while a rolling window can cut through it */
  recs: Rec[] | null;
  /** earliest and latest record time ever added (bounds, not exact after a removal) */
  tmin: number;
  tmax: number;
  /** recs are in time order (they are sorted when a window edge needs it) */
  sorted: boolean;
  /** bumped whenever recs change: invalidates edge sums computed from them */
  ver: number;
  /** no longer in its scope's map (edge caches hold buckets) */
  dead: boolean;
}

export const newBucket = (recs: Rec[] | null, tmin: number, tmax: number): Bucket =>
  ({ n: newSums(), w: [], wSorted: true, runs: null, recs, tmin, tmax, sorted: false, ver: 0, dead: false });

/** Sorts a bucket's waits if some came out of order. */
export function sortWaits(b: Bucket): void {
  if (!b.wSorted) {
    b.w.sort(byValue);
    b.wSorted = true;
    b.runs = null;
  }
}

/**
 * Adds a bucket's waits to `into` as sorted runs, without sorting them all: the waits
 * appended since the last read are sorted into a run of their own, and the last two runs
 * are merged while the newer is at least half the size of the one before (so at most
 * log2(n) runs, and each wait is merged O(log n) times). The bucket `now` is in is read
 * four times a second and grows all minute (all quarter-hour for agent and team scopes):
 * sorting or copying all of its waits on every read cost the events held, not the new ones.
 */
function runsOf(b: Bucket, into: WaitRanges): void {
  const w = b.w;
  const n = w.length;
  if (b.wSorted) {
    into.add(w, 0, n);
    return;
  }
  let runs = b.runs;
  if (runs === null) runs = b.runs = [];
  const from = runs.length ? runs[runs.length - 1] : 0;
  if (from < n) {
    const tail = w.slice(from, n).sort(byValue);
    for (let i = 0; i < tail.length; i++) w[from + i] = tail[i];
    runs.push(n);
    for (let k = runs.length; k > 1; k--) {
      const e2 = runs[k - 1];
      const e1 = runs[k - 2];
      const s1 = k > 2 ? runs[k - 3] : 0;
      if (2 * (e2 - e1) < e1 - s1) break;
      mergeRuns(w, s1, e1, e2);
      runs.pop();
      runs[k - 2] = e2;
    }
    if (runs.length === 1) {
      b.wSorted = true;
      b.runs = null;
    }
  }
  let lo = 0;
  for (const e of runs) {
    into.add(w, lo, e);
    lo = e;
  }
}

/** Merges the sorted runs w[s, m) and w[m, e) in place. */
function mergeRuns(w: number[], s: number, m: number, e: number): void {
  const left = w.slice(s, m);
  let i = 0;
  let j = m;
  let k = s;
  while (i < left.length && j < e) w[k++] = left[i] <= w[j] ? left[i++] : w[j++];
  while (i < left.length) w[k++] = left[i++];
}

/** the ranges of the window being computed (its p90 is taken before window() returns) */
const RANGES = new WaitRanges();

/**
 * Sums of a window's start edge: the records of bucket `bk` at or after `s`, from index
 * `lo` of its sorted records. As `now` (and so `s`) advances, records are taken off the
 * front instead of scanning the bucket again.
 */
interface EdgeCache {
  m: number;
  bk: Bucket;
  ver: number;
  s: number;
  lo: number;
  /** time of recs[lo] (Infinity past the end): moving s up to it takes nothing off */
  next: number;
  acc: Acc;
}

const byValue = (x: number, y: number): number => x - y;

/**
 * A window's sums as last computed, reused while nothing that could change them did:
 * no record added or removed in the scope (ver), the same whole buckets and edge
 * buckets, no record passed by the start edge (s ≤ until), and an end bucket whose
 * records were all before the last `now`.
 */
export interface WindowSums {
  /** whole buckets plus edges (its waits: scratch for the records of a scanned edge) */
  acc: Acc;
  /** nearest-rank p90 of the window's known waits (ms), null when none */
  p90: number | null;
  ver: number;
  a: number;
  b: number;
  e1: number;
  s: number;
  now: number;
  endOn: boolean;
  until: number;
  reusable: boolean;
}

interface Cache {
  a: number;
  b: number;
  acc: Acc;
}

/**
 * Start times of segments waiting now, grouped by minute (each sorted) so add/remove stay
 * cheap. The minutes are a sorted array with their groups beside them, not a Map: most
 * adds land in the newest minute (checked first) and a binary search over the few dozen
 * minutes being waited in reads memory the scope already holds, where a Map lookup was
 * a cache miss (~5 % of the publisher's apply).
 */
export class OpenSet {
  count = 0;
  /** minutes holding waiting segments, ascending */
  private mins: number[] = [];
  /** the start times of mins[i], sorted */
  private byMin: number[][] = [];

  add(t: number): void {
    const m = Math.floor(t / MIN);
    const mins = this.mins;
    const n = mins.length;
    let i = n - 1;
    if (n === 0 || mins[i] !== m) {
      i = countBelow(mins, m);
      if (i === n) {
        mins.push(m);
        this.byMin.push([]);
      } else if (mins[i] !== m) {
        mins.splice(i, 0, m);
        this.byMin.splice(i, 0, []);
      }
    }
    insertSorted(this.byMin[i], t);
    this.count++;
  }

  remove(t: number): void {
    const m = Math.floor(t / MIN);
    const mins = this.mins;
    const i = countBelow(mins, m);
    if (i === mins.length || mins[i] !== m) return;
    const arr = this.byMin[i];
    const n = arr.length;
    removeSorted(arr, t);
    if (arr.length === n) return;
    this.count--;
    if (arr.length === 0) {
      mins.splice(i, 1);
      this.byMin.splice(i, 1);
    }
  }

  oldest(): number | null {
    return this.mins.length === 0 ? null : this.byMin[0][0];
  }
}

export class ScopeState {
  readonly buckets = new Map<number, Bucket>();
  /** one per window (15m, 1h, today) */
  caches: (Cache | null)[] = [null, null, null];
  private edges: (EdgeCache | null)[] = [null, null, null];
  private sums: (WindowSums | null)[] = [null, null, null];
  /** bumped on every change to the scope's records or buckets */
  private recVer = 0;
  /** set by startEdge and edge for the window being computed */
  private until = Infinity;
  private endWhole = true;
  readonly open = new OpenSet();
  backlog = 0;
  /** first-response due times of open tickets without a reply, sorted */
  readonly dues: number[] = [];
  readonly members = new Set<AgentState>();
  /** members sorted by id, for the agent board; null when membership changed */
  sortedMembers: AgentState[] | null = null;
  /** in the engine's list of scopes changed since the last takeDirty */
  dirty = false;
  /** the bucket records went to last: most land in the current one */
  private lastM = NaN;
  private lastB: Bucket | null = null;
  /**
   * Lower bounds for evict: every bucket that still holds records is at or after recLow,
   * every bucket at or after dropLow, so evict visits only the buckets it may change.
   */
  private recLow = Infinity;
  private dropLow = Infinity;

  constructor(
    readonly key: string,
    readonly kind: ScopeKind,
    readonly id: string | null,
    /** bucket width in ms: a minute for busy scopes, 15 minutes for sparse agent/team ones */
    readonly width: number = MIN,
  ) {}

  addRec(r: Rec, s: number): void {
    this.recVer++;
    const m = Math.floor(r.t / this.width);
    let b = m === this.lastM ? this.lastB : this.buckets.get(m);
    if (!b) {
      if (s < 0) return; // its minute was already evicted
      b = newBucket([], r.t, r.t);
      b.sorted = true;
      this.putBucket(m, b);
    }
    this.lastM = m;
    this.lastB = b;
    // before a record earlier than the latest one ever added, recs fall out of time order
    // (judged from tmax: reading the last record would be one more cache miss)
    const late = r.t < b.tmax;
    if (r.t < b.tmin) b.tmin = r.t;
    if (r.t > b.tmax) b.tmax = r.t;
    applySums(b.n, r, s);
    if (r.k === K.ANS && r.v >= 0) {
      const w = b.w;
      if (s > 0) {
        if (b.wSorted && w.length && w[w.length - 1] > r.v) {
          b.wSorted = false;
          b.runs = [w.length]; // what came before is one sorted run
        }
        w.push(r.v);
      } else {
        sortWaits(b);
        removeSorted(w, r.v);
      }
    }
    const recs = b.recs;
    if (recs) {
      b.ver++;
      if (s > 0) {
        if (late) b.sorted = false;
        recs.push(r);
      } else {
        const i = recs.lastIndexOf(r);
        if (i >= 0) {
          if (i !== recs.length - 1) b.sorted = false;
          recs[i] = recs[recs.length - 1];
          recs.pop();
        }
      }
    }
    if (b.n[F.NREC] <= 0) this.dropBucket(m);
    for (const c of this.caches) if (c && m >= c.a && m < c.b) applyRec(c.acc, r, s);
  }

  /** Adds (s = 1) or removes (s = −1) a whole bucket of another scope: team moves. */
  moveBucket(m: number, src: Bucket, s: number): void {
    this.recVer++;
    let b = this.buckets.get(m);
    if (!b) {
      if (s < 0) return;
      b = newBucket(src.recs ? [] : null, src.tmin, src.tmax);
      this.putBucket(m, b);
    }
    b.ver++;
    b.sorted = false;
    if (src.tmin < b.tmin) b.tmin = src.tmin;
    if (src.tmax > b.tmax) b.tmax = src.tmax;
    sortWaits(b);
    sortWaits(src);
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

  /** Adds a bucket (none at `m` yet). */
  putBucket(m: number, b: Bucket): void {
    this.buckets.set(m, b);
    if (m < this.dropLow) this.dropLow = m;
    if (b.recs && m < this.recLow) this.recLow = m;
  }

  private dropBucket(m: number): void {
    const b = this.buckets.get(m);
    if (b) b.dead = true;
    this.buckets.delete(m);
    if (m === this.lastM) {
      this.lastM = NaN;
      this.lastB = null;
    }
  }

  addMember(a: AgentState): void {
    if (this.members.has(a)) return;
    this.members.add(a);
    this.sortedMembers = null;
  }

  removeMember(a: AgentState): void {
    if (this.members.delete(a)) this.sortedMembers = null;
  }

  clearCaches(): void {
    this.recVer++;
    this.caches = [null, null, null];
    this.edges = [null, null, null];
  }

  /**
   * Sums of window `wi` = [s, now] into `out` (whose waits hold the edge buckets' waits,
   * sorted); returns the cached whole buckets' sorted waits. p90 is taken over both.
   */
  window(wi: number, s: number, now: number): WindowSums {
    const W = this.width;
    const a = Math.ceil(s / W);
    let b = Math.floor((now + 1) / W);
    // s and now in one bucket: nothing whole, the one edge is cut on both sides
    const inOne = b < a;
    if (inOne) b = a;
    const e1 = Math.floor(s / W);
    const endOn = b * W <= now;
    let o = this.sums[wi];
    if (
      o && o.reusable && o.ver === this.recVer && o.a === a && o.b === b && o.e1 === e1 &&
      o.endOn === endOn && now >= o.now && s >= o.s && s <= o.until
    ) return o;
    if (!o) {
      o = { acc: newAcc(), p90: null, ver: 0, a, b, e1, s, now, endOn, until: 0, reusable: false };
      this.sums[wi] = o;
    }
    const out = o.acc;
    this.until = Infinity;
    this.endWhole = true;
    let c = this.caches[wi];
    if (!c || c.a !== a || c.b !== b) {
      const slide = c && a >= c.a && b >= c.b && a <= c.b && a - c.a + (b - c.b) < b - a;
      c = slide ? this.slide(c!, a, b) : this.build(a, b);
      this.caches[wi] = c;
    }
    const cn = c.acc.n;
    const on = out.n;
    for (let i = 0; i < NF; i++) on[i] = cn[i];
    const w = out.w;
    w.length = 0;
    const ranges = RANGES;
    ranges.clear();
    ranges.add(c.acc.w, 0, c.acc.w.length);
    if (e1 < a) {
      if (inOne) this.edge(e1, s, now, out, ranges);
      else {
        const startW = this.startEdge(wi, e1, s, out);
        ranges.add(startW, 0, startW.length);
      }
    }
    if (endOn) this.edge(b, s, now, out, ranges);
    // waits of scanned edges
    if (w.length > 1) w.sort(byValue);
    ranges.add(w, 0, w.length);
    o.p90 = ranges.p90();
    ranges.clear();
    o.ver = this.recVer;
    o.a = a;
    o.b = b;
    o.e1 = e1;
    o.s = s;
    o.now = now;
    o.endOn = endOn;
    o.until = this.until;
    o.reusable = !inOne && this.endWhole;
    return o;
  }

  /** Adds the records of bucket `m` at or after `s` (all before `now`); returns their sorted waits. */
  private startEdge(wi: number, m: number, s: number, out: Acc): number[] {
    let e = this.edges[wi];
    const bk = e && e.m === m && !e.bk.dead ? e.bk : this.buckets.get(m);
    if (!bk) return NO_WAITS;
    const recs = bk.recs;
    if (!recs || bk.tmin >= s) {
      // records released (a `now` far in the past), or the whole bucket is inside
      this.until = recs ? bk.tmin : -Infinity;
      const n = out.n;
      for (let i = 0; i < NF; i++) n[i] += bk.n[i];
      sortWaits(bk);
      return bk.w;
    }
    if (e && e.bk === bk && e.ver === bk.ver && s >= e.s) {
      if (s > e.next) {
        let lo = e.lo;
        while (lo < recs.length && recs[lo].t < s) applyRec(e.acc, recs[lo++], -1);
        e.lo = lo;
        e.next = lo < recs.length ? recs[lo].t : Infinity;
      }
      e.s = s;
    } else {
      if (!bk.sorted) {
        recs.sort(byTime);
        bk.sorted = true;
      }
      let lo = 0;
      let hi = recs.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (recs[mid].t < s) lo = mid + 1; else hi = mid;
      }
      const acc = e ? e.acc : newAcc();
      acc.n.fill(0);
      acc.w.length = 0;
      for (let i = lo; i < recs.length; i++) sumRec(acc, recs[i]);
      if (acc.w.length > 1) acc.w.sort(byValue);
      e = { m, bk, ver: bk.ver, s, lo, next: lo < recs.length ? recs[lo].t : Infinity, acc };
      this.edges[wi] = e;
    }
    this.until = e.next;
    const n = out.n;
    const en = e.acc.n;
    for (let i = 0; i < NF; i++) n[i] += en[i];
    return e.acc.w;
  }

  /**
   * Adds the records of bucket `m` within [s, now]: the bucket's sums and its waits' sorted
   * runs when all are inside, else a scan (its waits go to out.w unsorted).
   */
  private edge(m: number, s: number, now: number, out: Acc, ranges: WaitRanges): void {
    const bk = this.buckets.get(m);
    if (!bk) return;
    const recs = bk.recs;
    // records released (only reachable for a `now` far in the past), or all of them
    // inside [s, now] (the bucket `now` is in, usually): the bucket's own sums
    if (!recs || (bk.tmin >= s && bk.tmax <= now)) {
      const n = out.n;
      for (let i = 0; i < NF; i++) n[i] += bk.n[i];
      runsOf(bk, ranges);
      return;
    }
    this.endWhole = false;
    for (const r of recs) if (r.t >= s && r.t <= now) sumRec(out, r);
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

  /**
   * Moves the cached whole buckets from [c.a, c.b) to [a, b): the buckets left behind taken
   * off and the new ones added, the waits in place from each bucket's own sorted list (a
   * new array for every slide, grown element by element, cost a multiple of the waits held).
   */
  private slide(c: Cache, a: number, b: number): Cache {
    const n = c.acc.n;
    const w = c.acc.w;
    for (let m = c.a; m < a; m++) {
      const bk = this.buckets.get(m);
      if (!bk) continue;
      for (let i = 0; i < NF; i++) n[i] -= bk.n[i];
      if (bk.w.length) {
        sortWaits(bk);
        subtractSorted(w, bk.w);
      }
    }
    for (let m = c.b; m < b; m++) {
      const bk = this.buckets.get(m);
      if (!bk) continue;
      for (let i = 0; i < NF; i++) n[i] += bk.n[i];
      if (bk.w.length) {
        sortWaits(bk);
        mergeInto(w, bk.w);
      }
    }
    c.a = a;
    c.b = b;
    return c;
  }

  /**
   * Drops buckets that end before `keepFrom` and the records of those ending before
   * `recFrom` (ms; keepFrom ≤ recFrom). Visits only the buckets between the last
   * eviction's bounds and these (or all of them, when that range is the wider).
   */
  evict(recFrom: number, keepFrom: number): void {
    const W = this.width;
    const dropEnd = Math.floor(keepFrom / W); // buckets m < dropEnd end by keepFrom
    const recEnd = Math.floor(recFrom / W);
    let changed = false;
    if (this.dropLow < dropEnd) {
      if (dropEnd - this.dropLow <= this.buckets.size) {
        for (let m = this.dropLow; m < dropEnd; m++) {
          if (this.buckets.has(m)) {
            this.dropBucket(m);
            changed = true;
          }
        }
      } else {
        for (const m of this.buckets.keys()) {
          if (m < dropEnd) {
            this.dropBucket(m);
            changed = true;
          }
        }
      }
      this.dropLow = dropEnd;
    }
    if (this.recLow < recEnd) {
      const release = (bk: Bucket | undefined) => {
        if (bk && bk.recs) {
          bk.recs = null;
          changed = true;
        }
      };
      if (recEnd - this.recLow <= this.buckets.size) {
        for (let m = this.recLow; m < recEnd; m++) release(this.buckets.get(m));
      } else {
        for (const [m, bk] of this.buckets) if (m < recEnd) release(bk);
      }
      this.recLow = recEnd;
    }
    if (changed) this.clearCaches();
  }
}

const NO_WAITS: number[] = [];
const byTime = (x: Rec, y: Rec): number => x.t - y.t;

/** applyRec(+1) with the wait pushed unsorted (the caller sorts once) */
function sumRec(acc: Acc, r: Rec): void {
  if (r.k === K.ANS) {
    const n = acc.n;
    n[F.NREC]++;
    n[F.ANS]++;
    if (r.v >= 0) {
      n[F.ANSW]++;
      n[F.WSUM] += r.v;
      acc.w.push(r.v);
    }
    if (r.f & 1) n[F.SLMET]++;
  } else applyRec(acc, r, 1);
}

/** Merges sorted `b` into sorted `a`, in place. */
function mergeInto(a: number[], b: number[]): void {
  let i = a.length - 1;
  let j = b.length - 1;
  let k = a.length + b.length - 1;
  a.length = k + 1;
  while (j >= 0) a[k--] = i >= 0 && a[i] > b[j] ? a[i--] : b[j--];
}

/** Takes the elements of sorted `b` (each present in sorted `a`) out of `a`, in place. */
function subtractSorted(a: number[], b: number[]): void {
  let i = countBelow(a, b[0]);
  let k = i;
  let j = 0;
  while (i < a.length) {
    if (j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < b.length && b[j] < a[i]) j++;
    else a[k++] = a[i++];
  }
  a.length = k;
}
