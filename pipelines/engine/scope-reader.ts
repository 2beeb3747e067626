// Reads a tenant's state into Metrics and snapshots at a given `now`. Per snapshot, each
// window's sums are computed once (staffing reuses the 15-minute and 1-hour ones) and
// the member agents are visited once for all three windows; member lists are kept
// sorted by id between snapshots, and each agent's occupancy is memoised per `now`.
import { F, countBelow, newAcc, type Acc } from './acc.ts';
import type { AgentState } from './agents.ts';
import { agentsRequired } from './erlang.ts';
import { buildMetrics, type ScopeExtras } from './metrics.ts';
import type { ScopeState } from './scope-state.ts';
import type { AgentCounts, AgentRow, Metrics, QueuePolicy, ScopeSnapshot } from './types.ts';

/** What the reader needs of the engine. */
export interface ReaderSource {
  readonly tenant: string;
  readonly agents: Map<string, AgentState>;
  policy(queue: string): QueuePolicy;
  queueScopes(): Iterable<ScopeState>;
}

const MIN = 60_000;
const HOUR = 3_600_000;
const EMPTY = newAcc();
const byId = (x: AgentState, y: AgentState): number => (x.id < y.id ? -1 : 1);

export class ScopeReader {
  /** the sums of each window of the scope being read (owned by the scope) */
  private readonly accs: Acc[] = [EMPTY, EMPTY, EMPTY];
  private readonly p90s: (number | null)[] = [null, null, null];
  private readonly starts = [0, 0, 0];
  private readonly codes = [0, 0, 0, 0, 0];
  /** occupied, staffed ms per window, of the scope's agents */
  private readonly occ = new Float64Array(6);
  private readonly tmp = new Float64Array(4);
  private allSorted: AgentState[] = [];

  constructor(
    private readonly src: ReaderSource,
    private readonly dayStart: (now: number) => number,
  ) {}

  private setStarts(now: number): void {
    this.starts[0] = now - 15 * MIN;
    this.starts[1] = now - HOUR;
    this.starts[2] = this.dayStart(now);
  }

  /** KPIs of one scope and window. */
  metrics(sc: ScopeState, wi: number, now: number): Metrics {
    this.setStarts(now);
    this.fill(sc, wi, now);
    let staff: number | null | undefined;
    if (sc.kind === 'queue') {
      for (let w = 0; w < 2; w++) if (w !== wi) this.fill(sc, w, now);
      staff = this.staffing(sc);
    }
    const agents = this.visitAgents(sc, now) ? this.counts() : null;
    return this.build(sc, wi, now, staff, agents);
  }

  /** Every window and the agent board of one scope. */
  snapshot(sc: ScopeState, now: number, sameNow = false): ScopeSnapshot {
    if (!sameNow) this.setStarts(now);
    for (let w = 0; w < 3; w++) this.fill(sc, w, now);
    const staff = sc.kind === 'queue' ? this.staffing(sc) : undefined;
    // one AgentCounts for the three windows: it is the same for all of them
    const agents = this.visitAgents(sc, now) ? this.counts() : null;
    const snap: ScopeSnapshot = {
      tenant: this.src.tenant,
      scope: sc.key,
      at: now,
      windows: {
        '15m': this.build(sc, 0, now, staff, agents),
        '1h': this.build(sc, 1, now, staff, agents),
        today: this.build(sc, 2, now, staff, agents),
      },
    };
    if (sc.kind !== 'channel') {
      const rows: AgentRow[] = [];
      for (const a of this.sorted(sc)) if (a.known) rows.push(a.toRow());
      snap.agents = rows;
    }
    return snap;
  }

  private fill(sc: ScopeState, wi: number, now: number): void {
    const w = sc.window(wi, this.starts[wi], now);
    this.accs[wi] = w.acc;
    this.p90s[wi] = w.p90;
  }

