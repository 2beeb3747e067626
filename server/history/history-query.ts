// GET /v1/history: one ClickHouse query per source family (contact facts by time axis,
// agent intervals, feedback and ticket events), each grouped by (bucket, group), then
// merged here into rows and turned into KPIs with the formulas of kpis.md. Every value
// is a bound parameter; only fixed SQL fragments chosen from closed sets are spliced.
import type { ClickHouseClient } from '@clickhouse/client';
import { bucketSql, HISTORY_METRICS, INTERVALS, nextBucketSql, type Dim, type Family, type Interval } from './catalog.ts';

export interface QueuePolicies {
  queues: string[];
  slMs: number[];
  shortMs: number[];
  defaultSlMs: number;
  defaultShortMs: number;
}

export interface HistoryRequest {
  tenant: string;
  metrics: string[];
  from: number;
  to: number;
  interval: Interval;
  groupBy: Dim | null;
  filters: Partial<Record<Dim, string[]>>;
  tz: string;
  policies: QueuePolicies;
  now: number;
}

export type HistoryRow = Record<string, string | number | null>;

type Sums = Record<string, number>;

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
  return c === 'queues' ? 'arrayJoin(queues)' : `toString(${c})`;
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

function params(req: HistoryRequest): Record<string, unknown> {
  const p: Record<string, unknown> = {
    tenant: req.tenant, from: req.from, to: req.to, tz: req.tz, now: req.now,
    p_q: req.policies.queues, p_sl: req.policies.slMs, p_short: req.policies.shortMs,
    p_dsl: req.policies.defaultSlMs, p_dshort: req.policies.defaultShortMs,
  };
  for (const [d, v] of Object.entries(req.filters)) p[`f_${d}`] = v;
  return p;
}

const num = (x: unknown) => Number(x ?? 0);
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/** KPI values of kpis.md from the summed parts of one row. */
export function kpiValue(metric: string, s: Sums): number | null {
  const g = (k: string) => s[k] ?? 0;
  const sDivisor = g('answered') + g('abandoned') - g('abandoned_short');
  switch (metric) {
    case 'arrived': case 'answered': case 'abandoned': case 'abandoned_short': case 'tickets_created': case 'tickets_solved':
      return g(metric);
    case 'offered': return g('answered') + g('abandoned');
    case 'service_level': return ratio(g('sl_met'), sDivisor);
    case 'abandon_rate': return ratio(g('abandoned') - g('abandoned_short'), sDivisor);
    case 'asa_s': return g('answered_w') > 0 ? g('wait_sum') / g('answered_w') / 1000 : null;
    case 'wait_p90_s': return g('answered_w') > 0 ? g('p90_ms') / 1000 : null;
    case 'aht_s': return g('wrapped') > 0 ? g('handle_sum') / g('wrapped') / 1000 : null;
    case 'fcr': return ratio(g('fcr_n'), g('fcr_d'));
    case 'occupancy': return ratio(g('occ_busy'), g('occ_total'));
    case 'csat': return ratio(g('csat_top'), g('csat_n'));
    case 'csat_avg': return ratio(g('csat_sum'), g('csat_n'));
    case 'csat_responses': return g('csat_n');
    case 'nps': return g('nps_n') > 0 ? ((g('nps_pro') - g('nps_det')) / g('nps_n')) * 100 : null;
    case 'nps_responses': return g('nps_n');
    case 'ces_avg': return ratio(g('ces_sum'), g('ces_n'));
    case 'frt_avg_s': return g('frt_n') > 0 ? g('frt_sum') / g('frt_n') / 1000 : null;
  }
  throw new Error(`no formula for ${metric}`);
}

async function query(ch: ClickHouseClient, sql: string, p: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const r = await ch.query({
    query: sql,
    query_params: p,
    format: 'JSONCompact',
    // Safe: both facts tables are partitioned by a column of their sorting key, so rows
    // with the same key always share a partition; FINAL then skips cross-partition merging.
    clickhouse_settings: { do_not_merge_across_partitions_select_final: 1 },
  });
  const { meta, data } = await r.json<unknown[]>();
  const names = (meta ?? []).map((m) => m.name);
  return data.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
}

/** The rows of a history request, bucket as epoch ms, sorted by bucket then group. */
export async function historyRows(ch: ClickHouseClient, req: HistoryRequest): Promise<{ b: number; g: string; v: Record<string, number | null> }[]> {
  const families = new Set<Family>(req.metrics.map((m) => HISTORY_METRICS[m].family));
  const sqls: string[] = [];
  if (families.has('arrival')) sqls.push(factsSql(req, 'arrival', false));
  if (families.has('outcome')) sqls.push(factsSql(req, 'outcome', req.metrics.includes('wait_p90_s')));
  if (families.has('wrap')) sqls.push(factsSql(req, 'wrap', false));
  if (families.has('occupancy')) sqls.push(occupancySql(req));
  if (families.has('feedback')) sqls.push(feedbackSql(req));
  if (families.has('tickets')) sqls.push(...ticketSqls(req));
  const p = params(req);
  const results = await Promise.all(sqls.map((s) => query(ch, s, p)));
  const rows = new Map<string, { b: number; g: string; s: Sums }>();
  const row = (b: number, g: string) => {
    const k = `${b}|${g}`;
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { b, g, s: {} }));
    return r;
  };
  for (const res of results)
    for (const x of res) {
      const r = row(num(x.b), String(x.g));
      for (const [k, v] of Object.entries(x)) if (k !== 'b' && k !== 'g') r.s[k] = (r.s[k] ?? 0) + num(v);
    }
  if (!req.groupBy) {
    // One row per bucket even when nothing happened: a chart without gaps.
    const step = req.interval === '15m' ? 900 : 3600;
    const all = await query(
      ch,
      `SELECT arrayJoin(arrayDistinct(arrayMap(x -> ${bucketSql(req.interval, 'toDateTime(x)')},
         range(intDiv({from:Int64}, 1000), intDiv({to:Int64} + 999, 1000), ${step})))) AS b`,
      p,
    );
    for (const x of all) row(num(x.b), '');
  }
  return [...rows.values()]
    .sort((x, y) => x.b - y.b || (x.g < y.g ? -1 : x.g > y.g ? 1 : 0))
    .map((r) => ({ b: r.b * 1000, g: r.g, v: Object.fromEntries(req.metrics.map((m) => [m, kpiValue(m, r.s)])) }));
}
