// GET /v1/history as one ClickHouse statement: a query per source family (contact facts
// by time axis, agent intervals, feedback and ticket events), each grouped by (bucket,
// group), summed together and turned into the KPIs of kpis.md; ClickHouse also writes the
// response body. Every value is a bound parameter; only fixed SQL fragments chosen from
// closed sets are spliced.
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRaw } from '../db/clickhouse.ts';
import type { ParsedHistory } from './params.ts';
import { bucketSql, HISTORY_METRICS, INTERVALS, nextBucketSql, type Dim, type Family, type Interval } from './catalog.ts';
import { QUEUE_HOUR_AGGS, QUEUE_HOUR_COLS, ROLLUPS, rollupCover, type Rollup, type RollupCover } from './rollup.ts';
import { dayId } from './settled.ts';

export interface QueuePolicies {
  queues: string[];
  slMs: number[];
  shortMs: number[];
  defaultSlMs: number;
  defaultShortMs: number;
}

/** A parsed query (params.ts) plus what the server adds: the tenant, its policies, now. */
export interface HistoryRequest extends Omit<ParsedHistory, 'format'> {
  tenant: string;
  policies: QueuePolicies;
  now: number;
  /**
   * Days to read from the hourly rollups (rollup.ts) instead of the contact facts;
   * only for a request rollupEligible() accepts. null: the facts alone; absent: historyBody
   * asks rollupCover() when the request is eligible.
   */
  rollup?: RollupCover | null;
}

const FACT_COLS: Record<Dim, string> = { queue: 'queue', channel: 'channel', team: 'team', agent: 'agent_id' };

function filterSql(req: HistoryRequest, cols: Partial<Record<Dim, string>>): string {
  let sql = '';
  for (const d of Object.keys(req.filters) as Dim[]) {
    if (d === 'queue' && cols.queue === 'queues') sql += ` AND hasAny(queues, {f_queue:Array(String)})`;
    else sql += ` AND ${cols[d]} IN {f_${d}:Array(String)}`;
  }
  return sql;
}

function groupSql(req: HistoryRequest, cols: Partial<Record<Dim, string>>): string {
  if (!req.groupBy) return "''";
  const c = cols[req.groupBy]!;
  // The native (LowCardinality) column: grouping on it is cheaper than on a String copy.
  return c === 'queues' ? 'arrayJoin(queues)' : c;
}

const RANGE = `time >= fromUnixTimestamp64Milli({from:Int64}) AND time < fromUnixTimestamp64Milli({to:Int64})`;

function factsSql(req: HistoryRequest, kind: 'arrival' | 'outcome' | 'wrap', wantP90: boolean): string {
  const where = `tenant = {tenant:String} AND kind = '${kind}' AND ${RANGE}${filterSql(req, FACT_COLS)}`;
  const g = groupSql(req, FACT_COLS);
  const b = bucketSql(req.interval, 'time');
  if (kind === 'arrival')
    return `SELECT ${b} AS b, ${g} AS g, countIf(start_known = 1) AS arrived FROM hist_contact_facts FINAL WHERE ${where} GROUP BY b, g`;
  if (kind === 'wrap')
    return `SELECT ${b} AS b, ${g} AS g, count() AS wrapped, sum(handle_ms) AS handle_sum,
              countIf(resolved IS NOT NULL) AS fcr_d, countIf(resolved = true) AS fcr_n
            FROM hist_contact_facts FINAL WHERE ${where} GROUP BY b, g`;
  const p90 = wantP90
    ? `, arrayElement(arraySort(groupArrayIf(wait_ms, outcome = 'answered')),
         intDiv(9 * countIf(outcome = 'answered' AND wait_ms IS NOT NULL) + 9, 10)) AS p90_ms`
    : '';
  return `SELECT ${b} AS b, ${g} AS g,
            countIf(outcome = 'answered') AS answered,
            countIf(outcome = 'answered' AND wait_ms IS NOT NULL) AS answered_w,
            sumIf(wait_ms, outcome = 'answered') AS wait_sum,
            countIf(outcome = 'answered' AND wait_ms <= sl) AS sl_met,
            countIf(outcome = 'abandoned') AS abandoned,
            countIf(outcome = 'abandoned' AND wait_ms < short) AS abandoned_short${p90}
          FROM (
            SELECT time, outcome, wait_ms, queue, channel, team, agent_id,
              transform(toString(queue), {p_q:Array(String)}, {p_sl:Array(UInt32)}, {p_dsl:UInt32}) AS sl,
              transform(toString(queue), {p_q:Array(String)}, {p_short:Array(UInt32)}, {p_dshort:UInt32}) AS short
            FROM hist_contact_facts FINAL WHERE ${where})
          GROUP BY b, g`;
}

