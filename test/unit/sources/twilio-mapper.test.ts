// TaskRouter event callbacks → spec events, one callback at a time.
import { describe, expect, it } from 'vitest';
import { TaskRouterMapper, eventTime, queueMemoryAfter } from '../../../pipelines/sources/twilio/mapper.ts';

const T = '1795514400'; // 2026-11-24T10:00:00Z
const task = {
  TaskSid: 'WT01', TaskQueueSid: 'WQ01', TaskQueueName: 'billing', TaskChannelUniqueName: 'voice',
  TaskAttributes: JSON.stringify({ resolved: true }), TaskPriority: '3',
};
const worker = {
  WorkerSid: 'WK01', WorkerName: 'a1', WorkerActivityName: 'Available',
  WorkerAttributes: JSON.stringify({ full_name: 'Anna', team_name: 'north', routing: { skills: ['billing', 'sales'] } }),
};
const m = new TaskRouterMapper();
const map = (p: Record<string, string>) => m.map({ Timestamp: T, ...p });

describe('TaskRouterMapper', () => {
  it('task-queue.entered → contact.queued with queue name, channel and priority', () => {
    expect(map({ EventType: 'task-queue.entered', ...task })).toEqual({
      ok: true,
      events: [{ id: 'twilio:WT01:queued:WQ01', type: 'contact.queued', time: '2026-11-24T10:00:00.000Z', contact_id: 'WT01', queue: 'billing', channel: 'voice', priority: 3 }],
    });
    const sms = map({ EventType: 'task-queue.entered', ...task, TaskChannelUniqueName: 'sms', TaskQueueName: '' });
    expect(sms.ok && sms.events[0]).toMatchObject({ channel: 'messaging', queue: 'WQ01' });
  });

  it('reservation.accepted → contact.answered and the worker busy, with team, name and queues', () => {
    const r = map({ EventType: 'reservation.accepted', ReservationSid: 'WR01', ...task, ...worker });
    expect(r.ok && r.events).toEqual([
      { id: 'twilio:WT01:answered:WR01', type: 'contact.answered', time: '2026-11-24T10:00:00.000Z', contact_id: 'WT01', queue: 'billing', agent_id: 'a1' },
      { id: 'twilio:WR01:accepted', type: 'agent.state', time: '2026-11-24T10:00:00.000Z', agent_id: 'a1', state: 'busy', team: 'north', name: 'Anna', queues: ['billing', 'sales'] },
    ]);
  });

  it('reservation.wrapup → ended + wrap_up; reservation.completed → wrapped (resolved) + the activity state', () => {
    const w = map({ EventType: 'reservation.wrapup', ReservationSid: 'WR01', ...task, ...worker });
    expect(w.ok && w.events.map((e) => [e.type, e.id, (e as { state?: string }).state])).toEqual([
      ['contact.ended', 'twilio:WT01:ended:WR01', undefined], ['agent.state', 'twilio:WR01:wrapup', 'wrap_up'],
    ]);
    const c = map({ EventType: 'reservation.completed', ReservationSid: 'WR01', ...task, ...worker });
    expect(c.ok && c.events).toMatchObject([
      { id: 'twilio:WT01:wrapped:WR01', type: 'contact.wrapped', contact_id: 'WT01', agent_id: 'a1', resolved: true },
      { id: 'twilio:WR01:completed', type: 'agent.state', state: 'available' },
    ]);
    const u = map({ EventType: 'reservation.completed', ReservationSid: 'WR01', ...task, ...worker, TaskAttributes: '{"resolved":"false"}' });
    expect(u.ok && u.events[0]).toMatchObject({ resolved: false });
    const none = map({ EventType: 'reservation.completed', ReservationSid: 'WR01', ...task, ...worker, TaskAttributes: 'not json' });
    expect(none.ok && 'resolved' in none.events[0]).toBe(false);
  });

  it('task.canceled → contact.abandoned; before any queue → nothing', () => {
    const r = map({ EventType: 'task.canceled', ...task, TaskCanceledReason: 'hangup' });
    expect(r.ok && r.events).toEqual([
      { id: 'twilio:WT01:abandoned', type: 'contact.abandoned', time: '2026-11-24T10:00:00.000Z', contact_id: 'WT01', queue: 'billing', attrs: { 'twilio.canceled_reason': 'hangup' } },
    ]);
    expect(map({ EventType: 'task.canceled', TaskSid: 'WT02' })).toEqual({ ok: true, events: [] });
  });

  it('worker.activity.update → agent.state by activity name (default and configured mapping)', () => {
    const st = (mapper: TaskRouterMapper, name: string) => {
      const r = mapper.map({ EventType: 'worker.activity.update', Timestamp: T, Sid: 'EV1', ...worker, WorkerActivityName: name });
      return r.ok ? [r.events[0].id, (r.events[0] as { state: string; reason?: string }).state, (r.events[0] as { reason?: string }).reason] : r;
    };
    expect(st(m, 'Available')).toEqual(['twilio:WK01:activity:EV1', 'available', undefined]);
    expect(st(m, 'Offline')).toEqual(['twilio:WK01:activity:EV1', 'offline', undefined]);
    expect(st(m, 'Break')).toEqual(['twilio:WK01:activity:EV1', 'away', 'break']);
    const custom = new TaskRouterMapper({ activities: { 'Back Office': 'busy' } });
    expect(st(custom, 'back office')).toEqual(['twilio:WK01:activity:EV1', 'busy', undefined]);
    const bySid = new TaskRouterMapper({ agentId: 'sid' }).map({ EventType: 'worker.activity.update', Timestamp: T, Sid: 'EV1', ...worker });
    expect(bySid.ok && bySid.events[0]).toMatchObject({ agent_id: 'WK01' });
  });

  it('known events without a Floorwatch fact are ignored; unknown ones and broken ones are rejected with a reason', () => {
    expect(map({ EventType: 'task.created', ...task })).toEqual({ ok: true, events: [], ignored: 'task.created' });
    expect(map({ EventType: 'task.teleported', ...task })).toMatchObject({ ok: false, reason: 'unknown_event' });
    expect(map({ EventType: 'reservation.accepted', ...task, ...worker })).toMatchObject({ ok: false, reason: 'unmappable', detail: expect.stringContaining('ReservationSid') });
    expect(m.map({ EventType: 'task-queue.entered', ...task, Timestamp: 'soon' })).toMatchObject({ ok: false, reason: 'bad_time' });
    expect(map({ EventType: 'task-queue.entered', ...task, TaskChannelUniqueName: 'fax' })).toMatchObject({ ok: false, reason: 'unmappable' });
  });
});

