// Metrics equality for tests: same keys, null vs number kept apart, numbers equal up
// to floating rounding.
import type { Metrics } from '../../../pipelines/engine/types.ts';

export function diffMetrics(got: Metrics | undefined, want: Metrics): string[] {
  if (!got) return ['missing scope'];
  const out: string[] = [];
  const keys = new Set([...Object.keys(got), ...Object.keys(want)]) as Set<keyof Metrics>;
  for (const k of keys) {
    const a = got[k];
    const b = want[k];
    if (typeof a === 'number' && typeof b === 'number') {
      if (Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(b))) out.push(`${k}: ${a} != ${b}`);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${k}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
  }
  return out;
}
