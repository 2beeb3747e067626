// The hourly rollups of contact facts (sql/0012 by queue, sql/0015 by queue and channel):
// what they hold, how a settled day is rolled up, and which days a query may read from them.
//
// Exactness: a day's rollup rows are computed from exactly one facts part, the day's only
// active part (a settled, compacted day), and are tagged with its name. Both tables are
// filled before the day is recorded, so one record (and one cover) serves both. Any later
// write to that day (a late event, a TTL merge) makes a new part; from then on the day no
// longer qualifies and is read from the facts, until the next round recomputes it. So the
// rollups can be stale but are never read stale. Queries ask once, up front, which days
// qualify (rollupCover) and read those days from a rollup and every other moment from the
// facts.
import type { ClickHouseClient } from '@clickhouse/client';
import { dayId, SETTLED_HAVING, settledParams, type SettledOptions } from './settled.ts';

/** The rollup tables, each by (tenant, hour) and its dimensions, coarsest first (history-query.ts rollupFor). */
export const ROLLUPS = [
  { table: 'hist_queue_hourly', dims: ['queue'] },
  { table: 'hist_queue_channel_hourly', dims: ['queue', 'channel'] },
] as const;
export type Rollup = (typeof ROLLUPS)[number];

/**
 * The rollups' measures as aggregates over contact facts, grouped by (tenant, hour) and a
 * rollup's dimensions: the same text builds the rollups and aggregates the facts of the
 * days a query reads directly, so both sides have one definition. Order = the tables'
 * column order (after the keys).
 */
const QUEUE_HOUR_MEASURES: readonly (readonly [string, string])[] = [
  ['arrivals', `countIf(kind = 'arrival')`],
  ['arrived', `countIf(kind = 'arrival' AND start_known = 1)`],
  ['outcomes', `countIf(kind = 'outcome')`],
  ['answered', `countIf(kind = 'outcome' AND outcome = 'answered')`],
  ['answered_w', `countIf(kind = 'outcome' AND outcome = 'answered' AND wait_ms IS NOT NULL)`],
  ['wait_sum', `toUInt64(ifNull(sumIf(wait_ms, kind = 'outcome' AND outcome = 'answered'), 0))`],
  // groupArray skips NULLs: the waits that are known, sorted (for thresholds and p90)
  ['waits', `arraySort(groupArrayIf(assumeNotNull(wait_ms), kind = 'outcome' AND outcome = 'answered' AND wait_ms IS NOT NULL))`],
  ['abandoned', `countIf(kind = 'outcome' AND outcome = 'abandoned')`],
  ['abandon_waits', `arraySort(groupArrayIf(assumeNotNull(wait_ms), kind = 'outcome' AND outcome = 'abandoned' AND wait_ms IS NOT NULL))`],
  ['wrapped', `countIf(kind = 'wrap')`],
  ['handle_sum', `toUInt64(ifNull(sumIf(handle_ms, kind = 'wrap'), 0))`],
  ['fcr_d', `countIf(kind = 'wrap' AND resolved IS NOT NULL)`],
  ['fcr_n', `countIf(kind = 'wrap' AND resolved = true)`],
];

export const QUEUE_HOUR_AGGS = QUEUE_HOUR_MEASURES.map(([n, e]) => `${e} AS ${n}`).join(',\n  ');
export const QUEUE_HOUR_COLS = QUEUE_HOUR_MEASURES.map(([n]) => n);

/** Days (yyyymmdd, UTC) a query may read from the rollup, with the facts parts they stand for. */
export interface RollupCover {
  days: number[];
  parts: string[];
}

/** Days of the facts that are one active part, with its name (+ extra HAVING terms). */
const onePartDays = (having = '') => `SELECT toUInt32(partition_id) AS day, any(name) AS part FROM system.parts
  WHERE database = currentDatabase() AND table = 'hist_contact_facts' AND active
  GROUP BY partition_id HAVING count() = 1${having}`;

