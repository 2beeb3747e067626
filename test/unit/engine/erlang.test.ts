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
