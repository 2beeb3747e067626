// Erlang C check values of kpis.md ("Staffing").
import { describe, expect, it } from 'vitest';
import { agentsRequired, erlangAsa, erlangC, serviceLevel } from '../../../pipelines/engine/erlang.ts';

describe('Erlang C', () => {
  const a = (360 / 1800) * 240; // 360 contacts per 30 minutes, AHT 240 s

  it('matches the check values for A = 48, N = 55', () => {
    expect(a).toBe(48);
    expect(erlangC(a, 55)).toBeCloseTo(0.2387, 4);
    expect(erlangAsa(a, 55, 240)).toBeCloseTo(8.18, 2);
    expect(serviceLevel(a, 55, 15, 240)).toBeCloseTo(0.846, 3);
  });

  it('needs 54 agents for 80/20', () => {
    expect(agentsRequired({ arrivalsPerS: 360 / 1800, ahtS: 240, thresholdS: 20, target: 0.8 })).toBe(54);
    expect(serviceLevel(a, 53, 20, 240)).toBeLessThan(0.8);
  });

  it('is null without arrivals and stays finite for thousands of agents', () => {
    expect(agentsRequired({ arrivalsPerS: 0, ahtS: 240, thresholdS: 20, target: 0.8 })).toBeNull();
    const n = agentsRequired({ arrivalsPerS: 20, ahtS: 300, thresholdS: 20, target: 0.8 })!; // A = 6000
    expect(n).toBeGreaterThan(6000);
    expect(n).toBeLessThan(6100);
    expect(Number.isFinite(erlangC(6000, n))).toBe(true);
    expect(erlangC(10, 10)).toBe(1);
  });
});

// An independent Erlang C: the Poisson terms A^k/k! in log space (ln k! summed from
// logs, never a factorial), combined with log-sum-exp. It shares nothing with the
// recurrence of erlang.ts, so agreement at 2,000 Erlangs checks the recurrence there.
function erlangCLogSpace(a: number, n: number): number {
  const logTerms: number[] = [];
  let lnFact = 0;
  for (let k = 0; k < n; k++) {
    if (k > 0) lnFact += Math.log(k);
    logTerms.push(k * Math.log(a) - lnFact);
  }
  const lnLast = n * Math.log(a) - (lnFact + Math.log(n)) + Math.log(n / (n - a));
  const max = Math.max(lnLast, ...logTerms);
  let sum = 0;
  for (const t of logTerms) sum += Math.exp(t - max);
  const last = Math.exp(lnLast - max);
  return last / (sum + last);
}

/** agents_required straight from the definition of kpis.md, with the log-space Erlang C. */
function requiredByDefinition(a: number, ahtS: number, thresholdS: number, target: number): number {
  for (let n = Math.floor(a) + 1; ; n++) {
    const sl = 1 - erlangCLogSpace(a, n) * Math.exp((-(n - a) * thresholdS) / ahtS);
    if (sl >= target) return n;
  }
}

describe('Erlang C at large loads, against a log-space computation', () => {
  it('agrees with the log-space form on the check value', () => {
    expect(erlangCLogSpace(48, 55)).toBeCloseTo(0.2387, 4);
    expect(requiredByDefinition(48, 240, 20, 0.8)).toBe(54);
  });

  it('gives the same P(wait) and the same agents at 2,000 Erlangs', () => {
    for (const n of [2001, 2010, 2030, 2060, 2100]) {
      const want = erlangCLogSpace(2000, n);
      expect(Math.abs(erlangC(2000, n) - want), `N = ${n}`).toBeLessThan(1e-9 * Math.max(1, want) + 1e-12);
    }
    // 30,000 contacts per hour at AHT 240 s = 2,000 Erlangs; several service targets
    const cases: [number, number][] = [[20, 0.8], [15, 0.9], [30, 0.95], [10, 0.5]];
    for (const [thresholdS, target] of cases) {
      const want = requiredByDefinition(2000, 240, thresholdS, target);
      expect(want).toBeGreaterThan(2000);
      expect(agentsRequired({ arrivalsPerS: 30_000 / 3600, ahtS: 240, thresholdS, target }), `${target}/${thresholdS}`).toBe(want);
    }
    // a non-integer load near 2,000: 2,345 arrivals in 15 minutes at AHT 767 s
    const a = (2345 / 900) * 767;
    expect(agentsRequired({ arrivalsPerS: 2345 / 900, ahtS: 767, thresholdS: 20, target: 0.8 })).toBe(requiredByDefinition(a, 767, 20, 0.8));
  });

  it('stays fast at 2,000 Erlangs', () => {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) agentsRequired({ arrivalsPerS: 2000 / 240 + i * 1e-6, ahtS: 240, thresholdS: 20, target: 0.8 });
    // ~2,000 recurrence steps each: well under a millisecond per call
    expect((performance.now() - t0) / 100).toBeLessThan(5);
  });
});