  /** λ from the 15-minute arrivals, AHT from the last hour (300 s when none). */
  private staffing(sc: ScopeState): number | null {
    const arrivals = this.accs[0].n[F.ARR];
    if (arrivals <= 0) return null;
    const h = this.accs[1].n;
    const ahtS = h[F.HN] > 0 ? h[F.HSUM] / h[F.HN] / 1000 : 300;
    const p = this.src.policy(sc.id!);
    return agentsRequired({ arrivalsPerS: arrivals / 900, ahtS, thresholdS: p.sl_threshold_s, target: p.sl_target });
  }

  /** Agent states counted and occupancy summed once for all windows; false: no agents KPIs. */
  private visitAgents(sc: ScopeState, now: number): boolean {
    if (sc.kind === 'channel') return false;
    this.codes.fill(0);
    this.occ.fill(0);
    if (sc.kind === 'agent') {
      const a = this.src.agents.get(sc.id!);
      if (a) this.visit(a, now);
    } else for (const a of sc.kind === 'all' ? this.src.agents.values() : sc.members) this.visit(a, now);
    return true;
  }

  private visit(a: AgentState, now: number): void {
    if (!a.known) return;
    this.codes[a.state]++;
    if (a.memoNow !== now || a.memoDay !== this.starts[2] || a.memoVer !== a.ver) this.fillOccupancy(a, now);
    const occ = this.occ;
    const m = a.memo;
    for (let i = 0; i < 6; i++) occ[i] += m[i];
  }

  private fillOccupancy(a: AgentState, now: number): void {
    const tmp = this.tmp;
    a.cum(now, tmp, 0);
    for (let w = 0; w < 3; w++) {
      a.cum(Math.min(this.starts[w], now), tmp, 2);
      a.memo[w * 2] = tmp[0] - tmp[2];
      a.memo[w * 2 + 1] = tmp[1] - tmp[3];
    }
    a.memoNow = now;
    a.memoDay = this.starts[2];
    a.memoVer = a.ver;
  }

  private readonly x: ScopeExtras = {
    waiting: 0, oldest: null, backlog: 0, breached: 0, agents: null, occO: 0, occT: 0, agentsRequired: undefined,
  };

  private counts(): AgentCounts {
    const c = this.codes;
    return { available: c[0], busy: c[1], wrap_up: c[2], away: c[3], offline: c[4] };
  }

  private build(sc: ScopeState, wi: number, now: number, staff: number | null | undefined, agents: AgentCounts | null): Metrics {
    const x = this.x;
    if (sc.kind !== 'agent' && sc.kind !== 'team') {
      // "now" KPIs of contacts and tickets: agent and team scopes do not show them
      if (sc.kind === 'all') this.waitingOfAll();
      else {
        x.waiting = sc.open.count;
        x.oldest = sc.open.oldest();
      }
      x.backlog = sc.backlog;
      x.breached = countBelow(sc.dues, now);
    }
    x.agents = agents;
    x.occO = this.occ[wi * 2];
    x.occT = this.occ[wi * 2 + 1];
    x.agentsRequired = staff;
    return buildMetrics(sc.kind, this.accs[wi], this.p90s[wi], now, x);
  }

  /** Every waiting segment is in exactly one queue scope: the all scope sums them. */
  private waitingOfAll(): void {
    let n = 0;
    let oldest: number | null = null;
    for (const q of this.src.queueScopes()) {
      if (q.open.count === 0) continue;
      n += q.open.count;
      const o = q.open.oldest()!;
      if (oldest === null || o < oldest) oldest = o;
    }
    this.x.waiting = n;
    this.x.oldest = oldest;
  }

  /** The scope's agents sorted by id, re-sorted only when its membership changed. */
  private sorted(sc: ScopeState): readonly AgentState[] {
    switch (sc.kind) {
      case 'all':
        if (this.allSorted.length !== this.src.agents.size) this.allSorted = [...this.src.agents.values()].sort(byId);
        return this.allSorted;
      case 'queue':
      case 'team':
        if (!sc.sortedMembers) sc.sortedMembers = [...sc.members].sort(byId);
        return sc.sortedMembers;
      case 'agent': {
        const a = this.src.agents.get(sc.id!);
        return a ? [a] : [];
      }
      default:
        return [];
    }
  }
}
