// The history page's state lives in the URL so a link shows the same chart to anyone:
// /history?metric=service_level&scope=queue:billing&range=last7&interval=1h&group_by=queue
import { localMidnight } from '../../../../pipelines/engine/day-start.ts';

export const PRESETS = { today: 'Today', yesterday: 'Yesterday', last7: 'Last 7 days', last30: 'Last 30 days', custom: 'Custom' } as const;
export type Preset = keyof typeof PRESETS;
export const INTERVALS = ['15m', '1h', '1d', '1w'] as const;
export const GROUPS = ['', 'queue', 'channel', 'team', 'agent'] as const;
export const HISTORY_METRICS = [
  'service_level', 'asa_s', 'wait_p90_s', 'abandon_rate', 'arrived', 'answered', 'abandoned', 'abandoned_short', 'offered',
  'aht_s', 'fcr', 'occupancy', 'csat', 'csat_avg', 'csat_responses', 'nps', 'nps_responses', 'ces_avg',
  'frt_avg_s', 'tickets_created', 'tickets_solved',
] as const;

export interface HistoryState {
  metric: string;
  /** `all` or `<kind>:<id>` as on the wall */
  scope: string;
  range: Preset;
  from: string;
  to: string;
  interval: string;
  group_by: string;
  chart: 'line' | 'bar';
}

export function readState(p: URLSearchParams): HistoryState {
  const pick = <T extends string>(v: string | null, xs: readonly T[], d: T): T => (v !== null && (xs as readonly string[]).includes(v) ? (v as T) : d);
  return {
    metric: pick(p.get('metric'), HISTORY_METRICS, 'service_level'),
    scope: p.get('scope') || 'all',
    range: pick(p.get('range'), Object.keys(PRESETS) as Preset[], 'today'),
    from: p.get('from') ?? '',
    to: p.get('to') ?? '',
    interval: pick(p.get('interval'), INTERVALS, '1h'),
    group_by: pick(p.get('group_by'), GROUPS, ''),
    chart: p.get('chart') === 'bar' ? 'bar' : 'line',
  };
}

export function writeState(s: HistoryState): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(s)) if (v && !(k === 'scope' && v === 'all') && !((k === 'from' || k === 'to') && s.range !== 'custom')) p.set(k, v);
  return p.toString();
}

/** [from, to) in epoch ms for a preset, days starting at local midnight in `tz`. */
export function rangeOf(s: HistoryState, tz: string, now = Date.now()): [number, number] {
  const day = 86_400_000;
  const midnight = localMidnight(now, tz);
  // A day back from a midnight, snapped again: DST days are 23 or 25 hours long.
  const back = (n: number) => localMidnight(midnight - n * day + 12 * 3_600_000, tz);
  switch (s.range) {
    case 'today': return [midnight, now];
    case 'yesterday': return [back(1), midnight];
    case 'last7': return [back(6), now];
    case 'last30': return [back(29), now];
    case 'custom': {
      const f = Date.parse(s.from);
      const t = Date.parse(s.to);
      return [Number.isFinite(f) ? f : midnight, Number.isFinite(t) ? t : now];
    }
  }
}

/** API filter of a wall scope: `queue:billing` → { queue: 'billing' } */
export function scopeFilter(scope: string): Record<string, string> {
  const i = scope.indexOf(':');
  return i > 0 ? { [scope.slice(0, i)]: scope.slice(i + 1) } : {};
}

/**
 * Weekday × hour service level from hourly rows, weighted by each hour's divisor
 * (answered + abandoned − short abandons), so it is the exact KPI of those hours.
 */
export function heatmapCells(rows: Record<string, unknown>[], tz: string): { day: number; hour: number; value: number | null }[] {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
  const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const acc = new Map<string, { met: number; div: number }>();
  for (const r of rows) {
    const div = Number(r.answered ?? 0) + Number(r.abandoned ?? 0) - Number(r.abandoned_short ?? 0);
    if (!div || r.service_level === null) continue;
    const parts = Object.fromEntries(f.formatToParts(Date.parse(String(r.bucket))).map((x) => [x.type, x.value]));
    const k = `${days.indexOf(parts.weekday)}|${Number(parts.hour)}`;
    const a = acc.get(k) ?? { met: 0, div: 0 };
    a.met += Number(r.service_level) * div;
    a.div += div;
    acc.set(k, a);
  }
  const out = [];
  for (let day = 0; day < 7; day++)
    for (let hour = 0; hour < 24; hour++) {
      const a = acc.get(`${day}|${hour}`);
      out.push({ day, hour, value: a ? a.met / a.div : null });
    }
  return out;
}
