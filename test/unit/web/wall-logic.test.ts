import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../web/src/lib/live/backoff.ts';
import { appendPoint, mergeHistory, type SparkPoint } from '../../../web/src/lib/wall/spark-series.ts';
import { boardOrder, compactName } from '../../../web/src/lib/wall/agent-state.ts';
import type { AgentRow } from '../../../pipelines/engine/types.ts';

describe('reconnect backoff', () => {
  const b = { baseMs: 500, maxMs: 15_000 };
  it('doubles per attempt, jittered between half and all of the step', () => {
    expect(backoffDelay(0, b, () => 0)).toBe(250);
    expect(backoffDelay(0, b, () => 1)).toBe(500);
    expect(backoffDelay(3, b, () => 0)).toBe(2000);
    expect(backoffDelay(3, b, () => 1)).toBe(4000);
  });
  it('never exceeds the cap, even after many attempts', () => {
    for (const attempt of [5, 10, 50, 1000]) {
      expect(backoffDelay(attempt, b, () => 1)).toBe(15_000);
      expect(backoffDelay(attempt, b, () => 0)).toBe(7500);
    }
  });
});

describe('sparkline points', () => {
  const t0 = Date.parse('2026-11-24T10:00:00Z');
  it('keeps one point per 5 s bucket with the latest value', () => {
    let pts: SparkPoint[] = [];
    pts = appendPoint(pts, t0, 1);
    pts = appendPoint(pts, t0 + 1000, 2);
    pts = appendPoint(pts, t0 + 4000, 3);
    expect(pts).toEqual([{ t: t0, v: 3 }]);
    pts = appendPoint(pts, t0 + 6000, 4);
    expect(pts).toEqual([{ t: t0, v: 3 }, { t: t0 + 6000, v: 4 }]);
  });
  it('drops points older than 30 minutes and keeps nulls as gaps', () => {
    let pts: SparkPoint[] = [{ t: t0, v: 1 }, { t: t0 + 60_000, v: null }];
    pts = appendPoint(pts, t0 + 30 * 60_000 + 1, 5);
    expect(pts).toEqual([{ t: t0 + 60_000, v: null }, { t: t0 + 30 * 60_000 + 1, v: 5 }]);
  });
  it('puts history before live points without duplicating the overlap', () => {
    const live = [{ t: t0 + 120_000, v: 9 }];
    const history = [
      { at: '2026-11-24T10:03:00Z', value: 7 },
      { at: '2026-11-24T10:01:00Z', value: 5 },
      { at: '2026-11-24T10:02:00Z', value: null },
    ];
    expect(mergeHistory(history, live)).toEqual([{ t: t0 + 60_000, v: 5 }, { t: t0 + 120_000, v: 9 }]);
  });
});

describe('agent board', () => {
  const row = (agent_id: string, state: AgentRow['state'], since: number): AgentRow =>
    ({ agent_id, name: agent_id, team: null, state, reason: null, since, queues: [] });
  it('lists away and wrap-up first, longest in state first, and hides offline agents', () => {
    const order = boardOrder([
      row('b1', 'busy', 300), row('av', 'available', 100), row('aw', 'away', 500),
      row('off', 'offline', 1), row('b0', 'busy', 200), row('wr', 'wrap_up', 400),
    ]).map((a) => a.agent_id);
    expect(order).toEqual(['aw', 'wr', 'b0', 'b1', 'av']);
  });
  it('shortens names to first name and initial', () => {
    expect(compactName('Federico Leone')).toBe('Federico L.');
    expect(compactName('Anna Maria Rossi')).toBe('Anna R.');
    expect(compactName('Cher')).toBe('Cher');
  });
});
