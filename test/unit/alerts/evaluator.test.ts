// The pure evaluator: every state of normal → pending → firing → recovering → normal,
// hysteresis, repeats, silences, acks and no-data handling, on fixed timestamps.
import { describe, expect, it } from 'vitest';
import { evaluate, type AlertState, type EvalRule, type NotifyKind } from '../../../pipelines/alerts/evaluator.ts';

const base: EvalRule = {
  op: '>',
  threshold: 100,
  recover_threshold: 80,
  for_s: 60,
  keep_firing_for_s: 0,
  repeat_s: 0,
  no_data: 'keep',
};

/** feeds (t seconds, value) pairs; returns the final state and every notification */
function run(rule: EvalRule, seq: [number, number | null][], ctx: (t: number) => { silenced?: boolean; acked?: boolean } = () => ({})) {
  let st: AlertState | undefined;
  const notes: [number, NotifyKind][] = [];
  const statuses: string[] = [];
  for (const [t, v] of seq) {
    const s = evaluate(rule, st, v, t * 1000, ctx(t));
    st = s.state;
    statuses.push(st.status);
    if (s.notify) notes.push([t, s.notify]);
  }
  return { st: st!, notes, statuses };
}

describe('evaluate', () => {
  it('stays pending (no notification) until the condition held for for_s, then fires once', () => {
    const r = run(base, [[0, 120], [30, 130], [59, 150], [60, 150], [61, 150], [120, 150]]);
    expect(r.statuses).toEqual(['pending', 'pending', 'pending', 'firing', 'firing', 'firing']);
    expect(r.notes).toEqual([[60, 'firing']]);
    expect(r.st.starts_at).toBe(60_000);
  });

  it('returns to normal silently when the breach ends during the pending period', () => {
    const r = run(base, [[0, 120], [30, 90], [40, 120], [99, 120], [100, 120]]);
    expect(r.statuses).toEqual(['pending', 'normal', 'pending', 'pending', 'firing']);
    expect(r.notes).toEqual([[100, 'firing']]);
  });

  it('does not resolve or re-fire while the value flaps inside the hysteresis band', () => {
    const r = run({ ...base, for_s: 0 }, [[0, 120], [1, 95], [2, 101], [3, 81], [4, 99], [5, 80], [6, 120]]);
    expect(r.statuses).toEqual(['firing', 'firing', 'firing', 'firing', 'firing', 'normal', 'firing']);
    expect(r.notes).toEqual([[0, 'firing'], [5, 'resolved'], [6, 'firing']]);
  });

  it('repeats after repeat_s while firing, and not once acknowledged', () => {
    const rule = { ...base, for_s: 0, repeat_s: 10 };
    const r = run(rule, [[0, 120], [5, 120], [10, 120], [15, 120], [20, 120], [30, 120]]);
    expect(r.notes).toEqual([[0, 'firing'], [10, 'repeat'], [20, 'repeat'], [30, 'repeat']]);
    const acked = run(rule, [[0, 120], [10, 120], [20, 120], [25, 50]], (t) => ({ acked: t >= 10 }));
    expect(acked.notes).toEqual([[0, 'firing'], [25, 'resolved']]);
  });

  it('keeps firing for keep_firing_for_s after recovery and resumes firing without a new notification', () => {
    const rule = { ...base, for_s: 0, keep_firing_for_s: 30 };
    const r = run(rule, [[0, 120], [10, 50], [20, 120], [25, 50], [54, 50], [55, 50]]);
    expect(r.statuses).toEqual(['firing', 'recovering', 'firing', 'recovering', 'recovering', 'normal']);
    expect(r.notes).toEqual([[0, 'firing'], [55, 'resolved']]);
    expect(r.st.ends_at).toBe(55_000);
  });

  it('handles "<" rules with the band above the threshold', () => {
    const rule: EvalRule = { ...base, op: '<', threshold: 0.8, recover_threshold: 0.85, for_s: 0 };
    const r = run(rule, [[0, 0.9], [1, 0.7], [2, 0.84], [3, 0.86]]);
    expect(r.statuses).toEqual(['normal', 'firing', 'firing', 'normal']);
    expect(r.notes).toEqual([[1, 'firing'], [3, 'resolved']]);
  });

  it('no_data keep: a null KPI changes nothing, not even the pending timer', () => {
    const r = run(base, [[0, 120], [30, null], [90, null], [100, 50]]);
    expect(r.statuses).toEqual(['pending', 'pending', 'pending', 'normal']);
    expect(r.notes).toEqual([]);
    const firing = run({ ...base, for_s: 0 }, [[0, 120], [10, null], [20, null]]);
    expect(firing.statuses).toEqual(['firing', 'firing', 'firing']);
  });

  it('no_data fire: fires once the KPI was null for the whole for_s', () => {
    const rule = { ...base, no_data: 'fire' as const };
    const r = run(rule, [[0, null], [30, null], [60, null], [70, 50]]);
    expect(r.statuses).toEqual(['pending', 'pending', 'firing', 'normal']);
    expect(r.notes).toEqual([[60, 'firing'], [70, 'resolved']]);
    expect(run(rule, [[0, null], [30, 10], [60, null]]).statuses).toEqual(['pending', 'normal', 'pending']);
  });

  it('a silence holds the notification back, and it goes out when the silence ends while still firing', () => {
    const rule = { ...base, for_s: 0 };
    const r = run(rule, [[0, 120], [10, 120], [20, 120]], (t) => ({ silenced: t < 15 }));
    expect(r.notes).toEqual([[20, 'firing']]);
    const quiet = run(rule, [[0, 120], [10, 50]], () => ({ silenced: true }));
    expect(quiet.notes).toEqual([]);
  });

  it('numbers every notification so each has its own delivery id', () => {
    const r = run({ ...base, for_s: 0, repeat_s: 5 }, [[0, 120], [5, 120], [6, 50], [7, 120]]);
    expect(r.notes.length).toBe(4);
    expect(r.st.seq).toBe(4);
  });

  it('does not mutate the previous state', () => {
    const a = evaluate({ ...base, for_s: 0 }, undefined, 120, 0).state;
    const copy = structuredClone(a);
    evaluate({ ...base, for_s: 0 }, a, 10, 1000);
    expect(a).toEqual(copy);
  });
});
