// GET /v1/history/staffing: per 15-minute interval of one queue, the agents Erlang C
// required against the agents who were there, so a manager sees where the floor was
// under-staffed. "Required" is kpis.md's agents_required as the wall showed it at the
// end of the interval: λ = the interval's arrivals ÷ 900 s, AHT = the hour ending there
// (300 s when nothing was wrapped). "Present" is the mean number of the queue's agents
// that were available, busy or in wrap-up over the interval (time-weighted).
import type { ClickHouseClient } from '@clickhouse/client';
import { agentsRequired } from '../../pipelines/engine/erlang.ts';
import type { QueuePolicy } from '../../pipelines/engine/types.ts';
import { badRequest } from '../errors.ts';
import { validTimeZone } from '../settings.ts';
import { bucketSql, INTERVALS } from './catalog.ts';
import { LABEL_SQL } from './history-query.ts';
import { parseTime, type Query } from './params.ts';

const STEP_MS = 900_000;
const HOUR_MS = 3_600_000;
const DEFAULT_AHT_S = 300;

export interface StaffingQuery {
  queue: string;
  from: number;
  to: number;
  tz: string;
}

const KNOWN = new Set(['queue', 'from', 'to', 'tz', 'key']);

/** Validates the query string; every rejection is a 400 naming the parameter. */
export function parseStaffingQuery(q: Query, d: { tz: string; now: number }): StaffingQuery {
  const fail = (field: string, detail: string, reason: string): never => {
    throw badRequest(detail, [{ field, reason }]);
  };
  const one = (k: string) => {
    const v = q[k];
    return Array.isArray(v) ? v[v.length - 1] : v;
  };
  for (const k of Object.keys(q))
    if (!KNOWN.has(k)) fail(k, `unknown parameter "${k}" (accepted: queue, from, to, tz)`, 'unknown parameter');
  const queue = one('queue');
  if (!queue) fail('queue', 'queue is required: staffing is defined per queue (kpis.md "Staffing")', 'required');
  if (queue!.length > 128) fail('queue', 'queue: at most 128 characters', 'too long');
  const tz = one('tz') || d.tz;
  if (!validTimeZone(tz)) fail('tz', `tz "${tz}" is not an IANA time zone (e.g. Europe/Rome)`, 'unknown time zone');
  const from = parseTime(q, 'from');
  const to = parseTime(q, 'to', d.now);
  if (to <= from) fail('to', 'the range is empty: to must be after from', 'to ≤ from');
  const maxDays = INTERVALS['15m'].maxDays;
  if (to - from > maxDays * 86_400_000) fail('from', `range too large: at most ${maxDays} days of 15-minute intervals`, `at most ${maxDays} days`);
  return { queue: queue!, from, to, tz };
}

export interface StaffingRow {
  /** RFC 3339 start of the interval in `tz` */
  bucket: string;
  arrived: number;
  /** AHT of the hour ending at the interval's end; 300 when nothing was wrapped */
  aht_s: number;
  /** offered load A = arrived ÷ 900 × AHT, in Erlangs */
  offered_erlangs: number;
  agents_required: number | null;
  /** mean agents available, busy or in wrap-up on the queue over the interval */
  agents_present: number;
}

interface Sums {
  b: number;
  bucket: string;
  arrived: number;
  wrapped: number;
  handle_sum: number;
  present_ms: number;
}

/**
 * One statement: the 15-minute buckets of [from, min(to, now)), the arrivals and wraps of
 * the queue per bucket (wraps from an hour before `from`, for the trailing AHT), and the
 * time its agents spent available, busy or in wrap-up, clipped to each bucket.
 */
