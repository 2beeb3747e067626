// The points behind a tile's sparkline: seeded from /v1/kpis/series, then fed by live
// updates. Updates arrive up to once a second; one point per few seconds is plenty for a
// 30-minute line and keeps the path small.
export interface SparkPoint {
  t: number;
  v: number | null;
}

export const SPARK_MINUTES = 30;
const KEEP_MS = SPARK_MINUTES * 60_000;

/** Add a reading at time t: replaces the last point if it is closer than `spacingMs`, drops points older than 30 min. */
export function appendPoint(points: SparkPoint[], t: number, v: number | null, spacingMs = 5000): SparkPoint[] {
  const last = points.at(-1);
  const kept = points.filter((p) => p.t >= t - KEEP_MS);
  if (last && t < last.t) return kept; // out of order: history already covers it
  // within a bucket: the latest value wins, the bucket keeps its time so spacing stays even
  if (last && t - last.t < spacingMs && kept.length > 0) return [...kept.slice(0, -1), { t: last.t, v }];
  return [...kept, { t, v }];
}

/** Merge history from the API under whatever live points arrived meanwhile. */
export function mergeHistory(history: { at: string; value: number | null }[], live: SparkPoint[]): SparkPoint[] {
  const firstLive = live[0]?.t ?? Infinity;
  const older = history
    .map((p) => ({ t: Date.parse(p.at), v: p.value }))
    .filter((p) => Number.isFinite(p.t) && p.t < firstLive)
    .sort((a, b) => a.t - b.t);
  return [...older, ...live];
}