/** Bucket starts (epoch s) overlapped by [s, e) ms, as a ClickHouse array expression. */
function bucketsOfSql(interval: Interval): string {
  const bs = bucketSql(interval, 'fromUnixTimestamp64Milli(s)');
  if (interval === '15m' || interval === '1h')
    return `range(toUInt64(${bs}), toUInt64(intDiv(e + 999, 1000)), ${INTERVALS[interval].seconds})`;
  const step = INTERVALS[interval].seconds;
  const snap = interval === '1d'
    ? (x: string) => `toUnixTimestamp(toStartOfDay(toDateTime(${x}), {tz:String}))`
    : (x: string) => `toUnixTimestamp(toDateTime(toStartOfWeek(toDateTime(${x}), 1, {tz:String}), {tz:String}))`;
  return `arrayFilter(x -> x * 1000 < e, arrayDistinct(arrayMap(k -> ${snap(`${bs} + k * ${step} + ${step / 2}`)},
            range(0, toUInt64(intDiv(greatest(intDiv(e, 1000) - ${bs}, 0), ${step}) + 2)))))`;
}

function occupancySql(req: HistoryRequest): string {
  const cols: Partial<Record<Dim, string>> = { queue: 'queues', team: 'team', agent: 'agent_id' };
  return `SELECT b, g, sumIf(ov, state IN ('busy', 'wrap_up')) AS occ_busy, sum(ov) AS occ_total FROM (
            SELECT state, g, arrayJoin(${bucketsOfSql(req.interval)}) AS b,
                   least(e, ${nextBucketSql(req.interval, 'b')} * 1000) - greatest(s, b * 1000) AS ov
            FROM (
              SELECT state, ${groupSql(req, cols)} AS g,
                greatest(toUnixTimestamp64Milli(start), {from:Int64}) AS s,
                least(toUnixTimestamp64Milli(end), {to:Int64}, {now:Int64}) AS e
              FROM hist_agent_states FINAL
              WHERE tenant = {tenant:String} AND start < fromUnixTimestamp64Milli({to:Int64})
                AND end > fromUnixTimestamp64Milli({from:Int64}) AND state IN ('available', 'busy', 'wrap_up')
                ${filterSql(req, cols)})
            WHERE e > s${req.groupBy === 'queue' && req.filters.queue ? ' AND g IN {f_queue:Array(String)}' : ''})
          GROUP BY b, g`;
}

/** Feedback from the raw events; the team is the agent's team at the time (from the intervals). */
function feedbackSql(req: HistoryRequest): string {
  const needTeam = req.groupBy === 'team' || 'team' in req.filters;
  const src = needTeam
    ? `(SELECT time, survey, score, queue, channel, agent_id FROM events
        WHERE tenant = {tenant:String} AND type = 'feedback.submitted' AND ${RANGE}) f
       ASOF LEFT JOIN (SELECT agent_id, start, team FROM hist_agent_states FINAL
                       WHERE tenant = {tenant:String} AND start < fromUnixTimestamp64Milli({to:Int64})) a
       ON f.agent_id = a.agent_id AND f.time >= a.start`
    : `(SELECT time, survey, score, queue, channel, agent_id FROM events
        WHERE tenant = {tenant:String} AND type = 'feedback.submitted' AND ${RANGE}) f`;
  const cols = { queue: 'f.queue', channel: 'f.channel', agent: 'f.agent_id', team: 'a.team' };
  return `SELECT ${bucketSql(req.interval, 'f.time')} AS b, ${groupSql(req, cols)} AS g,
            countIf(survey = 'csat') AS csat_n, countIf(survey = 'csat' AND score >= 4) AS csat_top,
            sumIf(score, survey = 'csat') AS csat_sum,
            countIf(survey = 'nps') AS nps_n, countIf(survey = 'nps' AND score >= 9) AS nps_pro,
            countIf(survey = 'nps' AND score <= 6) AS nps_det,
            countIf(survey = 'ces') AS ces_n, sumIf(score, survey = 'ces') AS ces_sum
          FROM ${src} WHERE 1 ${filterSql(req, cols)} GROUP BY b, g`;
}

