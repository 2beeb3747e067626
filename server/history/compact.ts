// Compaction of settled history partitions. The facts tables are ReplacingMergeTrees
// read with FINAL, which merges the versions of a key at query time; ClickHouse skips
// that merge for a partition that is a single part (do_not_merge_across_partitions_
// select_final = 1), so merging a day's parts into one, once nothing writes to it any
// more, makes FINAL as cheap as a plain read for all but the newest days. It is exact by
// construction: a late event that rewrites a fact of an old day adds a part to that
// day, which is then merged at read time again until the next compaction.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { ROLLUPS, rollupSettled } from './rollup.ts';
import { SETTLED_HAVING, settledParams, type SettledOptions } from './settled.ts';

export const COMPACTED_TABLES = ['hist_contact_facts', 'hist_agent_states'] as const;

/**
 * Merges every settled day partition of the history tables that has more than one part.
 * Today's partition (UTC) is never settled. Returns the partitions compacted.
 */
export async function compactSettled(ch: ClickHouseClient, opts: SettledOptions = {}): Promise<{ table: string; partition: string }[]> {
  const r = await ch.query({
    query: `SELECT table, partition_id AS partition FROM system.parts
            WHERE database = currentDatabase() AND active AND table IN {tables:Array(String)}
            GROUP BY table, partition_id
            HAVING count() > 1 AND ${SETTLED_HAVING}
            ORDER BY table, partition_id`,
    query_params: { tables: COMPACTED_TABLES, ...settledParams(opts) },
    format: 'JSONEachRow',
  });
  const out = await r.json<{ table: string; partition: string }>();
  for (const p of out) {
    // OPTIMIZE takes no bound parameters; both names come from system.parts and are
    // checked against closed forms before they are spliced in.
    if (!(COMPACTED_TABLES as readonly string[]).includes(p.table) || !/^\d{8}$/.test(p.partition))
      throw new Error(`unexpected partition ${p.table}/${p.partition}`);
    await ch.command({ query: `OPTIMIZE TABLE ${p.table} PARTITION ID '${p.partition}' FINAL` });
  }
  return out;
}

export interface CompactorOptions extends Omit<SettledOptions, 'now'> {
  /** how often (default 10 min) */
  everyMs?: number;
  /** the first round, after start (default 30 s: start-up has other work) */
  firstAfterMs?: number;
}

/**
 * Runs compactSettled, then rollupSettled (rollup.ts: the hourly queue rollup of the days
 * now one part), every `everyMs` (and once soon after start) until stopped.
 */
export function startCompactor(ch: ClickHouseClient, log: Logger, opts: CompactorOptions = {}): { stop(): Promise<void> } {
  const { everyMs = 600_000, firstAfterMs = 30_000, quietMs } = opts;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const run = () => {
    if (stopped) return;
    running = running.then(() =>
      compactSettled(ch, { quietMs })
        .then(async (done) => {
          if (done.length) log.info({ partitions: done.length }, 'history partitions compacted');
          const rolled = await rollupSettled(ch, { quietMs });
          if (rolled.length) log.info({ days: rolled.length }, 'history days rolled up by hour, queue and channel');
        })
        .catch((err) => log.warn({ err: (err as Error).message }, 'history compaction failed; retried next round')),
    );
  };
  const first = setTimeout(run, firstAfterMs);
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}

/** Keeps history `days` days: the facts, and the rollups an hour longer than the facts of their hour. */
export async function applyHistoryTtl(ch: ClickHouseClient, days: number): Promise<void> {
  const d = Math.floor(days);
  await ch.command({ query: `ALTER TABLE hist_contact_facts MODIFY TTL toDateTime(time) + toIntervalDay(${d})` });
  await ch.command({ query: `ALTER TABLE hist_agent_states MODIFY TTL toDateTime(end) + toIntervalDay(${d})` });
  // The facts' TTL changes their part first, so a day is never read from rollup rows
  // whose facts are gone (rollup.ts reads a day only while its part is unchanged).
  for (const { table } of ROLLUPS)
    await ch.command({ query: `ALTER TABLE ${table} MODIFY TTL hour + toIntervalDay(${d}) + toIntervalHour(1)` });
}