/**
 * The days in [from, to) whose rollup rows stand for the day's current (only) facts
 * part. Days from `now`'s UTC day on are never rolled up: a range that starts there asks
 * nothing.
 */
export async function rollupCover(ch: ClickHouseClient, from: number, to: number, now: number): Promise<RollupCover> {
  const d0 = Number(dayId(from));
  const d1 = Math.min(Number(dayId(to - 1)), Number(dayId(now - 86_400_000)));
  if (d1 < d0) return { days: [], parts: [] };
  const r = await ch.query({
    query: `SELECT r.day AS day, r.part AS part FROM (SELECT day, part FROM hist_rollup_days FINAL
              WHERE day >= {d0:UInt32} AND day <= {d1:UInt32}) AS r
            INNER JOIN (${onePartDays()}) AS p ON r.day = p.day AND r.part = p.part
            ORDER BY day`,
    query_params: { d0, d1 },
    format: 'JSONEachRow',
  });
  const rows = await r.json<{ day: number; part: string }>();
  return { days: rows.map((x) => Number(x.day)), parts: rows.map((x) => x.part) };
}

/**
 * Rolls up every settled day (before today, UTC) whose facts are one part that the
 * rollup does not stand for yet: inserts its rows tagged with the part, then records the
 * part for the day. Returns the days done.
 */
export async function rollupSettled(ch: ClickHouseClient, opts: SettledOptions = {}): Promise<{ day: number; part: string }[]> {
  const now = opts.now ?? Date.now();
  const r = await ch.query({
    query: `${onePartDays(` AND ${SETTLED_HAVING}
              AND (toUInt32(partition_id), any(name)) NOT IN (SELECT day, part FROM hist_rollup_days FINAL)`)}
            ORDER BY day`,
    query_params: settledParams(opts),
    format: 'JSONEachRow',
  });
  const todo = (await r.json<{ day: number; part: string }>()).map((x) => ({ day: Number(x.day), part: x.part }));
  // Rows a day's current part does not stand for are never read (rollupCover names the
  // current one); they are deleted a round after they were superseded, so a query that
  // asked for its cover just before cannot lose them midway. Rows of a round that
  // stopped before recording its part go the same way, and must be gone before that
  // part is rolled up again below: the delete waits for its mutation (mutations_sync),
  // or a mutation run after the new record would spare them and count them twice.
  for (const { table } of ROLLUPS) {
    const stale = await ch.query({
      query: `SELECT DISTINCT day FROM ${table} WHERE (day, part) NOT IN (SELECT day, part FROM hist_rollup_days FINAL)`,
      format: 'JSONEachRow',
    });
    for (const { day } of await stale.json<{ day: number }>())
      await ch.command({
        query: `ALTER TABLE ${table} DELETE WHERE day = {day:UInt32}
                  AND part NOT IN (SELECT part FROM hist_rollup_days FINAL WHERE day = {day:UInt32})
                SETTINGS mutations_sync = 2`,
        query_params: { day: Number(day) },
      });
  }
  for (const { day, part } of todo) {
    const p = { day, pid: String(day), part, at: now };
    for (const { table, dims } of ROLLUPS)
      await ch.command({
        query: `INSERT INTO ${table} (tenant, day, part, hour, ${dims.join(', ')}, ${QUEUE_HOUR_COLS.join(', ')})
                SELECT tenant, {day:UInt32}, {part:String}, toStartOfHour(time) AS hour, ${dims.join(', ')}, ${QUEUE_HOUR_AGGS}
                FROM hist_contact_facts FINAL WHERE _partition_id = {pid:String} AND _part = {part:String}
                GROUP BY tenant, hour, ${dims.join(', ')}
                SETTINGS do_not_merge_across_partitions_select_final = 1`,
        query_params: p,
      });
    await ch.command({
      query: `INSERT INTO hist_rollup_days (day, part, rolled_at) SELECT {day:UInt32}, {part:String}, fromUnixTimestamp64Milli({at:Int64})`,
      query_params: p,
    });
  }
  return todo;
}