function ticketSqls(req: HistoryRequest): string[] {
  const cols = { queue: 'c.queue', channel: 'c.channel' };
  const g = groupSql(req, cols);
  const f = filterSql(req, cols);
  const created = (ids: string) => `(SELECT ticket_id, any(queue) AS queue, any(channel) AS channel,
      min(toUnixTimestamp64Milli(time)) AS ct FROM events
      WHERE tenant = {tenant:String} AND type = 'ticket.created' AND ticket_id IN (${ids}) GROUP BY ticket_id) c`;
  const idsOf = (type: string) =>
    `SELECT ticket_id FROM events WHERE tenant = {tenant:String} AND type = '${type}' AND ${RANGE}`;
  return [
    `SELECT ${bucketSql(req.interval, 'time')} AS b, ${groupSql(req, { queue: 'queue', channel: 'channel' })} AS g,
       count() AS tickets_created FROM events
     WHERE tenant = {tenant:String} AND type = 'ticket.created' AND ${RANGE}${filterSql(req, { queue: 'queue', channel: 'channel' })}
     GROUP BY b, g`,
    `SELECT ${bucketSql(req.interval, 's.time')} AS b, ${g} AS g, count() AS tickets_solved
     FROM (${idsOf('ticket.solved').replace('SELECT ticket_id', 'SELECT ticket_id, time')}) s
     LEFT JOIN ${created(idsOf('ticket.solved'))} ON s.ticket_id = c.ticket_id
     WHERE 1 ${f} GROUP BY b, g`,
    `SELECT ${bucketSql(req.interval, 'fromUnixTimestamp64Milli(r.fr)')} AS b, ${g} AS g,
       count() AS frt_n, sum(r.fr - c.ct) AS frt_sum
     FROM (SELECT ticket_id, min(toUnixTimestamp64Milli(time)) AS fr FROM events
           WHERE tenant = {tenant:String} AND type = 'ticket.replied' AND ticket_id IN (${idsOf('ticket.replied')})
           GROUP BY ticket_id HAVING fr >= {from:Int64} AND fr < {to:Int64}) r
     INNER JOIN ${created(idsOf('ticket.replied'))} ON r.ticket_id = c.ticket_id
     WHERE 1 ${f} GROUP BY b, g`,
  ];
}

const CONTACT_FAMILIES: ReadonlySet<Family> = new Set(['arrival', 'outcome', 'wrap']);
/** A rollup row has facts of the family (a group exists where the facts path has one). */
const PRESENT = { arrival: 'q_arrivals > 0', outcome: 'q_outcomes > 0', wrap: 'q_wrapped > 0' } as const;
const HOUR = 3_600_000;

/** The whole UTC hours inside [from, to) (epoch ms): only these are read from a rollup. */
function rollupHours(req: Pick<HistoryRequest, 'from' | 'to'>): { rFrom: number; rTo: number } {
  const rFrom = Math.ceil(req.from / HOUR) * HOUR;
  return { rFrom, rTo: Math.max(rFrom, Math.floor(req.to / HOUR) * HOUR) };
}

/**
 * Whether some moment of [from, to) is not in the rollup rows of the covered days: a
 * partial hour at either end, or a UTC day of the whole hours that is not covered.
 */
function factsLeft(req: HistoryRequest, cover: RollupCover): boolean {
  const { rFrom, rTo } = rollupHours(req);
  if (req.from < rFrom || req.to > rTo) return true;
  const covered = new Set(cover.days);
  for (let d = Math.floor(rFrom / 86_400_000) * 86_400_000; d < rTo; d += 86_400_000)
    if (!covered.has(Number(dayId(d)))) return true;
  return false;
}

/** Whether every hour boundary in [from, to) of zone `tz` is a UTC hour boundary. */
export function wholeHourZone(tz: string, from: number, to: number): boolean {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
  // Offsets change a few times a year at most and hold for months: one sample a day
  // (fewer on long ranges, never under ~1,000 samples) sees every offset the range has.
  const step = Math.max(86_400_000, Math.ceil((to - from) / 1000));
  for (let t = from; ; t = Math.min(t + step, to - 1)) {
    const name = fmt.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (!/^GMT(?:[+-]\d{2}(?::00)?)?$/.test(name)) return false;
    if (t >= to - 1) return true;
  }
}

/**
 * Whether the contact KPIs of a request can come from the hourly rollups: grouped by
 * queue, channel or nothing, filtered by queue and/or channel only, buckets of whole
 * hours in a zone whose hours are UTC hours (the rollups' hours are UTC), and some
 * contact KPI asked for.
 */
export function rollupEligible(req: Omit<HistoryRequest, 'rollup'>): boolean {
  return (
    rollupFor(req) !== undefined &&
    req.interval !== '15m' &&
    req.metrics.some((m) => CONTACT_FAMILIES.has(HISTORY_METRICS[m].family)) &&
    wholeHourZone(req.tz, req.from, req.to)
  );
}

/**
 * The rollup table a request's grouping and filters can read: the first (coarsest) of
 * ROLLUPS whose keys hold all their dimensions, so by queue or nothing the one by queue,
 * by or for a channel the one by queue and channel (a queue's channels then summed).
 * None for team or agent.
 */
export function rollupFor(req: Pick<HistoryRequest, 'groupBy' | 'filters'>): Rollup | undefined {
  const need = [...(req.groupBy ? [req.groupBy] : []), ...Object.keys(req.filters)];
  return ROLLUPS.find((r) => need.every((d) => (r.dims as readonly string[]).includes(d)));
}

/**
 * The contact KPIs of `families` per (bucket, group) from an hourly rollup: the whole
 * hours of rolled-up days from the rollup table, every other moment of [from, to) (if
 * any) from the facts aggregated the same way (QUEUE_HOUR_AGGS) by the same keys. The
 * two sides cover disjoint hours, so with 1h buckets by queue from the rollup by queue
 * each row is already one (bucket, group).
 */
