// An agent's current state is its latest event, even when that event is older than the
// engine's horizon (a backfill arriving after eviction, an agent idle since yesterday).
import { describe, expect, it } from 'vitest';
import { TenantEngine } from '../../../pipelines/engine/index.ts';
import type { BusEvent } from '../../../pipelines/events/schema.ts';

const NOW = Date.parse('2026-11-24T10:00:00Z');
const state = (id: string, t: number, s: string): BusEvent =>
  ({ id, type: 'agent.state', time: new Date(t).toISOString(), ts: t, tenant: 't', received_at: NOW, agent_id: 'a1', state: s, name: 'Anna' }) as BusEvent;

describe('agent state before the horizon', () => {
  it('takes the newest event for the agent, and ignores older ones', () => {
    const e = new TenantEngine();
    e.apply(state('s1', NOW - 6 * 86_400_000, 'busy'));
    e.evict(NOW); // horizon moves to the start of today − 1 h
    expect(e.apply(state('s2', NOW - 2 * 86_400_000, 'offline'))).toBe(true);
    expect(e.snapshot('agent:a1', NOW)!.agents![0]).toMatchObject({ state: 'offline', since: NOW - 2 * 86_400_000 });
    expect(e.apply(state('s0', NOW - 3 * 86_400_000, 'available'))).toBe(false);
    expect(e.metrics('all', '15m', NOW)!.agents).toEqual({ available: 0, busy: 0, wrap_up: 0, away: 0, offline: 1 });
    // a later event inside the windows still counts normally
    expect(e.apply(state('s3', NOW - 60_000, 'available'))).toBe(true);
    expect(e.snapshot('agent:a1', NOW)!.agents![0]).toMatchObject({ state: 'available', since: NOW - 60_000 });
  });
});
