// Which KPIs history serves, where each comes from, and which scopes it has (kpis.md).
// Instantaneous KPIs (a count "now") have no history: they are rejected by name.

export type Family = 'arrival' | 'outcome' | 'wrap' | 'occupancy' | 'feedback' | 'tickets';
export type Dim = 'queue' | 'channel' | 'team' | 'agent';
export const DIMS: readonly Dim[] = ['queue', 'channel', 'team', 'agent'];

interface MetricDef {
  family: Family;
  /** dimensions this KPI is defined for (kpis.md scopes) */
  dims: readonly Dim[];
}

const CONTACT: Dim[] = ['queue', 'channel'];
const STAR: Dim[] = ['queue', 'channel', 'team', 'agent'];

export const HISTORY_METRICS: Record<string, MetricDef> = {
  arrived: { family: 'arrival', dims: CONTACT },
  answered: { family: 'outcome', dims: STAR },
  abandoned: { family: 'outcome', dims: CONTACT },
  abandoned_short: { family: 'outcome', dims: CONTACT },
  offered: { family: 'outcome', dims: CONTACT },
  service_level: { family: 'outcome', dims: CONTACT },
  abandon_rate: { family: 'outcome', dims: CONTACT },
  asa_s: { family: 'outcome', dims: STAR },
  wait_p90_s: { family: 'outcome', dims: STAR },
  aht_s: { family: 'wrap', dims: STAR },
  fcr: { family: 'wrap', dims: STAR },
  occupancy: { family: 'occupancy', dims: ['queue', 'team', 'agent'] },
  csat: { family: 'feedback', dims: STAR },
  csat_avg: { family: 'feedback', dims: STAR },
  csat_responses: { family: 'feedback', dims: STAR },
  nps: { family: 'feedback', dims: STAR },
  nps_responses: { family: 'feedback', dims: STAR },
  ces_avg: { family: 'feedback', dims: STAR },
  frt_avg_s: { family: 'tickets', dims: ['queue', 'channel'] },
  tickets_created: { family: 'tickets', dims: ['queue', 'channel'] },
  tickets_solved: { family: 'tickets', dims: ['queue', 'channel'] },
};

/** KPIs that describe "now" (or a live-only computation), not a window. */
export const INSTANT_METRICS = new Set([
  'waiting', 'longest_wait_s', 'backlog', 'backlog_breached', 'agents', 'agents_required',
]);

export const INTERVALS = {
  '15m': { seconds: 900, maxDays: 31 },
  '1h': { seconds: 3600, maxDays: 366 },
  '1d': { seconds: 86_400, maxDays: 3 * 366 },
  '1w': { seconds: 604_800, maxDays: 10 * 366 },
} as const;
export type Interval = keyof typeof INTERVALS;

/** ClickHouse expression: the start (epoch seconds) of the bucket holding DateTime64 `col`. */
export function bucketSql(interval: Interval, col: string): string {
  switch (interval) {
    case '15m':
      return `toUnixTimestamp(toStartOfInterval(${col}, INTERVAL 15 MINUTE, {tz:String}))`;
    case '1h':
      return `toUnixTimestamp(toStartOfHour(${col}, {tz:String}))`;
    case '1d':
      return `toUnixTimestamp(toStartOfDay(${col}, {tz:String}))`;
    case '1w':
      return `toUnixTimestamp(toDateTime(toStartOfWeek(${col}, 1, {tz:String}), {tz:String}))`;
  }
}

/** ClickHouse expression: the start (epoch s) of the bucket after bucket start `b` (epoch s). */
export function nextBucketSql(interval: Interval, b: string): string {
  switch (interval) {
    case '15m':
      return `(${b} + 900)`;
    case '1h':
      return `(${b} + 3600)`;
    // Days and weeks are not fixed lengths across DST: step past the end, then snap.
    case '1d':
      return `toUnixTimestamp(toStartOfDay(toDateTime(${b} + 129600), {tz:String}))`;
    case '1w':
      return `toUnixTimestamp(toDateTime(toStartOfWeek(toDateTime(${b} + 864000), 1, {tz:String}), {tz:String}))`;
  }
}
