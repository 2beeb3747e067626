// ClickHouse side of the VoC loop: append-only inserts of submissions and changes, and the
// read that restores the in-memory view at start. Every value is bound as a parameter.
import type { ClickHouseClient } from '@clickhouse/client';
import type { FeedbackChange } from './workflow.ts';
import type { ChangeRecord, ItemRecord } from './feedback-view.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export async function insertItems(ch: ClickHouseClient, recs: readonly ItemRecord[]): Promise<void> {
  if (recs.length === 0) return;
  await ch.insert({
    table: 'feedback_items',
    format: 'JSONEachRow',
    values: recs.map((r) => ({ ...r, submitted_at: iso(r.submitted_at), classified_at: iso(r.classified_at) })),
  });
}

export async function insertChanges(ch: ClickHouseClient, recs: readonly ChangeRecord[]): Promise<void> {
  if (recs.length === 0) return;
  await ch.insert({
    table: 'feedback_changes',
    format: 'JSONEachRow',
    values: recs.map(({ tenant, change_id, seq, change }) => {
      const { feedback_id, at, actor, kind, ...data } = change;
      return { tenant, feedback_id, change_id, at: iso(at), seq, actor, kind, data: JSON.stringify(data) };
    }),
  });
}

interface ChangeRow {
  tenant: string;
  feedback_id: string;
  change_id: string;
  at_ms: number;
  seq: number;
  actor: string;
  kind: string;
  data: string;
}

export function changeFromRow(r: ChangeRow): ChangeRecord {
  const change = { ...JSON.parse(r.data), feedback_id: r.feedback_id, at: Number(r.at_ms), actor: r.actor, kind: r.kind } as FeedbackChange;
  return { tenant: r.tenant, change_id: r.change_id, seq: Number(r.seq), change };
}

/** Submissions since `since` plus older detractors never followed up (they stay overdue
 * whatever their age), for every tenant, and the changes those items need. */
export async function loadSince(ch: ClickHouseClient, since: number): Promise<{ items: ItemRecord[]; changes: ChangeRecord[] }> {
  const items = await (
    await ch.query({
      query: `SELECT * EXCEPT (submitted_at, classified_at),
                toUnixTimestamp64Milli(submitted_at) AS submitted_ms, toUnixTimestamp64Milli(classified_at) AS classified_ms
              FROM feedback_items FINAL
              WHERE submitted_at >= fromUnixTimestamp64Milli({since:Int64})
                 OR (((survey = 'nps' AND score <= 6) OR (survey = 'csat' AND score <= 2))
                     AND (tenant, feedback_id) NOT IN (SELECT tenant, feedback_id FROM feedback_changes WHERE kind = 'follow_up'))
              ORDER BY tenant, submitted_at, feedback_id`,
      query_params: { since },
      format: 'JSONEachRow',
    })
  ).json<ItemRecord & { submitted_ms: number; classified_ms: number }>();
  for (const r of items) {
    // Aliases differ from the columns: ClickHouse would otherwise use them in WHERE.
    r.submitted_at = Number(r.submitted_ms);
    r.classified_at = Number(r.classified_ms);
    delete (r as Partial<typeof r>).submitted_ms;
    delete (r as Partial<typeof r>).classified_ms;
    r.score = Number(r.score);
    r.language_detected = Boolean(r.language_detected);
    r.sentiment = r.sentiment === null ? null : Number(r.sentiment);
  }
  const rows = await (
    await ch.query({
      query: `SELECT tenant, feedback_id, change_id, toUnixTimestamp64Milli(at) AS at_ms, seq, actor, kind, data
              FROM feedback_changes FINAL
              WHERE at >= fromUnixTimestamp64Milli({since:Int64}) OR concat(tenant, '/', feedback_id) IN {old:Array(String)}
              ORDER BY tenant, at_ms, seq`,
      query_params: { since, old: items.filter((r) => r.submitted_at < since).map((r) => `${r.tenant}/${r.feedback_id}`) },
      format: 'JSONEachRow',
    })
  ).json<ChangeRow>();
  return { items, changes: rows.map(changeFromRow) };
}

/** The stored change log of one item, oldest first (the audit trail of GET /feedback/:id). */
export async function changeLog(ch: ClickHouseClient, tenant: string, id: string): Promise<ChangeRecord[]> {
  const rows = await (
    await ch.query({
      query: `SELECT tenant, feedback_id, change_id, toUnixTimestamp64Milli(at) AS at_ms, seq, actor, kind, data
              FROM feedback_changes FINAL WHERE tenant = {tenant:String} AND feedback_id = {id:String}
              ORDER BY at_ms, seq`,
      query_params: { tenant, id },
      format: 'JSONEachRow',
    })
  ).json<ChangeRow>();
  return rows.map(changeFromRow);
}
