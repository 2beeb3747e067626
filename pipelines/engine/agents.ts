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
  tl: StateEntry[] = [];
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
  private preO: number[] = [];
  private preT: number[] = [];
  private preTs: number[] = [];
  private preSt: number[] = [];
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

  insert(e: StateEntry): void {
    const tl = this.tl;
    let i = tl.length;
    while (i > 0 && (tl[i - 1].ts > e.ts || (tl[i - 1].ts === e.ts && tl[i - 1].id > e.id))) i--;
    if (i === tl.length) tl.push(e); else tl.splice(i, 0, e);
    this.known = true;
    if (i < this.preN) this.preN = i;
    this.updateSince();
    this.ver++;
  }

  private updateSince(): void {
    const tl = this.tl;
    const st = tl[tl.length - 1].st;
    this.state = st;
    let i = tl.length - 1;
    while (i > 0 && tl[i - 1].st === st) i--;
    // after a trim the run may start before the first entry we still hold
    if (!(i === 0 && this.sinceState === st && this.since <= tl[0].ts)) this.since = tl[i].ts;
    this.sinceState = st;
  }

  /** Occupied and staffed ms from the first known state up to `t`. */
  cum(t: number, out: Float64Array, o: number): void {
    this.ensurePrefix();
    // times and states copied into flat arrays: the search does not chase entries
    const ts = this.preTs;
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
    const st = this.preSt[i];
    out[o] = this.preO[i] + (t - ts[i]) * W_OCC[st];
    out[o + 1] = this.preT[i] + (t - ts[i]) * W_TOT[st];
  }

  private ensurePrefix(): void {
    const tl = this.tl;
    if (this.preN === tl.length) return;
    const { preO, preT, preTs, preSt } = this;
    preO.length = tl.length;
    preT.length = tl.length;
    preTs.length = tl.length;
    preSt.length = tl.length;
    for (let i = this.preN; i < tl.length; i++) {
      preTs[i] = tl[i].ts;
      preSt[i] = tl[i].st;
      if (i === 0) {
        preO[0] = 0;
        preT[0] = 0;
      } else {
        const d = tl[i].ts - tl[i - 1].ts;
        preO[i] = preO[i - 1] + d * W_OCC[tl[i - 1].st];
        preT[i] = preT[i - 1] + d * W_TOT[tl[i - 1].st];
      }
    }
    this.preN = tl.length;
  }

  /** Forgets states before `t`, keeping the one in force at `t`. */
  trim(t: number): void {
    let i = 0;
    while (i + 1 < this.tl.length && this.tl[i + 1].ts <= t) i++;
    if (i > 0) {
      this.tl.splice(0, i);
      this.preN = 0;
      this.ver++;
    }
  }

  toRow(): AgentRow {
    if (this.row && this.rowVer === this.ver) return this.row;
    const last = this.tl[this.tl.length - 1];
    this.row = {
      agent_id: this.id,
      name: this.name,
      team: this.team,
      state: AGENT_STATES[last.st],
      reason: last.reason,
      since: this.since,
      queues: this.queues.slice(),
    };
    this.rowVer = this.ver;
    return this.row;
  }
}
