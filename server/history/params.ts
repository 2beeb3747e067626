// Validation of GET /v1/history and GET /v1/contacts query strings: every rejection is a
// 400 that names the parameter and says what would be accepted.
import { badRequest } from '../errors.ts';
import { validTimeZone } from '../settings.ts';
import { DIMS, HISTORY_METRICS, INSTANT_METRICS, INTERVALS, type Dim, type Interval } from './catalog.ts';
import { parseRfc3339 } from './time.ts';

export type Query = Record<string, string | string[] | undefined>;

const one = (q: Query, k: string): string | undefined => {
  const v = q[k];
  return Array.isArray(v) ? v[v.length - 1] : v;
};
/** `a,b` or repeated `k=a&k=b` */
const list = (q: Query, k: string): string[] | undefined => {
  const v = q[k];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
};

const fail = (field: string, detail: string, reason = detail): never => {
  throw badRequest(detail, [{ field, reason }]);
};

export function parseTime(q: Query, k: string, dflt?: number): number {
  const s = one(q, k);
  if (s === undefined || s === '') {
    if (dflt !== undefined) return dflt;
    return fail(k, `${k} is required (RFC 3339, e.g. 2026-11-24T00:00:00Z)`, 'required');
  }
  const t = parseRfc3339(s);
  if (t === null) return fail(k, `${k}: "${s}" is not an RFC 3339 time with an offset (e.g. 2026-11-24T00:00:00Z)`, 'not RFC 3339');
  return t;
}

export function parseFilters(q: Query): Partial<Record<Dim, string[]>> {
  const filters: Partial<Record<Dim, string[]>> = {};
  for (const d of DIMS) {
    const v = list(q, d);
    if (v && v.length) filters[d] = v;
  }
  return filters;
}

export interface ParsedHistory {
  metrics: string[];
  from: number;
  to: number;
  interval: Interval;
  groupBy: Dim | null;
  filters: Partial<Record<Dim, string[]>>;
  tz: string;
  format: 'json' | 'csv' | 'columns';
}

const KNOWN = new Set(['metrics', 'from', 'to', 'interval', 'group_by', 'tz', 'format', 'key', ...DIMS]);

export function parseHistoryQuery(q: Query, d: { tz: string; now: number }): ParsedHistory {
  for (const k of Object.keys(q))
    if (!KNOWN.has(k)) fail(k, `unknown parameter "${k}" (accepted: ${[...KNOWN].filter((x) => x !== 'key').join(', ')})`, 'unknown parameter');
  const metrics = list(q, 'metrics');
  if (!metrics || metrics.length === 0) fail('metrics', 'metrics is required: a comma-separated list of KPIs of kpis.md', 'required');
  for (const m of metrics!) {
    if (INSTANT_METRICS.has(m))
      fail('metrics', `metric "${m}" is instantaneous (a value now), not a windowed KPI: history has no "${m}"; read it live from /v1/kpis`, 'instantaneous KPI');
    if (!(m in HISTORY_METRICS))
      fail('metrics', `unknown metric "${m}" (history metrics: ${Object.keys(HISTORY_METRICS).join(', ')})`, 'unknown metric');
  }
  const interval = (one(q, 'interval') ?? '1h') as Interval;
  if (!(interval in INTERVALS)) fail('interval', `interval "${interval}" is not one of ${Object.keys(INTERVALS).join(', ')}`, 'unknown interval');
  const groupBy = (one(q, 'group_by') || null) as Dim | null;
  if (groupBy && !DIMS.includes(groupBy)) fail('group_by', `group_by "${groupBy}" is not one of ${DIMS.join(', ')}`, 'unknown dimension');
  const tz = one(q, 'tz') || d.tz;
  if (!validTimeZone(tz)) fail('tz', `tz "${tz}" is not an IANA time zone (e.g. Europe/Rome)`, 'unknown time zone');
  const from = parseTime(q, 'from');
  const to = parseTime(q, 'to', d.now);
  if (to <= from) fail('to', 'the range is empty: to must be after from', 'to ≤ from');
  const maxDays = INTERVALS[interval].maxDays;
  if (to - from > maxDays * 86_400_000)
    fail('from', `range too large for interval ${interval}: at most ${maxDays} days (use a coarser interval)`, `at most ${maxDays} days`);
  const filters = parseFilters(q);
  const dims = new Set<Dim>([...(groupBy ? [groupBy] : []), ...(Object.keys(filters) as Dim[])]);
  for (const m of metrics!)
    for (const dim of dims)
      if (!HISTORY_METRICS[m].dims.includes(dim))
        fail(groupBy === dim ? 'group_by' : dim, `metric "${m}" is not defined by ${dim} (kpis.md scopes: ${HISTORY_METRICS[m].dims.join(', ') || 'all only'})`, `not defined by ${dim}`);
  const f = one(q, 'format');
  if (f !== undefined && f !== 'json' && f !== 'csv' && f !== 'columns') fail('format', `format "${f}" is not json, csv or columns`, 'unknown format');
  return { metrics: metrics!, from, to, interval, groupBy, filters, tz, format: f === 'csv' || f === 'columns' ? f : 'json' };
}
