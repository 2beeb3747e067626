// When a day of history is settled: shared by compaction (compact.ts) and the hourly
// queue rollup (rollup.ts), which must agree on it.

export interface SettledOptions {
  /** leave a partition alone while a part of it is younger than this (default 10 min) */
  quietMs?: number;
  /** the clock, ms (tests pin it) */
  now?: number;
}

/** The partition id of the UTC day of `ms` (yyyymmdd), as the facts tables are partitioned. */
export const dayId = (ms: number): string => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');

/**
 * HAVING terms, over system.parts grouped by partition_id, of a settled partition: before
 * today (UTC) and no part younger than the quiet period. Parameters: settledParams().
 */
export const SETTLED_HAVING = `partition_id < {today:String}
  AND max(modification_time) <= fromUnixTimestamp({now:Int64}) - {quiet:Int64}`;

export function settledParams(opts: SettledOptions): { today: string; now: number; quiet: number } {
  const now = opts.now ?? Date.now();
  return { today: dayId(now), now: Math.floor(now / 1000), quiet: Math.floor((opts.quietMs ?? 600_000) / 1000) };
}
