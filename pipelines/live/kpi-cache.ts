// The gateway's view of live KPIs: one NATS subscription per tenant on a node, shared by
// every socket and request; the latest snapshot per scope; a 30-minute series per scope
// for sparklines; live alerts. A tenant's cache is warmed by asking the engine for
// everything at once, so a new subscriber reads numbers immediately.
import type { Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.ts';
import { alertLiveSubject, kpiTenantWildcard } from '../bus/subjects.ts';
import { NUMERIC_METRICS, WINDOWS, type Metrics, type ScopeSnapshot, type Window } from '../engine/types.ts';

/** what a series records: the numeric KPIs and the agent counts by state */
export const SERIES_METRICS = [
  ...NUMERIC_METRICS,
  'agents.available', 'agents.busy', 'agents.wrap_up', 'agents.away', 'agents.offline',
] as const;
const valueOf = (m: Record<string, unknown> | undefined, k: string): number => {
  if (!m) return NaN;
  const v = k.startsWith('agents.') ? (m.agents as Record<string, unknown> | undefined)?.[k.slice(7)] : m[k];
  return typeof v === 'number' ? v : NaN;
};
import { KPI_REQUEST_SUBJECT } from './engine-runner.ts';

export const SERIES_STEP_MS = 20_000;
export const SERIES_POINTS = 90; // 30 minutes

export type LiveAlert = Record<string, unknown> & { id: string };
export type Listener = { snapshot?: (s: ScopeSnapshot) => void; alert?: (a: LiveAlert) => void };

class Series {
  /** per window: ring of [at, ...values in NUMERIC_METRICS order] */
  private rings: Map<Window, Float64Array[]> = new Map(WINDOWS.map((w) => [w, []]));
  private lastAt = 0;

  add(s: ScopeSnapshot) {
    const slot = Math.floor(s.at / SERIES_STEP_MS) * SERIES_STEP_MS;
    if (slot === this.lastAt) return;
    this.lastAt = slot;
    for (const w of WINDOWS) {
      const m = s.windows[w] as Record<string, unknown>;
      const row = new Float64Array(SERIES_METRICS.length + 1);
      row[0] = slot;
      SERIES_METRICS.forEach((k, i) => (row[i + 1] = valueOf(m, k)));
      const ring = this.rings.get(w)!;
      ring.push(row);
      if (ring.length > SERIES_POINTS) ring.shift();
    }
  }

  points(window: Window, metric: string, since: number): { at: number; value: number | null }[] {
    const i = (SERIES_METRICS as readonly string[]).indexOf(metric);
    if (i < 0) return [];
    return this.rings
      .get(window)!
      .filter((r) => r[0] >= since)
      .map((r) => ({ at: r[0], value: Number.isNaN(r[i + 1]) ? null : r[i + 1] }));
  }
}

/** A snapshot's messages are serialised once, whatever the number of sockets. */
const encodedCache = new WeakMap<ScopeSnapshot, Map<string, string>>();
export function encoded(s: ScopeSnapshot, key: string, build: () => unknown): string {
  let m = encodedCache.get(s);
  if (!m) encodedCache.set(s, (m = new Map()));
  let v = m.get(key);
  if (v === undefined) m.set(key, (v = JSON.stringify(build())));
  return v;
}

export class TenantKpis {
  readonly latest = new Map<string, ScopeSnapshot>();
  private series = new Map<string, Series>();
  /** every listener (alerts go to all) */
  readonly listeners = new Set<Listener>();
  /** listeners by the scope they follow: a snapshot wakes only its own subscribers */
  private byScope = new Map<string, Set<Listener>>();

  follow(scope: string, l: Listener) {
    let set = this.byScope.get(scope);
    if (!set) this.byScope.set(scope, (set = new Set()));
    set.add(l);
  }

  unfollow(scope: string, l: Listener) {
    const set = this.byScope.get(scope);
    set?.delete(l);
    if (set?.size === 0) this.byScope.delete(scope);
  }
  subs: Subscription[] = [];
  lastAt = 0;

  accept(s: ScopeSnapshot) {
    const prev = this.latest.get(s.scope);
    if (prev && prev.at > s.at) return; // out-of-order delivery: keep the newer
    this.latest.set(s.scope, s);
    if (s.at > this.lastAt) this.lastAt = s.at;
    if (!s.scope.startsWith('agent:')) {
      let ser = this.series.get(s.scope);
      if (!ser) this.series.set(s.scope, (ser = new Series()));
      ser.add(s);
    }
    const set = this.byScope.get(s.scope);
    if (set) for (const l of set) l.snapshot?.(s);
  }

  metrics(scope: string, window: Window): { at: number; metrics: Metrics } | null {
    const s = this.latest.get(scope);
    return s ? { at: s.at, metrics: s.windows[window] } : null;
  }

  seriesPoints(scope: string, window: Window, metric: string, since: number) {
    return this.series.get(scope)?.points(window, metric, since) ?? [];
  }
}

export class KpiCache {
  private tenants = new Map<string, Promise<TenantKpis>>();
  private dec = new TextDecoder();

  constructor(
    private bus: Bus,
    private log: Logger,
  ) {}

  tenant(t: string): Promise<TenantKpis> {
    let p = this.tenants.get(t);
    if (!p) {
      p = this.open(t);
      this.tenants.set(t, p);
    }
    return p;
  }

  private async open(t: string): Promise<TenantKpis> {
    const tk = new TenantKpis();
    const parse = <T>(data: Uint8Array): T | null => {
      try {
        return JSON.parse(this.dec.decode(data)) as T;
      } catch {
        return null;
      }
    };
    tk.subs.push(
      this.bus.nc.subscribe(kpiTenantWildcard(t), {
        callback: (_e, msg) => {
          const s = parse<ScopeSnapshot>(msg.data);
          if (s) tk.accept(s);
        },
      }),
      this.bus.nc.subscribe(alertLiveSubject(t), {
        callback: (_e, msg) => {
          const a = parse<LiveAlert>(msg.data);
          if (a) for (const l of tk.listeners) l.alert?.(a);
        },
      }),
    );
    try {
      const r = await this.bus.nc.request(KPI_REQUEST_SUBJECT(t), new Uint8Array(), { timeout: 2_000 });
      for (const s of parse<ScopeSnapshot[]>(r.data) ?? []) tk.accept(s);
    } catch (err) {
      // No engine answered (yet): the periodic publishes fill the cache within a second.
      this.log.debug({ tenant: t, err: (err as Error).message }, 'no engine answered the warm-up request');
    }
    return tk;
  }

  close() {
    for (const p of this.tenants.values()) void p.then((tk) => tk.subs.forEach((s) => s.unsubscribe()));
    this.tenants.clear();
  }
}
