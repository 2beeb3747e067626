// Compaction of settled history partitions. The facts tables are ReplacingMergeTrees
// read with FINAL, which merges the versions of a key at query time; ClickHouse skips
// that merge for a partition that is a single part (do_not_merge_across_partitions_
// select_final = 1), so merging a day's parts into one, once nothing writes to it any
// more, makes FINAL as cheap as a plain read for all but the newest days. It is exact by
// construction: a late event that rewrites a fact of an old day adds a part to that
// day, which is then merged at read time again until the next compaction.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { rollupSettled } from './rollup.ts';

export const COMPACTED_TABLES = ['hist_contact_facts', 'hist_agent_states'] as const;

export interface CompactOptions {
  /** leave a partition alone while a part of it is younger than this (default 10 min) */
  quietMs?: number;
  /** the clock, ms (tests pin it) */
  now?: number;
}

/**
 * Merges every settled day partition of the history tables that has more than one part.
 * Today's partition (UTC) is never settled. Returns the partitions compacted.
 */
export async function compactSettled(ch: ClickHouseClient, opts: CompactOptions = {}): Promise<{ table: string; partition: string }[]> {
  const now = opts.now ?? Date.now();
  const quietS = Math.floor((opts.quietMs ?? 600_000) / 1000);
  const today = new Date(now).toISOString().slice(0, 10).replace(/-/g, '');
  const r = await ch.query({
    query: `SELECT table, partition_id AS partition FROM system.parts
            WHERE database = currentDatabase() AND active AND table IN {tables:Array(String)}
            GROUP BY table, partition_id
            HAVING count() > 1 AND partition_id < {today:String}
               AND max(modification_time) <= fromUnixTimestamp({now:Int64}) - {quiet:Int64}
            ORDER BY table, partition_id`,
    query_params: { tables: COMPACTED_TABLES, today, now: Math.floor(now / 1000), quiet: quietS },
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

export interface CompactorOptions extends Omit<CompactOptions, 'now'> {
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
          if (rolled.length) log.info({ days: rolled.length }, 'history days rolled up by hour and queue');
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
