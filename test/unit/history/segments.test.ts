// Segment pairing is order-independent and follows kpis.md: starts pair with ends per
// queue, transfers close one segment and open the next, unknown starts use wait_ms.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { contactSegments, type ContactEvent } from '../../../pipelines/history/segments.ts';
import { agentIntervals, OPEN_END, teamAt } from '../../../pipelines/history/agent-intervals.ts';

const T = Date.parse('2026-11-24T10:00:00Z');
const e = (id: string, type: string, s: number, f: Partial<ContactEvent> = {}): ContactEvent => ({ id, type, ts: T + s * 1000, ...f });

const transfer = [
  e('1', 'contact.queued', 0, { queue: 'billing', channel: 'voice' }),
  e('2', 'contact.transferred', 12, { queue: 'billing', to_queue: 'sales' }),
  e('3', 'contact.answered', 40, { queue: 'sales', agent_id: 'a1' }),
  e('4', 'contact.ended', 100, { agent_id: 'a1' }),
  e('5', 'contact.wrapped', 130, { agent_id: 'a1', resolved: true }),
];

describe('contactSegments', () => {
  it('splits a transferred contact into one segment per queue', () => {
    const s = contactSegments('c', transfer);
    expect(s.map((x) => [x.queue, x.channel, x.outcome, x.wait_ms, x.agent_id, x.handle_ms, x.resolved])).toEqual([
      ['billing', 'voice', 'transferred', 12_000, '', null, null],
      ['sales', 'voice', 'answered', 28_000, 'a1', 90_000, true],
    ]);
  });

  it('gives the same segments for any order and with duplicates', () => {
    const want = contactSegments('c', transfer);
    fc.assert(
      fc.property(fc.shuffledSubarray(transfer, { minLength: transfer.length }), fc.subarray(transfer), (order, dups) => {
        expect(contactSegments('c', [...order, ...dups])).toEqual(want);
      }),
    );
  });

  it('uses wait_ms when the start is unknown, and leaves an unended segment waiting', () => {
    const [a] = contactSegments('c', [e('1', 'contact.answered', 5, { queue: 'q', agent_id: 'a', wait_ms: 7000 })]);
    expect([a.started_at, a.wait_ms, a.outcome]).toEqual([null, 7000, 'answered']);
    const [w] = contactSegments('c', [e('1', 'contact.queued', 0, { queue: 'q', channel: 'chat' })]);
    expect([w.outcome, w.ended_at, w.wait_ms]).toEqual(['waiting', null, null]);
  });

  it('pairs a zero-wait answer stamped at the same instant as its start', () => {
    const [s] = contactSegments('c', [e('b', 'contact.answered', 0, { queue: 'q', agent_id: 'a' }), e('a', 'contact.queued', 0, { queue: 'q', channel: 'voice' })]);
    expect([s.started_at, s.wait_ms]).toEqual([T, 0]);
  });
});

describe('agentIntervals', () => {
  it('carries team and queues forward and rewrites the previous interval end', () => {
    const prev = { agent_id: 'a', id: 'p', start: T - 1000, end: OPEN_END, state: 'available', team: 'north', queues: ['q'] };
    const ivs = agentIntervals('a', [
      { id: '2', ts: T + 2000, state: 'away', team: 'south', queues: null },
      { id: '1', ts: T, state: 'busy', team: '', queues: ['q', 'r'] },
    ], prev);
    expect(ivs.map((i) => [i.id, i.start - T, i.end === OPEN_END ? 'open' : i.end - T, i.team, i.queues.join('+')])).toEqual([
      ['p', -1000, 0, 'north', 'q'],
      ['1', 0, 2000, 'north', 'q+r'],
      ['2', 2000, 'open', 'south', 'q+r'],
    ]);
    expect(teamAt(ivs, T + 1999)).toBe('north');
    expect(teamAt(ivs, T + 2000)).toBe('south');
  });
});
