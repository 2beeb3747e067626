// The pure alert evaluator: rule + previous state + value + time → next state, and the
// notification to send, if any. No clock, no I/O, so every path is unit-tested.
//
// normal ─breach─► pending ─(breach for for_s)─► firing ─recovered─► recovering ─(keep_firing_for_s)─► normal
//   ▲                 │ no breach                   ▲                    │ not recovered
//   └─────────────────┘                             └────────────────────┘
// Breach uses `threshold`; recovery uses `recover_threshold` (hysteresis), so a value
// flapping inside the band neither resolves nor re-fires the alert.
import type { Op, Rule } from './rule-schema.ts';

export type Status = 'normal' | 'pending' | 'firing' | 'recovering';
export type NotifyKind = 'firing' | 'repeat' | 'resolved';

export interface AlertState {
  status: Status;
  /** epoch ms the status was entered */
  since: number;
  /** epoch ms the current breach began (pending start) */
  pending_since: number | null;
  /** epoch ms the alert started firing (this episode) */
  starts_at: number | null;
  /** epoch ms the last episode resolved */
  ends_at: number | null;
  /** epoch ms the value first counted as recovered (recovering start) */
  recover_since: number | null;
  last_notified_at: number | null;
  /** a firing notification went out for this episode (so a resolved one is owed) */
  notified: boolean;
  /** counts notifications: with the fingerprint it names each one exactly once */
  seq: number;
  value: number | null;
}

export type EvalRule = Pick<
  Rule,
  'op' | 'threshold' | 'recover_threshold' | 'for_s' | 'keep_firing_for_s' | 'repeat_s' | 'no_data'
>;

export interface EvalContext {
  /** an active silence matches this rule or its scope */
  silenced?: boolean;
  /** the current episode was acknowledged: no repeats */
  acked?: boolean;
}

export interface Step {
  state: AlertState;
  /** the status changed */
  changed: boolean;
  from: Status;
  notify: NotifyKind | null;
}

export function initialState(): AlertState {
  return {
    status: 'normal',
    since: 0,
    pending_since: null,
    starts_at: null,
    ends_at: null,
    recover_since: null,
    last_notified_at: null,
    notified: false,
    seq: 0,
    value: null,
  };
}

export function compare(op: Op, v: number, t: number): boolean {
  switch (op) {
    case '>':
      return v > t;
    case '>=':
      return v >= t;
    case '<':
      return v < t;
    case '<=':
      return v <= t;
  }
}

export function evaluate(
  rule: EvalRule,
  prev: AlertState | undefined,
  value: number | null | undefined,
  now: number,
  ctx: EvalContext = {},
): Step {
  const noData = value === null || value === undefined || !Number.isFinite(value);
  // The common case — quiet and staying quiet — allocates nothing.
  if (prev && prev.status === 'normal' && !noData && !compare(rule.op, value, rule.threshold))
    return { state: prev, changed: false, from: 'normal', notify: null };
  const s: AlertState = { ...(prev ?? initialState()) };
  const from = s.status;
  if (noData && rule.no_data === 'keep') {
    // Nothing to measure: hold the state, and let timers wait for real values.
    return { state: s, changed: false, from, notify: null };
  }
  if (!noData) s.value = value!;
  // With no_data "fire", a null KPI counts as a breach and never as recovered.
  const breach = noData || compare(rule.op, value, rule.threshold);
  const recovered = !noData && !compare(rule.op, value, rule.recover_threshold);
  let notify: NotifyKind | null = null;

  const enter = (st: Status) => {
    s.status = st;
    s.since = now;
  };
  const fire = () => {
    enter('firing');
    s.starts_at = now;
    s.ends_at = null;
    s.recover_since = null;
    s.notified = false;
  };
  const resolve = () => {
    enter('normal');
    s.ends_at = now;
    s.pending_since = null;
    s.recover_since = null;
    if (s.notified) notify = 'resolved';
    s.notified = false;
  };

  switch (s.status) {
    case 'normal':
      if (breach) {
        s.pending_since = now;
        if (rule.for_s <= 0) fire();
        else enter('pending');
      }
      break;
    case 'pending':
      if (!breach) {
        enter('normal');
        s.pending_since = null;
      } else if (now - (s.pending_since ?? now) >= rule.for_s * 1000) fire();
      break;
    case 'firing':
      if (recovered) {
        if (rule.keep_firing_for_s > 0) {
          enter('recovering');
          s.recover_since = now;
        } else resolve();
      }
      break;
    case 'recovering':
      if (!recovered) {
        enter('firing');
        s.recover_since = null;
      } else if (now - (s.recover_since ?? now) >= rule.keep_firing_for_s * 1000) resolve();
      break;
  }

  const active = s.status === 'firing' || s.status === 'recovering';
  if (active && !ctx.silenced) {
    if (!s.notified) {
      // First notification of the episode, or the one a silence held back.
      notify = 'firing';
      s.notified = true;
    } else if (
      rule.repeat_s > 0 &&
      !ctx.acked &&
      s.status === 'firing' &&
      now - (s.last_notified_at ?? now) >= rule.repeat_s * 1000
    ) {
      notify = 'repeat';
    }
  }
  if (notify) {
    s.seq++;
    s.last_notified_at = now;
  }
  return { state: s, changed: s.status !== from, from, notify };
}
