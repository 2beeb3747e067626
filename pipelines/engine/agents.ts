// One agent: its latest name/team/queues (latest by event time, then id, so arrival
// order does not matter) and its state timeline with prefix sums, so the time spent
// occupied in any window is two binary searches.
import { AGENT_STATES } from '../events/schema.ts';
import type { ScopeState } from './scope-state.ts';
import type { AgentRow } from './types.ts';

const STATE_CODE: Record<string, number> = Object.fromEntries(AGENT_STATES.map((s, i) => [s, i]));

/** Index of a state in AGENT_STATES (a switch: a keyed lookup with five names is megamorphic). */
export function stateCode(s: string): number {
  switch (s) {
    case 'available': return 0;
    case 'busy': return 1;
    case 'wrap_up': return 2;
    case 'away': return 3;
    case 'offline': return 4;
    default: return STATE_CODE[s];
  }
}
for (const [s, i] of Object.entries(STATE_CODE)) if (stateCode(s) !== i) throw new Error(`stateCode out of step with AGENT_STATES at ${s}`);
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
   * State timeline in (ts, id) order, as two arrays of pairs: [ts, state code, ...] and
   * [event id, reason, ...]. No object per state change (an agent changes state a few
   * hundred times a day), two arrays to touch per insert, and the occupancy search reads
   * the flat times and states directly.
   */
  private readonly tlT: number[] = [];
  private readonly tlI: (string | null)[] = [];
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
    return this.tlT.length >> 1;
  }

  /** (ts, id) comes after the latest state held (true when none is held) */
  isLatest(ts: number, id: string): boolean {
    const n = this.tlT.length;
    if (n === 0) return true;
    const lt = this.tlT[n - 2];
    return ts > lt || (ts === lt && id > this.tlI[n - 2]!);
  }

  insert(ts: number, id: string, st: number, reason: string | null): void {
    const T = this.tlT;
    const I = this.tlI;
    const n = T.length >> 1;
    let i = n;
    while (i > 0 && (T[2 * i - 2] > ts || (T[2 * i - 2] === ts && I[2 * i - 2]! > id))) i--;
    // appending the state in force continues its run: `since` stays (updateSince walks
    // back over the run, which grew with every repeat of the same state)
    const same = i === n && n > 0 && T[2 * n - 1] === st && this.sinceState === st;
    if (i === n) {
      T.push(ts, st);
      I.push(id, reason);
    } else {
      T.splice(2 * i, 0, ts, st);
      I.splice(2 * i, 0, id, reason);
    }
    this.known = true;
    if (i < this.preN) this.preN = i;
    if (!same) this.updateSince();
    this.ver++;
  }

  private updateSince(): void {
    const T = this.tlT;
    const last = (T.length >> 1) - 1;
    const st = T[2 * last + 1];
    this.state = st;
    let i = last;
    while (i > 0 && T[2 * i - 1] === st) i--;
    // after a trim the run may start before the first entry we still hold
    if (!(i === 0 && this.sinceState === st && this.since <= T[0])) this.since = T[2 * i];
    this.sinceState = st;
  }

  /** Occupied and staffed ms from the first known state up to `t`. */
  cum(t: number, out: Float64Array, o: number): void {
    this.ensurePrefix();
    const T = this.tlT;
    let lo = 0;
    let hi = T.length >> 1;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (T[2 * m] <= t) lo = m + 1; else hi = m;
    }
    const i = lo - 1;
    if (i < 0) {
      out[o] = 0;
      out[o + 1] = 0;
      return;
    }
    const st = T[2 * i + 1];
    const d = t - T[2 * i];
    out[o] = this.preO[i] + d * W_OCC[st];
    out[o + 1] = this.preT[i] + d * W_TOT[st];
  }

  private ensurePrefix(): void {
    const T = this.tlT;
    const n = T.length >> 1;
    if (this.preN === n) return;
    const { preO, preT } = this;
    preO.length = n;
    preT.length = n;
    for (let i = this.preN; i < n; i++) {
      if (i === 0) {
        preO[0] = 0;
        preT[0] = 0;
      } else {
        const d = T[2 * i] - T[2 * i - 2];
        const st = T[2 * i - 1];
        preO[i] = preO[i - 1] + d * W_OCC[st];
        preT[i] = preT[i - 1] + d * W_TOT[st];
      }
    }
    this.preN = n;
  }

  /** Forgets states before `t`, keeping the one in force at `t`. */
  trim(t: number): void {
    const T = this.tlT;
    const n = T.length >> 1;
    let i = 0;
    while (i + 1 < n && T[2 * i + 2] <= t) i++;
    if (i > 0) {
      T.splice(0, 2 * i);
      this.tlI.splice(0, 2 * i);
      this.preN = 0;
      this.ver++;
    }
  }

  /** The timeline as entries, for the saved state. */
  entries(): StateEntry[] {
    const out: StateEntry[] = [];
    const T = this.tlT;
    const I = this.tlI;
    for (let i = 0; i < T.length; i += 2) out.push({ ts: T[i], id: I[i]!, st: T[i + 1], reason: I[i + 1] });
    return out;
  }

  toRow(): AgentRow {
    if (this.row && this.rowVer === this.ver) return this.row;
    const last = this.tlT.length - 2;
    this.row = {
      agent_id: this.id,
      name: this.name,
      team: this.team,
      state: AGENT_STATES[this.tlT[last + 1]],
      reason: this.tlI[last + 1],
      since: this.since,
      queues: this.queues.slice(),
    };
    this.rowVer = this.ver;
    return this.row;
  }
}