function rollupSql(req: HistoryRequest, families: Family[], wantP90: boolean): { sql: string; cols: string[] } {
  const { table, dims } = rollupFor(req)!;
  const keys = dims.join(', ');
  const rf = (Object.keys(req.filters) as Dim[]).map((d) => ` AND ${d} IN {f_${d}:Array(String)}`).join('');
  const kinds = families.map((f) => `'${f}'`).join(', ');
  // the first branch names the columns (q_*: no clash with the aliases of the sums below)
  const rolled = `SELECT hour, ${keys}, ${QUEUE_HOUR_COLS.map((c) => `${c} AS q_${c}`).join(', ')} FROM ${table}
      WHERE tenant = {tenant:String} AND day IN {r_days:Array(UInt32)} AND part IN {r_parts:Array(String)}
        AND hour >= toDateTime(intDiv({r_from:Int64}, 1000)) AND hour < toDateTime(intDiv({r_to:Int64}, 1000))${rf}`;
  // The facts branch only when the rollup rows leave something out: even reading no
  // part, it cost ~15–20 ms of ClickHouse time in the 90-day bench queries.
  const source = !factsLeft(req, req.rollup!) ? rolled : `${rolled}
    UNION ALL
    SELECT toDateTime(toStartOfHour(time)) AS hour, ${keys}, ${QUEUE_HOUR_AGGS}
      FROM hist_contact_facts FINAL
      WHERE tenant = {tenant:String} AND kind IN (${kinds}) AND ${RANGE}${rf}
        AND (toYYYYMMDD(time) NOT IN {r_days:Array(UInt32)}
             OR time < fromUnixTimestamp64Milli({r_from:Int64}) OR time >= fromUnixTimestamp64Milli({r_to:Int64}))
      GROUP BY hour, ${keys}`;
  const present = families.map((f) => PRESENT[f as keyof typeof PRESENT]).join(' OR ');
  const sl = `transform(toString(queue), {p_q:Array(String)}, {p_sl:Array(UInt32)}, {p_dsl:UInt32})`;
  const short = `transform(toString(queue), {p_q:Array(String)}, {p_short:Array(UInt32)}, {p_dshort:UInt32})`;
  const unique = req.interval === '1h' && req.groupBy === 'queue' && dims.length === 1;
  // Per row when each row is one (bucket, group); summed over the rows of a bucket and
  // group otherwise (hours, or a queue's channels), except p90, which needs all their
  // waits together.
  const perRow: Record<string, string> = {
    arrived: 'q_arrived', answered: 'q_answered', answered_w: 'q_answered_w', wait_sum: 'q_wait_sum',
    sl_met: `arrayCount(x -> x <= ${sl}, q_waits)`,
    abandoned: 'q_abandoned',
    abandoned_short: `arrayCount(x -> x < ${short}, q_abandon_waits)`,
    p90_ms: 'arrayElement(q_waits, intDiv(9 * q_answered_w + 9, 10))',
    wrapped: 'q_wrapped', handle_sum: 'q_handle_sum', fcr_d: 'q_fcr_d', fcr_n: 'q_fcr_n',
  };
  const summed = (c: string) =>
    c === 'p90_ms' ? 'arrayElement(arraySort(groupArrayArray(q_waits)), intDiv(9 * sum(q_answered_w) + 9, 10))' : `sum(${perRow[c]})`;
  const cols = families.flatMap((f) => FAMILY_COLS[f]).filter((c) => wantP90 || c !== 'p90_ms');
  const sel = cols.map((c) => `${unique ? perRow[c] : summed(c)} AS ${c}`).join(', ');
  const g = req.groupBy ?? "''";
  // In a whole-hour zone a 1h bucket is the UTC hour itself.
  const b = req.interval === '1h' ? 'toUnixTimestamp(hour)' : bucketSql(req.interval, 'hour');
  const sql = unique
    ? `SELECT ${b} AS b, queue AS g, ${sel} FROM (${source}) WHERE ${present}`
    : `SELECT ${b} AS b, ${g} AS g, ${sel} FROM (${source}) WHERE ${present} GROUP BY b, g`;
  return { sql, cols };
}

/** The bound parameters of a request's SQL. */
export function historyParams(req: HistoryRequest): Record<string, unknown> {
  const p: Record<string, unknown> = {
    tenant: req.tenant, from: req.from, to: req.to, tz: req.tz, now: req.now,
    p_q: req.policies.queues, p_sl: req.policies.slMs, p_short: req.policies.shortMs,
    p_dsl: req.policies.defaultSlMs, p_dshort: req.policies.defaultShortMs,
  };
  for (const [d, v] of Object.entries(req.filters)) p[`f_${d}`] = v;
  if (req.rollup) {
    p.r_days = req.rollup.days;
    p.r_parts = req.rollup.parts;
    const { rFrom, rTo } = rollupHours(req);
    p.r_from = rFrom;
    p.r_to = rTo;
  }
  p.all_g = ALL_BUCKETS;
  return p;
}

/** The group of the every-bucket rows of a grouped columns answer: no id can be a control character. */
const ALL_BUCKETS = '\u0001';

