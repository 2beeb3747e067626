// One agent: its latest name/team/queues (latest by event time, then id, so arrival
// order does not matter) and its state timeline with prefix sums, so the time spent
// occupied in any window is two binary searches.
import { AGENT_STATES } from '../events/schema.ts';
import type { ScopeState } from './scope-state.ts';
import type { AgentRow } from './types.ts';

export const STATE_CODE: Record<string, number> = Object.fromEntries(AGENT_STATES.map((s, i) => [s, i]));
/** occupied (busy, wrap_up) and staffed (available, busy, wrap_up), by state code */
const W_OCC = [0, 1, 1, 0, 0];
const W_TOT = [1, 1, 1, 0, 0];

export interface StateEntry {
  ts: number;
  id: string;
  st: number;
  reason: string | null;
}

/** Event (ts, id) comes after (ts2, id2): the total order used for "latest". */
export const later = (ts: number, id: string, at: [number, string] | null): boolean =>
  !at || ts > at[0] || (ts === at[0] && id > at[1]);

export class AgentState {
  name: string | null = null;
  nameAt: [number, string] | null = null;
  team: string | null = null;
  teamAt: [number, string] | null = null;
  queues: string[] = [];
  queuesAt: [number, string] | null = null;
  /**
   * State timeline in (ts, id) order, as parallel arrays: no object per state change
   * (an agent changes state a few hundred times a day), and the occupancy search reads
   * the flat times and states directly.
   */
  readonly tlTs: number[] = [];
  readonly tlId: string[] = [];
  readonly tlSt: number[] = [];
  readonly tlReason: (string | null)[] = [];
  since = 0;
  /** code of the latest state (valid when known) */
  state = 0;
  /** the scopes this agent's changes dirty (its own, its queues, its team): set by the engine */
  scopes: ScopeState[] = [];
  /** its own scope and its current team's: set by the engine */
  own: ScopeState | null = null;
  teamScope: ScopeState | null = null;
  private sinceState = -1;
  /** bumped on every change: invalidates the row and the occupancy memo */
  ver = 0;
  /** occupied and staffed ms from the first state to each state's start, valid below preN */
  private readonly preO: number[] = [];
  private readonly preT: number[] = [];
  private preN = 0;
  private row: AgentRow | null = null;
  private rowVer = -1;
  memoNow = NaN;
  memoDay = NaN;
  memoVer = -1;
  readonly memo = new Float64Array(6);

  constructor(readonly id: string) {}

  /** has a state (trim never empties the timeline) */
  known = false;

  /** number of states held */
  get size(): number {
    return this.tlTs.length;
  }

  /** (ts, id) comes after the latest state held (true when none is held) */
  isLatest(ts: number, id: string): boolean {
    const n = this.tlTs.length;
    if (n === 0) return true;
    const lt = this.tlTs[n - 1];
    return ts > lt || (ts === lt && id > this.tlId[n - 1]);
  }

  insert(ts: number, id: string, st: number, reason: string | null): void {
    const { tlTs, tlId, tlSt, tlReason } = this;
    let i = tlTs.length;
    while (i > 0 && (tlTs[i - 1] > ts || (tlTs[i - 1] === ts && tlId[i - 1] > id))) i--;
    if (i === tlTs.length) {
      tlTs.push(ts);
      tlId.push(id);
      tlSt.push(st);
      tlReason.push(reason);
    } else {
      tlTs.splice(i, 0, ts);
      tlId.splice(i, 0, id);
      tlSt.splice(i, 0, st);
      tlReason.splice(i, 0, reason);
    }
    this.known = true;
    if (i < this.preN) this.preN = i;
    this.updateSince();
    this.ver++;
  }

  private updateSince(): void {
    const sts = this.tlSt;
    const last = sts.length - 1;
    const st = sts[last];
    this.state = st;
    let i = last;
    while (i > 0 && sts[i - 1] === st) i--;
    // after a trim the run may start before the first entry we still hold
    if (!(i === 0 && this.sinceState === st && this.since <= this.tlTs[0])) this.since = this.tlTs[i];
    this.sinceState = st;
  }

  /** Occupied and staffed ms from the first known state up to `t`. */
  cum(t: number, out: Float64Array, o: number): void {
    this.ensurePrefix();
    const ts = this.tlTs;
    let lo = 0;
    let hi = ts.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (ts[m] <= t) lo = m + 1; else hi = m;
    }
    const i = lo - 1;
    if (i < 0) {
      out[o] = 0;
      out[o + 1] = 0;
      return;
    }
    const st = this.tlSt[i];
    out[o] = this.preO[i] + (t - ts[i]) * W_OCC[st];
    out[o + 1] = this.preT[i] + (t - ts[i]) * W_TOT[st];
  }

  private ensurePrefix(): void {
    const ts = this.tlTs;
    const sts = this.tlSt;
    const n = ts.length;
    if (this.preN === n) return;
    const { preO, preT } = this;
    preO.length = n;
    preT.length = n;
    for (let i = this.preN; i < n; i++) {
      if (i === 0) {
        preO[0] = 0;
        preT[0] = 0;
      } else {
        const d = ts[i] - ts[i - 1];
        preO[i] = preO[i - 1] + d * W_OCC[sts[i - 1]];
        preT[i] = preT[i - 1] + d * W_TOT[sts[i - 1]];
      }
    }
    this.preN = n;
  }

  /** Forgets states before `t`, keeping the one in force at `t`. */
  trim(t: number): void {
    const ts = this.tlTs;
    let i = 0;
    while (i + 1 < ts.length && ts[i + 1] <= t) i++;
    if (i > 0) {
      ts.splice(0, i);
      this.tlId.splice(0, i);
      this.tlSt.splice(0, i);
      this.tlReason.splice(0, i);
      this.preN = 0;
      this.ver++;
    }
  }

  /** The timeline as entries, for the saved state. */
  entries(): StateEntry[] {
    const out: StateEntry[] = [];
    for (let i = 0; i < this.tlTs.length; i++) out.push({ ts: this.tlTs[i], id: this.tlId[i], st: this.tlSt[i], reason: this.tlReason[i] });
    return out;
  }

  toRow(): AgentRow {
    if (this.row && this.rowVer === this.ver) return this.row;
    const last = this.tlTs.length - 1;
    this.row = {
      agent_id: this.id,
      name: this.name,
      team: this.team,
      state: AGENT_STATES[this.tlSt[last]],
      reason: this.tlReason[last],
      since: this.since,
      queues: this.queues.slice(),
    };
    this.rowVer = this.ver;
    return this.row;
  }
}
