// Staffing on the wall: agents required by Erlang C (the engine's `agents_required`,
// kpis.md "Staffing") against the agents on the queue now, and the inputs of that
// number so a supervisor can check it by hand. Pure, so unit tests cover it.
import { agentsRequired, serviceLevel } from '../../../../pipelines/engine/erlang.ts';
import { DEFAULT_POLICY, type Metrics, type QueuePolicy } from '../../../../pipelines/engine/types.ts';

/** AHT the engine assumes when nothing was wrapped in the last hour (kpis.md). */
export const DEFAULT_AHT_S = 300;

/** Agents on the queue who can take or are handling its contacts: available, busy, wrap-up. */
export function presentAgents(m: Metrics | undefined): number | null {
  const a = m?.agents;
  return a ? a.available + a.busy + a.wrap_up : null;
}

/**
 * Present − required: negative = short, positive = over; null when nothing is required
 * (no arrivals in the last 15 minutes, kpis.md's null) or the scope has no staffing.
 */
export function staffingGap(m: Metrics | undefined): number | null | undefined {
  if (!m) return undefined;
  const required = m.agents_required;
  const present = presentAgents(m);
  if (required === undefined) return undefined;
  if (required === null || present === null) return null;
  return present - required;
}

/** "short 3", "over 2", "on target": the difference in words, not only in colour. */
export function gapText(gap: number): string {
  if (gap < 0) return `short ${-gap}`;
  if (gap > 0) return `over ${gap}`;
  return 'on target';
}

export interface ErlangInputs {
  /** segments arrived in the last 15 minutes */
  arrived: number;
  /** contacts per second */
  lambda: number;
  ahtS: number;
  /** AHT was not measured in the last hour: the engine's default */
  ahtDefault: boolean;
  /** offered load in Erlangs */
  a: number;
  target: number;
  thresholdS: number;
  /** recomputed here from the inputs above */
  required: number | null;
  /** Erlang C service level with `required` agents, and with one fewer */
  slAtRequired: number | null;
  slAtOneFewer: number | null;
}

/** The Erlang C inputs of a queue from its 15-minute and 1-hour live metrics and its policy. */
export function erlangInputs(m15: Metrics | undefined, m1h: Metrics | undefined, policy: QueuePolicy = DEFAULT_POLICY): ErlangInputs | null {
  if (!m15 || m15.arrived === undefined) return null;
  const arrived = m15.arrived;
  const aht = m1h?.aht_s;
  const ahtDefault = aht === null || aht === undefined;
  const ahtS = ahtDefault ? DEFAULT_AHT_S : aht;
  const lambda = arrived / 900;
  const a = lambda * ahtS;
  const { sl_target: target, sl_threshold_s: thresholdS } = policy;
  const required = agentsRequired({ arrivalsPerS: lambda, ahtS, thresholdS, target });
  const sl = (n: number) => (n > 0 ? serviceLevel(a, n, thresholdS, ahtS) : 0);
  return {
    arrived, lambda, ahtS, ahtDefault, a, target, thresholdS, required,
    slAtRequired: required === null ? null : sl(required),
    slAtOneFewer: required === null ? null : sl(required - 1),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const num = (x: number, d: number) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 });

/** Lines of the staffing detail (tooltip and detail view): every number the result comes from. */
export function inputLines(m15: Metrics | undefined, inputs: ErlangInputs | null): string[] {
  const present = presentAgents(m15);
  const required = m15?.agents_required;
  const lines: string[] = [];
  if (inputs) {
    lines.push(`Offered, last 15 min: ${inputs.arrived} contacts → λ = ${num(inputs.lambda, 5)}/s`);
    lines.push(`AHT, last hour: ${num(inputs.ahtS, 1)} s${inputs.ahtDefault ? ' (default: nothing wrapped)' : ''}`);
    lines.push(`Load A = λ × AHT = ${num(inputs.a, 2)} Erlangs`);
    lines.push(`Target: ${pct(inputs.target)} answered within ${inputs.thresholdS} s`);
    if (inputs.required !== null)
      lines.push(`Erlang C: SL ${pct(inputs.slAtRequired!)} with ${inputs.required}, ${pct(inputs.slAtOneFewer!)} with ${inputs.required - 1}`);
  }
  lines.push(`Required: ${required === null || required === undefined ? '– (nothing arrived)' : required}`);
  const a = m15?.agents;
  if (a && present !== null)
    lines.push(`On the queue: ${present} (${a.available} available, ${a.busy} busy, ${a.wrap_up} wrap-up)`);
  const gap = staffingGap(m15);
  if (typeof gap === 'number') lines.push(`→ ${gapText(gap)}`);
  return lines;
}