/** The summed parts each family's SQL yields per (b, g). */
const FAMILY_COLS: Record<Family, string[]> = {
  arrival: ['arrived'],
  outcome: ['answered', 'answered_w', 'wait_sum', 'sl_met', 'abandoned', 'abandoned_short', 'p90_ms'],
  wrap: ['wrapped', 'handle_sum', 'fcr_d', 'fcr_n'],
  occupancy: ['occ_busy', 'occ_total'],
  feedback: ['csat_n', 'csat_top', 'csat_sum', 'nps_n', 'nps_pro', 'nps_det', 'ces_n', 'ces_sum'],
  tickets: ['tickets_created', 'tickets_solved', 'frt_n', 'frt_sum'],
};

const div = (a: string, b: string) => `if(${b} > 0, ${a} / ${b}, NULL)`;
/** Each KPI of kpis.md over the summed parts t_<part> of one row (same arithmetic order as the engine). */
const KPI_SQL: Record<string, string> = {
  arrived: 'toInt64(t_arrived)', answered: 'toInt64(t_answered)', abandoned: 'toInt64(t_abandoned)',
  abandoned_short: 'toInt64(t_abandoned_short)', offered: 'toInt64(t_answered + t_abandoned)',
  service_level: div('t_sl_met', '(t_answered + t_abandoned - t_abandoned_short)'),
  abandon_rate: div('(t_abandoned - t_abandoned_short)', '(t_answered + t_abandoned - t_abandoned_short)'),
  asa_s: `if(t_answered_w > 0, t_wait_sum / t_answered_w / 1000, NULL)`,
  wait_p90_s: `if(t_answered_w > 0, t_p90_ms / 1000, NULL)`,
  aht_s: `if(t_wrapped > 0, t_handle_sum / t_wrapped / 1000, NULL)`,
  fcr: div('t_fcr_n', 't_fcr_d'),
  occupancy: div('t_occ_busy', 't_occ_total'),
  csat: div('t_csat_top', 't_csat_n'), csat_avg: div('t_csat_sum', 't_csat_n'), csat_responses: 'toInt64(t_csat_n)',
  nps: `if(t_nps_n > 0, (t_nps_pro - t_nps_det) / t_nps_n * 100, NULL)`, nps_responses: 'toInt64(t_nps_n)',
  ces_avg: div('t_ces_sum', 't_ces_n'),
  frt_avg_s: `if(t_frt_n > 0, t_frt_sum / t_frt_n / 1000, NULL)`,
  tickets_created: 'toInt64(t_tickets_created)', tickets_solved: 'toInt64(t_tickets_solved)',
};

/** RFC 3339 label of bucket start `b` (epoch s) in {tz}, with the zone's offset ('Z' for 0). */
export const LABEL_SQL = `concat(formatDateTime(toDateTime(b, {tz:String}), '%Y-%m-%dT%H:%i:%S', {tz:String}),
  if(timeZoneOffset(toDateTime(b, {tz:String})) = 0, 'Z', concat(
    if(timeZoneOffset(toDateTime(b, {tz:String})) < 0, '-', '+'),
    leftPad(toString(intDiv(abs(timeZoneOffset(toDateTime(b, {tz:String}))), 3600)), 2, '0'), ':',
    leftPad(toString(intDiv(abs(timeZoneOffset(toDateTime(b, {tz:String}))) % 3600, 60)), 2, '0'))))`;

/**
 * The (b, g, t_<part>…) rows of a request: the family queries (each summed by bucket and
 * group), unioned and summed again when there are several. `everyBucket` adds a row for
 * every bucket of the range under group `everyGroup` (SQL): '' for an ungrouped answer
 * (a chart without gaps), ALL_BUCKETS for the old grouped columns rows (historySql's
 * `columns`).
 */
