// How each KPI reads on the wall: label, unit, formatting, and which way is bad.
// Pure and framework-free so the unit tests and the server-side board schema agree with it.
import type { Metrics } from '../../../pipelines/engine/types.ts';
import type { Thresholds, TileMetric } from '../../../server/boards/board-schema.ts';
import { gapText, staffingGap } from './wall/staffing.ts';

/** `staffing`: agents present − required, shown as "short 3" / "over 2" */
export type Unit = 'percent' | 'duration' | 'count' | 'signed' | 'decimal' | 'staffing';
export type Direction = Thresholds['direction'];
export type ThresholdState = 'ok' | 'warn' | 'alert' | 'none';

export interface KpiMeta {
  label: string;
  /** for narrow table headers */
  short: string;
  unit: Unit;
  /** digits after the point for `decimal` and `signed` */
  digits?: number;
  thresholds?: Thresholds;
}

const above = (amber: number, red: number): Thresholds => ({ direction: 'above_is_bad', amber, red });
const below = (amber: number, red: number): Thresholds => ({ direction: 'below_is_bad', amber, red });

export const KPI_META: Record<TileMetric, KpiMeta> = {
  waiting: { label: 'Waiting', short: 'Wait', unit: 'count', thresholds: above(5, 10) },
  longest_wait_s: { label: 'Longest wait', short: 'Longest', unit: 'duration', thresholds: above(60, 120) },
  arrived: { label: 'Arrived', short: 'Arr', unit: 'count' },
  answered: { label: 'Answered', short: 'Ans', unit: 'count' },
  abandoned: { label: 'Abandoned', short: 'Abn', unit: 'count' },
  abandoned_short: { label: 'Short abandons', short: 'Short abn', unit: 'count' },
  offered: { label: 'Offered', short: 'Off', unit: 'count' },
  service_level: { label: 'Service level', short: 'SL', unit: 'percent', thresholds: below(0.8, 0.7) },
  abandon_rate: { label: 'Abandon rate', short: 'Abn %', unit: 'percent', thresholds: above(0.05, 0.1) },
  asa_s: { label: 'ASA', short: 'ASA', unit: 'duration', thresholds: above(20, 40) },
  wait_p90_s: { label: 'Wait p90', short: 'p90', unit: 'duration', thresholds: above(45, 90) },
  aht_s: { label: 'AHT', short: 'AHT', unit: 'duration', thresholds: above(420, 600) },
  fcr: { label: 'First contact resolution', short: 'FCR', unit: 'percent', thresholds: below(0.7, 0.6) },
  occupancy: { label: 'Occupancy', short: 'Occ', unit: 'percent', thresholds: above(0.9, 0.95) },
  csat: { label: 'CSAT', short: 'CSAT', unit: 'percent', thresholds: below(0.8, 0.7) },
  csat_avg: { label: 'CSAT average', short: 'CSAT ⌀', unit: 'decimal', digits: 1, thresholds: below(4, 3.5) },
  csat_responses: { label: 'CSAT responses', short: 'CSAT n', unit: 'count' },
  nps: { label: 'NPS', short: 'NPS', unit: 'signed', digits: 0, thresholds: below(20, 0) },
  nps_responses: { label: 'NPS responses', short: 'NPS n', unit: 'count' },
  ces_avg: { label: 'Customer effort', short: 'CES', unit: 'decimal', digits: 1, thresholds: below(5, 4) },
  backlog: { label: 'Backlog', short: 'Backlog', unit: 'count', thresholds: above(50, 100) },
  backlog_breached: { label: 'Backlog breached', short: 'Breached', unit: 'count', thresholds: above(1, 5) },
  frt_avg_s: { label: 'First response', short: 'FRT', unit: 'duration', thresholds: above(3600, 7200) },
  tickets_created: { label: 'Tickets created', short: 'Created', unit: 'count' },
  tickets_solved: { label: 'Tickets solved', short: 'Solved', unit: 'count' },
  agents_required: { label: 'Agents required', short: 'Req', unit: 'count' },
  voc_overdue: { label: 'Feedback overdue', short: 'VoC due', unit: 'count', thresholds: above(1, 10) },
  loop_closure_rate: { label: 'Loop closure', short: 'Closed', unit: 'percent', thresholds: below(0.8, 0.6) },
  sentiment_avg: { label: 'Sentiment', short: 'Sent', unit: 'signed', digits: 2, thresholds: below(0, -0.3) },
  'agents.available': { label: 'Agents available', short: 'Avail', unit: 'count', thresholds: below(2, 0) },
  'agents.busy': { label: 'Agents busy', short: 'Busy', unit: 'count' },
  'agents.wrap_up': { label: 'Agents in wrap-up', short: 'Wrap', unit: 'count' },
  'agents.away': { label: 'Agents away', short: 'Away', unit: 'count' },
  'agents.offline': { label: 'Agents offline', short: 'Offline', unit: 'count' },
  // short by 1–2 agents is amber, by 3 or more red; on target or over is green
  staffing: { label: 'Staffing', short: 'Staff', unit: 'staffing', thresholds: below(-1, -3) },
};