describe('eventTime', () => {
  it('reads TimestampMs, epoch seconds and ISO times', () => {
    expect(eventTime({ TimestampMs: '1795514400123', Timestamp: T })).toBe('2026-11-24T10:00:00.123Z');
    expect(eventTime({ Timestamp: T })).toBe('2026-11-24T10:00:00.000Z');
    expect(eventTime({ Timestamp: '2026-11-24T10:00:00Z' })).toBe('2026-11-24T10:00:00.000Z');
    expect(() => eventTime({})).toThrow(/Timestamp/);
  });
});

describe('task-queue.moved (the workflow moves a waiting task to another TaskQueue)', () => {
  const entered = { EventType: 'task-queue.entered', Sid: 'EV01', ...task };
  const moved = { EventType: 'task-queue.moved', Sid: 'EV02', ...task, TaskQueueSid: 'WQ02', TaskQueueName: 'sales', Timestamp: '1795514460' };

  it('→ contact.transferred from the remembered queue to the one the callback names, id from the event Sid', () => {
    const mem = queueMemoryAfter(entered, undefined, 1);
    expect(mem).toEqual({ q: 'billing', t: 1 });
    expect(m.map(moved, mem)).toEqual({
      ok: true,
      events: [{ id: 'twilio:WT01:transferred:EV02', type: 'contact.transferred', time: '2026-11-24T10:01:00.000Z', contact_id: 'WT01', queue: 'billing', to_queue: 'sales' }],
    });
    const after = queueMemoryAfter(moved, mem, 2);
    expect(after).toEqual({ q: 'sales', from: 'billing', t: 2 });
    // re-sent, or after the new queue's task-queue.entered: the same event
    expect(m.map(moved, after)).toEqual(m.map(moved, mem));
    expect(queueMemoryAfter(moved, after)).toBeUndefined();
    const enteredSales = queueMemoryAfter({ ...entered, TaskQueueSid: 'WQ02', TaskQueueName: 'sales' }, mem, 3);
    expect(m.map(moved, enteredSales)).toEqual(m.map(moved, mem));
  });

  it('without a memory of the task it is unmappable (dead-lettered, not guessed)', () => {
    const r = m.map(moved, undefined);
    expect(r).toMatchObject({ ok: false, reason: 'unmappable' });
    expect(queueMemoryAfter({ EventType: 'reservation.accepted', ...task }, undefined)).toBeUndefined();
  });
});