function partsSql(req: HistoryRequest, everyGroup: string | null): { parts: string; all: string[] } {
  const families = [...new Set<Family>(req.metrics.map((m) => HISTORY_METRICS[m].family))];
  const branches: { sql: string; cols: string[] }[] = [];
  const p90 = req.metrics.includes('wait_p90_s');
  if (req.rollup) branches.push(rollupSql(req, families.filter((f) => CONTACT_FAMILIES.has(f)), p90));
  for (const f of families) {
    if (req.rollup && CONTACT_FAMILIES.has(f)) continue;
    if (f === 'arrival' || f === 'wrap') branches.push({ sql: factsSql(req, f, false), cols: FAMILY_COLS[f] });
    if (f === 'outcome') branches.push({ sql: factsSql(req, f, p90), cols: FAMILY_COLS[f].filter((c) => p90 || c !== 'p90_ms') });
    if (f === 'occupancy') branches.push({ sql: occupancySql(req), cols: FAMILY_COLS[f] });
    if (f === 'feedback') branches.push({ sql: feedbackSql(req), cols: FAMILY_COLS[f] });
    if (f === 'tickets') {
      const [c, so, fr] = ticketSqls(req);
      branches.push({ sql: c, cols: ['tickets_created'] }, { sql: so, cols: ['tickets_solved'] }, { sql: fr, cols: ['frt_n', 'frt_sum'] });
    }
  }
  if (everyGroup !== null) branches.push({ sql: `SELECT arrayJoin(${bucketListSql(req.interval)}) AS b, ${everyGroup} AS g`, cols: [] });
  const all = [...new Set(branches.flatMap((b) => b.cols))];
  if (branches.length === 1) {
    // One source: its (b, g) rows are already unique, no second aggregation needed.
    return { parts: `SELECT b, g${all.map((c) => `, toFloat64(ifNull(${c}, 0)) AS t_${c}`).join('')} FROM (${branches[0].sql})`, all };
  }
  const union = branches
    .map((br) => `SELECT toUInt32(b) AS b, toString(g) AS g${all.map((c) => `, toFloat64(${br.cols.includes(c) ? `ifNull(${c}, 0)` : '0'}) AS s_${c}`).join('')} FROM (${br.sql})`)
    .join('\nUNION ALL\n');
  return { parts: `SELECT b, g${all.map((c) => `, sum(s_${c}) AS t_${c}`).join('')} FROM (${union}) GROUP BY b, g`, all };
}

/** Every bucket start (epoch s) of [{from}, {to}), as a ClickHouse array expression (one sample per 15 minutes or hour). */
function bucketListSql(interval: Interval): string {
  const step = interval === '15m' ? 900 : 3600;
  return `arrayDistinct(arrayMap(x -> ${bucketSql(interval, 'toDateTime(x)')},
            range(intDiv({from:Int64}, 1000), intDiv({to:Int64} + 999, 1000), ${step})))`;
}

/**
 * One SQL statement for a history request: the family queries (each summed by bucket and
 * group) are unioned, summed again, turned into KPIs and labelled by ClickHouse, which
 * also formats the output, so large results never pass through JS objects. `columns`:
 * the rows the columns answer was pivoted from in JS before historyColumnsSql (b first,
 * and every bucket under the group ALL_BUCKETS); the test of historyColumns keeps that
 * pivot as its reference.
 */
export function historySql(req: HistoryRequest, opts: { columns?: boolean } = {}): string {
  // One row per bucket even when nothing happened: a chart without gaps. Grouped
  // columns needed every bucket too: under a group no real group can have (ALL_BUCKETS).
  const { parts, all } = partsSql(req, !req.groupBy ? "''" : opts.columns ? '{all_g:String}' : null);
  const kpis = req.metrics.map((m) => `, ${KPI_SQL[m]} AS ${m}`).join('');
  const b = opts.columns ? 'b, ' : '';
  if (!req.groupBy) return `SELECT ${b}${LABEL_SQL} AS bucket${kpis} FROM (${parts}) ORDER BY b ${SETTINGS}`;
  // Grouped rows are ordered by bucket, then group, without sorting them all: each bucket
  // collects its groups into one array sorted by group, the few thousand buckets are
  // sorted, and ARRAY JOIN unfolds them in that order. The label is computed once per
  // bucket. Measured on the 90-day hourly by-queue query (276k rows): 140 ms less than
  // `ORDER BY b, g` over the rows (sorting 276k rows of two keys and the labels).
  const tuple = ['g', ...all.map((c) => `t_${c}`)];
  const unfolded = all.map((c, i) => `, r.${i + 2} AS t_${c}`).join('');
  return `SELECT ${b}bucket, g AS ${req.groupBy}${kpis} FROM (
            SELECT b, bucket, r.1 AS g${unfolded} FROM (
              SELECT b, ${LABEL_SQL} AS bucket, arraySort(x -> x.1, groupArray((${tuple.join(', ')}))) AS rs
              FROM (${parts}) GROUP BY b ORDER BY b)
            ARRAY JOIN rs AS r)
          ${SETTINGS}`;
}

const SETTINGS = `SETTINGS do_not_merge_across_partitions_select_final = 1, format_csv_null_representation = ''`;

/** Characters of an IANA zone name; nothing that needs escaping in JSON, SQL or a template. */
const PLAIN_NAME = /^[A-Za-z0-9_+\-/]+$/;

/**
 * ClickHouse's Template format, set to write the JSON body itself: `{"interval","tz",
 * "rows":[…]}` with one `{"bucket":…,"<group>":…,"<kpi>":…}` per row, each value escaped
 * as JSON. Measured on the 90-day hourly answer (276k rows, 25 MB): ~45 ms less than
 * JSONEachRow as an array of rows, with identical rows, and no copy to wrap it in JS.
 * Every name spliced here comes from a closed set (metrics, dimensions, intervals) or
 * is a time zone checked against PLAIN_NAME.
 */