function staffingSql(): string {
  const b = bucketSql('15m', 'time');
  return `SELECT b, ${LABEL_SQL} AS bucket, toUInt64(sum(arr)) AS arrived, toUInt64(sum(wr)) AS wrapped,
            toFloat64(sum(hs)) AS handle_sum, toFloat64(sum(pm)) AS present_ms
          FROM (
            SELECT toUInt32(arrayJoin(range(toUInt32(${bucketSql('15m', 'fromUnixTimestamp64Milli({from:Int64})')}),
                     toUInt32(intDiv({end:Int64} + 999, 1000)), 900))) AS b, 0 AS arr, 0 AS wr, 0 AS hs, 0 AS pm
            UNION ALL
            SELECT toUInt32(${b}) AS b, countIf(kind = 'arrival' AND start_known = 1 AND time >= fromUnixTimestamp64Milli({from:Int64})) AS arr,
                   countIf(kind = 'wrap') AS wr, sumIf(ifNull(handle_ms, 0), kind = 'wrap') AS hs, 0 AS pm
            FROM hist_contact_facts FINAL
            WHERE tenant = {tenant:String} AND kind IN ('arrival', 'wrap') AND queue = {queue:String}
              AND time >= fromUnixTimestamp64Milli({hfrom:Int64}) AND time < fromUnixTimestamp64Milli({end:Int64})
            GROUP BY b
            UNION ALL
            SELECT toUInt32(b) AS b, 0 AS arr, 0 AS wr, 0 AS hs, sum(least(e, (b + 900) * 1000) - greatest(s, b * 1000)) AS pm
            FROM (
              SELECT s, e, arrayJoin(range(toUInt32(${bucketSql('15m', 'fromUnixTimestamp64Milli(s)')}), toUInt32(intDiv(e + 999, 1000)), 900)) AS b
              FROM (
                SELECT greatest(toUnixTimestamp64Milli(start), {from:Int64}) AS s, least(toUnixTimestamp64Milli(end), {end:Int64}) AS e
                FROM hist_agent_states FINAL
                WHERE tenant = {tenant:String} AND has(queues, {queue:String}) AND state IN ('available', 'busy', 'wrap_up')
                  AND start < fromUnixTimestamp64Milli({end:Int64}) AND end > fromUnixTimestamp64Milli({from:Int64}))
              WHERE e > s)
            GROUP BY b)
          GROUP BY b ORDER BY b
          SETTINGS do_not_merge_across_partitions_select_final = 1`;
}

/** The staffing rows of one queue, oldest interval first. */
export async function staffingRows(
  ch: ClickHouseClient,
  req: StaffingQuery & { tenant: string; now: number; policy: QueuePolicy },
): Promise<StaffingRow[]> {
  const end = Math.min(req.to, req.now);
  if (end <= req.from) return [];
  const r = await ch.query({
    query: staffingSql(),
    query_params: { tenant: req.tenant, queue: req.queue, from: req.from, end, hfrom: req.from - HOUR_MS, tz: req.tz },
    format: 'JSONEachRow',
  });
  const sums = (await r.json<Sums>()).map((x) => ({ ...x, b: Number(x.b), arrived: Number(x.arrived), wrapped: Number(x.wrapped) }));
  const byB = new Map(sums.map((x) => [x.b, x]));
  const rows: StaffingRow[] = [];
  for (const x of sums) {
    if (x.b * 1000 + STEP_MS <= req.from) continue; // wraps before the range: only for the AHT
    // AHT of the hour ending at this interval's end: this bucket and the three before it
    let n = 0;
    let h = 0;
    for (let k = 0; k < 4; k++) {
      const y = byB.get(x.b - k * 900);
      if (y) {
        n += y.wrapped;
        h += y.handle_sum;
      }
    }
    const ahtS = n > 0 ? h / n / 1000 : DEFAULT_AHT_S;
    const lambda = x.arrived / 900;
    const span = Math.min(x.b * 1000 + STEP_MS, end) - Math.max(x.b * 1000, req.from);
    rows.push({
      bucket: x.bucket,
      arrived: x.arrived,
      aht_s: round(ahtS, 3),
      offered_erlangs: round(lambda * ahtS, 4),
      agents_required: agentsRequired({ arrivalsPerS: lambda, ahtS, thresholdS: req.policy.sl_threshold_s, target: req.policy.sl_target }),
      agents_present: span > 0 ? round(x.present_ms / span, 2) : 0,
    });
  }
  return rows;
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