/** KPIs that describe "now" and read the same in every window. */
const INSTANT = new Set<TileMetric>([
  'waiting', 'longest_wait_s', 'backlog', 'backlog_breached', 'voc_overdue', 'agents_required',
  'agents.available', 'agents.busy', 'agents.wrap_up', 'agents.away', 'agents.offline', 'staffing',
]);
export const isInstant = (metric: TileMetric): boolean => INSTANT.has(metric);

export const NO_VALUE = '–';
const MINUS = '−';
const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** The value of a tile metric, `agents.<state>` reading the agent counts, `staffing` the gap. */
export function metricValue(metrics: Metrics | undefined, metric: TileMetric): number | null | undefined {
  if (!metrics) return undefined;
  if (metric === 'staffing') return staffingGap(metrics);
  if (metric.startsWith('agents.')) {
    const state = metric.slice(7) as keyof NonNullable<Metrics['agents']>;
    return metrics.agents?.[state];
  }
  return metrics[metric as keyof Metrics] as number | null | undefined;
}

/** Seconds as mm:ss (h:mm:ss from an hour up); rounds to the second. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

/** A 0–1 ratio as a percent: whole numbers, one decimal below 10% where it matters. */
export function formatPercent(ratio: number): string {
  const pct = ratio * 100;
  const oneDecimal = Math.round(pct * 10) / 10;
  if (Math.abs(oneDecimal) < 10 && !Number.isInteger(oneDecimal)) return `${oneDecimal.toFixed(1)}%`;
  return `${Math.round(pct)}%`;
}

function formatSigned(value: number, digits: number): string {
  const rounded = Number(value.toFixed(digits));
  if (rounded === 0) return (0).toFixed(digits);
  return `${rounded > 0 ? '+' : MINUS}${Math.abs(rounded).toFixed(digits)}`;
}

export function formatValue(value: number | null | undefined, unit: Unit, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NO_VALUE;
  switch (unit) {
    case 'percent': return formatPercent(value);
    case 'duration': return formatDuration(value);
    case 'count': return counts.format(value).replace('-', MINUS);
    case 'signed': return formatSigned(value, digits);
    case 'decimal': return value.toFixed(digits).replace('-', MINUS);
    case 'staffing': return gapText(value);
  }
}

export function formatMetric(metric: TileMetric, value: number | null | undefined): string {
  const meta = KPI_META[metric];
  return formatValue(value, meta.unit, meta.digits);
}

/**
 * A chart's value ticks for a KPI: counts get whole numbers only, so a count axis over
 * [0, 1] reads 0 and 1 rather than six rounded zeros.
 */
export function yTicks(metric: TileMetric, y: { ticks(n: number): number[]; domain(): number[] }, n: number): number[] {
  if (KPI_META[metric]?.unit !== 'count') return y.ticks(n);
  const max = y.domain()[1];
  return y.ticks(Math.max(1, Math.min(n, Math.floor(max)))).filter(Number.isInteger);
}

/** Where a value sits against thresholds; reaching a threshold counts as crossing it. */
export function thresholdState(value: number | null | undefined, t: Thresholds | undefined): ThresholdState {
  if (!t || value === null || value === undefined || !Number.isFinite(value)) return 'none';
  if (t.direction === 'above_is_bad') {
    if (value >= t.red) return 'alert';
    if (value >= t.amber) return 'warn';
    return 'ok';
  }
  if (value <= t.red) return 'alert';
  if (value <= t.amber) return 'warn';
  return 'ok';
}

/** Word and glyph beside the colour, so the state reads without colour vision. */
export const STATE_TEXT: Record<ThresholdState, { word: string; icon: string }> = {
  ok: { word: 'OK', icon: '✓' },
  warn: { word: 'WARN', icon: '▲' },
  alert: { word: 'ALERT', icon: '✖' },
  none: { word: '', icon: '' },
};

/** Editors show ratios as percent; boards store the metric's own unit. */
export function toDisplayUnit(metric: TileMetric, stored: number): number {
  return KPI_META[metric].unit === 'percent' ? Math.round(stored * 100 * 1000) / 1000 : stored;
}
export function fromDisplayUnit(metric: TileMetric, shown: number): number {
  return KPI_META[metric].unit === 'percent' ? Math.round((shown / 100) * 1e6) / 1e6 : shown;
}
export function displayUnitName(metric: TileMetric): string {
  const unit = KPI_META[metric].unit;
  return unit === 'percent' ? '%' : unit === 'duration' ? 's' : '';
}

export function scopeLabel(scope: string, names?: ReadonlyMap<string, string | null>): string {
  if (scope === 'all') return 'All';
  const name = names?.get(scope);
  if (name) return name;
  const i = scope.indexOf(':');
  return i < 0 ? scope : scope.slice(i + 1);
}