function jsonTemplateSettings(req: HistoryRequest): string {
  if (!PLAIN_NAME.test(req.tz)) throw new Error(`unexpected time zone name ${JSON.stringify(req.tz)}`);
  const cols = ['bucket', ...(req.groupBy ? [req.groupBy] : []), ...req.metrics];
  const row = `{${cols.map((c) => `"${c}":\${${c}:JSON}`).join(',')}}`;
  const resultset = `{"interval":"${req.interval}","tz":"${req.tz}","rows":[\${data}]}`;
  return `, format_template_row_format = '${row}', format_template_rows_between_delimiter = ',\\n',
    format_template_resultset_format = '${resultset}'`;
}

/**
 * The body of a history response: JSON `{"interval","tz","rows":[…]}` or CSV with a
 * header line. Rows: one per bucket (and group), bucket as RFC 3339 in `tz`. ClickHouse
 * writes the whole body and its bytes are passed through untouched: a 90-day hourly
 * answer is ~25 MB, and decoding it to a JS string and back cost more than computing it.
 */
export async function historyBody(ch: ClickHouseClient, req: HistoryRequest, format: 'json' | 'csv'): Promise<Buffer> {
  req = await withCover(ch, req);
  const sql = format === 'csv' ? `${historySql(req)} FORMAT CSVWithNames` : `${historySql(req)}${jsonTemplateSettings(req)} FORMAT Template`;
  const body = await queryRaw(ch, sql, historyParams(req));
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** The request with the rollup days it may read (when its shape allows the rollup): what historyBody and historyColumns answer. */
export async function withCover(ch: ClickHouseClient, req: HistoryRequest): Promise<HistoryRequest> {
  if (req.rollup !== undefined || !rollupEligible(req)) return req;
  // No day covered (a range within today, nothing rolled up yet): the per-kind facts
  // queries, lighter than the rollup-shaped aggregation of the same facts.
  const cover = await rollupCover(ch, req.from, req.to, req.now);
  return { ...req, rollup: cover.days.length ? cover : null };
}

/**
 * The columns answer's SQL: ClickHouse pivots the rows and writes every array of it as
 * JSON; JS only puts the series in order around them (historyColumns). One line per
 * group, `<head>\t<big>\t<group as JSON>\t<bucket labels as JSON>\t{"<kpi>":[…],…}`, and
 * a first line (head 1, no group) with the labels of every bucket:
 *  - rows: (b, g, one Float64 per KPI) from the same parts as the rows answer (a grouped
 *    answer without the every-bucket rows: their buckets are added as a list below);
 *  - per group, its buckets and values sorted by bucket;
 *  - over the groups, the sorted union of their buckets and the range's every bucket;
 *  - per group again, each bucket's position in that union (arrayEnumerateDense of the
 *    union followed by the group's buckets: no lambda that would copy the union once per
 *    element), and each KPI laid out on the union, NULL in the gaps.
 * KPIs are written as Float64 (+ 0: -0 as 0), as JS writes the numbers it parsed:
 * ClickHouse's shortest round-trip digits are JS's, except that an exponent of 21 or
 * more has no '+' (`big` marks such a group; never for counts, rates and seconds).
 */
function historyColumnsSql(req: HistoryRequest, metrics: string[]): string {
  if (!PLAIN_NAME.test(req.tz)) throw new Error(`unexpected time zone name ${JSON.stringify(req.tz)}`);
  const { parts } = partsSql(req, req.groupBy ? null : "''");
  const vs = metrics.map((_, k) => `v${k}`);
  const rows = `SELECT toUInt32(b) AS b, toString(g) AS g${metrics.map((m, k) => `, toFloat64(${KPI_SQL[m]}) + 0 AS v${k}`).join('')} FROM (${parts})`;
  // one array of tuples: groupArray of a Nullable column would leave its NULLs out
  const perGroup = `SELECT g, arrayMap(x -> x.1, rs) AS bs${vs.map((v, k) => `, arrayMap(x -> x.${k + 2}, rs) AS ${v}s`).join('')}
    FROM (SELECT g, arraySort(x -> x.1, groupArray((b, ${vs.join(', ')}))) AS rs FROM (${rows}) GROUP BY g)`;
  const n = 'length(gs)';
  const union = `SELECT arraySort(arrayDistinct(arrayConcat(groupArrayArray(bs), ${req.groupBy ? bucketListSql(req.interval) : '[]'}))) AS allb,
      groupArray(g) AS gs, groupArray(bs) AS bss${vs.map((v) => `, groupArray(${v}s) AS ${v}ss`).join('')}
    FROM (${perGroup})`;
  // the labels on the first line only: computed once, not copied onto every group's line
  const joined = `SELECT allb, head, g, bs${vs.map((v) => `, ${v}s`).join('')}, labels
    FROM (${union})
    ARRAY JOIN arrayPushFront(arrayWithConstant(${n}, 0), 1) AS head, arrayPushFront(gs, '') AS g,
      arrayPushFront(arrayWithConstant(${n}, CAST([], 'Array(String)')), arrayMap(b -> ${LABEL_SQL}, allb)) AS labels,
      arrayPushFront(bss, CAST([], 'Array(UInt32)')) AS bs${vs.map((v) => `, arrayPushFront(${v}ss, CAST([], 'Array(Nullable(Float64))')) AS ${v}s`).join('')}`;
  const dense = (v: string) =>
    `arrayResize(arrayFlatten(arrayMap((i, p, x) -> arrayPushBack(arrayResize(CAST([], 'Array(Nullable(Float64))'), i - p - 1), x), idx, prev, ${v}s)), length(allb))`;
  const laid = `SELECT head, g, labels${vs.map((v) => `, ${dense(v)} AS ${v}`).join('')}
    FROM (SELECT *, arraySlice(arrayEnumerateDense(arrayConcat(allb, bs)), length(allb) + 1) AS idx, arrayPopBack(arrayPushFront(idx, 0)) AS prev FROM (${joined}))`;
  const big = vs.map((v) => `arrayExists(x -> abs(x) >= 1e21, ${v})`).join(' OR ');
  return `SELECT head, ${big} AS big, g, labels${vs.map((v) => `, ${v}`).join('')} FROM (${laid})
    SETTINGS do_not_merge_across_partitions_select_final = 1,
      output_format_json_quote_denormals = 0, output_format_json_quote_64bit_floats = 0,
      format_template_row_format = '\${head:Raw}\t\${big:Raw}\t\${g:JSON}\t\${labels:JSON}\t{${metrics.map((m, k) => `"${m}":\${v${k}:JSON}`).join(',')}}',
      format_template_rows_between_delimiter = '\\n', format_template_resultset_format = '\${data}'
    FORMAT Template`;
}

/**
 * The same answer as historyBody's rows, for charts, as the JSON body:
 * `{"interval","tz","format":"columns","metrics","buckets","series"}` with the buckets
 * once (RFC 3339 in `tz`) and one series per group (`{"<groupBy>":g,"values":{…}}`, in
 * order of the group; one `{"values":{…}}` when ungrouped), each metric an array aligned
 * to the buckets, null where the group had no data in that bucket. ClickHouse lays out
 * and writes the arrays (historyColumnsSql); JS orders the groups and joins the bytes.
 * Before (JSONCompact rows parsed and pivoted in JS, then serialised again) the bench's
 * 90 d × 1h by queue took 609–670 ms of CPU, now 202–239 ms; the bytes are the same.
 */
export async function historyColumns(ch: ClickHouseClient, req: HistoryRequest): Promise<Buffer> {
  req = await withCover(ch, req);
  const raw = await queryRaw(ch, historyColumnsSql(req, [...new Set(req.metrics)]), historyParams(req));
  return columnsJson(req, Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
}

/** The columns answer's JSON from historyColumnsSql's lines: the groups in order, each with its values' bytes as ClickHouse wrote them. */
export function columnsJson(req: Pick<HistoryRequest, 'interval' | 'tz' | 'metrics' | 'groupBy'>, body: Buffer): Buffer {
  let labels: string[] = [];
  const series: { g: string; values: Buffer }[] = [];
  for (let at = 0; at < body.length; ) {
    let end = body.indexOf(10, at);
    if (end < 0) end = body.length;
    // no field but the last holds a tab or a newline (JSON escapes them in strings)
    const t1 = body.indexOf(9, at);
    const t2 = body.indexOf(9, t1 + 1);
    const t3 = body.indexOf(9, t2 + 1);
    const t4 = body.indexOf(9, t3 + 1);
    if (t4 < 0 || t4 > end) throw new Error(`unexpected columns row: ${body.toString('utf8', at, Math.min(end, at + 200))}`);
    if (body[at] === 0x31) labels = JSON.parse(body.toString('utf8', t3 + 1, t4));
    else {
      const g: string = JSON.parse(body.toString('utf8', t2 + 1, t3));
      // the exponent of a number ≥ 1e21 with its sign, as JS writes it
      const values = body[t1 + 1] === 0x31
        ? Buffer.from(body.toString('utf8', t4 + 1, end).replace(/(\d)e(\d)/g, '$1e+$2'))
        : body.subarray(t4 + 1, end);
      if (!(req.groupBy && g === ALL_BUCKETS)) series.push({ g, values });
    }
    at = end + 1;
  }
  if (req.groupBy) series.sort((a, b) => (a.g < b.g ? -1 : 1));
  const out: Buffer[] = [Buffer.from(
    `{"interval":${JSON.stringify(req.interval)},"tz":${JSON.stringify(req.tz)},"format":"columns","metrics":${JSON.stringify(req.metrics)},"buckets":${JSON.stringify(labels)},"series":[`,
  )];
  series.forEach((s, i) => {
    out.push(Buffer.from(`${i ? ',' : ''}{${req.groupBy ? `${JSON.stringify(req.groupBy)}:${JSON.stringify(s.g)},` : ''}"values":`), s.values, Buffer.from('}'));
  });
  out.push(Buffer.from(']}'));
  return Buffer.concat(out);
}
