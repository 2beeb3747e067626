// Amazon Connect documents → spec events, and the Firehose record decoding around them.
import { describe, expect, it } from 'vitest';
import { ConnectMapper, arnId, learnNames, newOutput } from '../../../pipelines/sources/connect/mapper.ts';
import { decodeRecord, firehoseRequest, splitJsonDocuments } from '../../../pipelines/sources/connect/records.ts';

const INST = 'arn:aws:connect:eu-west-1:123456789012:instance/i-1';
const QB = `${INST}/queue/q-billing`;
const QS = `${INST}/queue/q-sales`;
const AG = `${INST}/agent/ag-1`;

function agentEvent(over: { type?: string; status?: [string, string]; contacts?: string[]; id?: string; time?: string } = {}) {
  return {
    AWSAccountId: '123456789012', AgentARN: AG, EventId: over.id ?? 'ev-1', EventTimestamp: over.time ?? '2026-11-24T10:00:10.000Z',
    EventType: over.type ?? 'STATE_CHANGE', InstanceARN: INST, Version: '2019-05-25',
    CurrentAgentSnapshot: {
      AgentStatus: { Name: (over.status ?? ['Available', 'ROUTABLE'])[0], Type: (over.status ?? ['Available', 'ROUTABLE'])[1] },
      Configuration: {
        Username: 'a1', FirstName: 'Anna', LastName: 'Rossi',
        AgentHierarchyGroups: { Level1: { Name: 'emea' }, Level2: { Name: 'north' } },
        RoutingProfile: { InboundQueues: [{ ARN: QB, Name: 'billing' }, { ARN: QS, Name: 'sales' }, { ARN: `${INST}/queue/agent/ag-1` }] },
      },
      Contacts: (over.contacts ?? []).map((State) => ({ ContactId: 'c-1', State, Queue: { ARN: QB, Name: 'billing' } })),
    },
  };
}

const contactEvent = (eventType: string, detail: Record<string, unknown> = {}) => ({
  version: '0', id: `eb-${eventType}`, 'detail-type': 'Amazon Connect Contact Event', source: 'aws.connect', time: '2026-11-24T10:00:00Z',
  detail: { eventType, contactId: 'c-1', channel: 'VOICE', initiationMethod: 'INBOUND', ...detail },
});

const ctr = (over: Record<string, unknown> = {}) => ({
  ContactId: 'c-1', Channel: 'VOICE', InitiationMethod: 'INBOUND', InitiationTimestamp: '2026-11-24T09:59:52Z',
  DisconnectTimestamp: '2026-11-24T10:04:10Z', DisconnectReason: 'AGENT_DISCONNECT', NextContactId: null,
  Queue: { ARN: QB, Name: 'billing', EnqueueTimestamp: '2026-11-24T10:00:00Z', DequeueTimestamp: '2026-11-24T10:00:10Z' },
  Agent: {
    ARN: AG, ConnectedToAgentTimestamp: '2026-11-24T10:00:10Z', AfterContactWorkStartTimestamp: '2026-11-24T10:04:10Z',
    AfterContactWorkEndTimestamp: '2026-11-24T10:05:10Z', CustomerHoldDuration: 12,
  },
  Attributes: { resolved: 'true' },
  ...over,
});

function mapAll(docs: unknown[], names: Record<string, string> = {}) {
  const out = newOutput();
  const m = new ConnectMapper((id) => names[id]);
  for (const d of docs) m.map(d, out);
  return out;
}

describe('agent event stream records', () => {
  it('give agent.state from the contacts and the status, with team (deepest level), name and queues', () => {
    const out = mapAll([agentEvent({ contacts: ['CONNECTED'] })]);
    expect(out.events).toEqual([{
      id: 'connect:agent:ev-1', type: 'agent.state', time: '2026-11-24T10:00:10.000Z', agent_id: 'a1', state: 'busy',
      name: 'Anna Rossi', team: 'north', queues: ['billing', 'sales'],
    }]);
  });

  it.each([
    [{ contacts: ['CONNECTED_ONHOLD'] }, 'busy', undefined],
    [{ contacts: ['ENDED'] }, 'wrap_up', undefined],
    [{ contacts: ['CONNECTING'] }, 'available', undefined],
    [{}, 'available', undefined],
    [{ status: ['Lunch', 'CUSTOM'] as [string, string] }, 'away', 'lunch'],
    [{ status: ['Offline', 'OFFLINE'] as [string, string] }, 'offline', undefined],
    [{ type: 'LOGOUT' }, 'offline', undefined],
    [{ status: ['Break', 'CUSTOM'] as [string, string], contacts: ['ENDED'] }, 'wrap_up', undefined],
  ])('%o → %s', (over, state, reason) => {
    const ev = mapAll([agentEvent(over)]).events[0] as { state: string; reason?: string };
    expect([ev.state, ev.reason]).toEqual([state, reason]);
  });

  it('HEART_BEAT is ignored; an unknown EventType or a bad time is rejected', () => {
    const out = mapAll([agentEvent({ type: 'HEART_BEAT' }), agentEvent({ type: 'BARGE', id: 'x' }), agentEvent({ time: 'never', id: 'y' })]);
    expect(out.events).toEqual([]);
    expect(out.ignored).toEqual({ HEART_BEAT: 1 });
    expect(out.rejects.map((r) => [r.reason, r.id])).toEqual([['unknown_event', 'connect:reject:x'], ['bad_time', 'connect:reject:y']]);
    expect(out.rejects[1].detail).toContain('EventTimestamp');
  });
});

describe('contact events (EventBridge)', () => {
  it('QUEUED, CONNECTED_TO_AGENT, DISCONNECTED map with names learnt from ARNs', () => {
    const names = new Map<string, string>();
    learnNames(agentEvent(), names);
    expect(Object.fromEntries(names)).toEqual({ 'ag-1': 'a1', 'q-billing': 'billing', 'q-sales': 'sales' });
    const q = { queueArn: QB, enqueueTimestamp: '2026-11-24T10:00:00.000Z' };
    const a = { agentArn: AG, connectedToAgentTimestamp: '2026-11-24T10:00:10.000Z' };
    const out = mapAll([
      contactEvent('INITIATED'),
      contactEvent('QUEUED', { queueInfo: q }),
      contactEvent('CONNECTED_TO_AGENT', { queueInfo: q, agentInfo: a }),
      contactEvent('DISCONNECTED', { queueInfo: q, agentInfo: a, disconnectTimestamp: '2026-11-24T10:04:10.000Z' }),
      { ...contactEvent('DISCONNECTED', { queueInfo: q, disconnectTimestamp: '2026-11-24T10:00:03.000Z' }), detail: { eventType: 'DISCONNECTED', contactId: 'c-2', queueInfo: q, disconnectTimestamp: '2026-11-24T10:00:03.000Z' } },
    ], Object.fromEntries(names));
    expect(out.ignored).toEqual({ INITIATED: 1 });
    expect(out.events.map((e) => [e.id, e.type, e.time, (e as { queue?: string }).queue, (e as { agent_id?: string }).agent_id])).toEqual([
      ['connect:c-1:queued', 'contact.queued', '2026-11-24T10:00:00.000Z', 'billing', undefined],
      ['connect:c-1:answered', 'contact.answered', '2026-11-24T10:00:10.000Z', 'billing', 'a1'],
      ['connect:c-1:ended', 'contact.ended', '2026-11-24T10:04:10.000Z', undefined, 'a1'],
      ['connect:c-2:abandoned', 'contact.abandoned', '2026-11-24T10:00:03.000Z', 'billing', undefined],
    ]);
  });

  it("without a learnt name the ARN's id stands in; an unknown eventType is rejected", () => {
    const out = mapAll([contactEvent('QUEUED', { queueInfo: { queueArn: QS } }), contactEvent('TELEPORTED')]);
    expect(out.events[0]).toMatchObject({ queue: 'q-sales', time: '2026-11-24T10:00:00.000Z', channel: 'voice' });
    expect(out.rejects.map((r) => r.reason)).toEqual(['unknown_event']);
  });

  it('a CALLBACK contact is on the callback channel; EMAIL has no contact channel', () => {
    const out = mapAll([
      contactEvent('QUEUED', { queueInfo: { queueArn: QB }, initiationMethod: 'CALLBACK' }),
      contactEvent('QUEUED', { queueInfo: { queueArn: QB }, channel: 'EMAIL' }),
    ]);
    expect(out.events[0]).toMatchObject({ channel: 'callback' });
    expect(out.rejects.map((r) => r.reason)).toEqual(['unmappable']);
  });
});

describe('contact trace records', () => {
  it('an answered contact: queued, answered, ended (hold), wrapped (resolved) with the same ids as contact events', () => {
    const out = mapAll([ctr()], { 'ag-1': 'a1' });
    expect(out.events.map((e) => [e.id, e.type, e.time])).toEqual([
      ['connect:c-1:queued', 'contact.queued', '2026-11-24T10:00:00.000Z'],
      ['connect:c-1:answered', 'contact.answered', '2026-11-24T10:00:10.000Z'],
      ['connect:c-1:ended', 'contact.ended', '2026-11-24T10:04:10.000Z'],
      ['connect:c-1:wrapped', 'contact.wrapped', '2026-11-24T10:05:10.000Z'],
    ]);
    expect(out.events[2]).toMatchObject({ agent_id: 'a1', hold_ms: 12_000, attrs: { 'connect.disconnect_reason': 'AGENT_DISCONNECT' } });
    expect(out.events[3]).toMatchObject({ resolved: true });
  });

  it('an unanswered contact is abandoned at DequeueTimestamp; one transferred on (NextContactId) is not', () => {
    const q = { ARN: QB, Name: 'billing', EnqueueTimestamp: '2026-11-24T10:02:00Z', DequeueTimestamp: '2026-11-24T10:02:03Z' };
    const out = mapAll([ctr({ Agent: null, Queue: q, DisconnectReason: 'CUSTOMER_DISCONNECT' }), ctr({ ContactId: 'c-3', Agent: null, Queue: q, NextContactId: 'c-4' })]);
    expect(out.events.map((e) => [e.id, e.time])).toEqual([
      ['connect:c-1:queued', '2026-11-24T10:02:00.000Z'],
      ['connect:c-1:abandoned', '2026-11-24T10:02:03.000Z'],
      ['connect:c-3:queued', '2026-11-24T10:02:00.000Z'],
    ]);
    expect(out.ignored).toEqual({ TRANSFERRED_OUT: 1 });
  });

  it('a record with a broken time maps to nothing at all (no half contact)', () => {
    const out = mapAll([ctr({ Agent: { ARN: AG, ConnectedToAgentTimestamp: 'later' } })]);
    expect(out.events).toEqual([]);
    expect(out.rejects.map((r) => [r.reason, r.id])).toEqual([['bad_time', 'connect:reject:c-1']]);
  });

  it('anything else is an unknown record', () => {
    const out = mapAll([{ hello: 1 }, 42]);
    expect(out.rejects.map((r) => r.reason)).toEqual(['unknown_record', 'unknown_record']);
  });
});

describe('Firehose records', () => {
  it('a record holds one or more JSON documents, concatenated or one a line', () => {
    expect(splitJsonDocuments('{"a":1}{"b":"}{"}\n{"c":[1,{"d":2}]}\n').docs).toEqual([{ a: 1 }, { b: '}{' }, { c: [1, { d: 2 }] }]);
    expect(splitJsonDocuments('[{"a":1},{"a":2}]').docs).toEqual([{ a: 1 }, { a: 2 }]);
    expect(splitJsonDocuments('{"a":1} {"b":').error).toMatch(/unterminated/);
    expect(splitJsonDocuments('{"a":1} x').error).toMatch(/offset 8/);
  });

  it('firehoseRequest and decodeRecord are inverse', () => {
    const req = firehoseRequest('r-1', [{ a: 1 }, { b: 2 }], 5);
    expect(req.requestId).toBe('r-1');
    expect(req.records.map((r) => decodeRecord(r.data).docs)).toEqual([[{ a: 1 }], [{ b: 2 }]]);
  });

  it('arnId takes the resource id', () => {
    expect(arnId(QB)).toBe('q-billing');
    expect(arnId('plain')).toBe('plain');
  });
});

describe('queue transfers (QUEUE_TRANSFER: a new ContactId continues the contact)', () => {
  const qb = { ARN: QB, Name: 'billing', EnqueueTimestamp: '2026-11-24T10:00:00Z', DequeueTimestamp: '2026-11-24T10:01:00Z' };
  const qs = { ARN: QS, Name: 'sales', EnqueueTimestamp: '2026-11-24T10:01:00Z', DequeueTimestamp: '2026-11-24T10:01:20Z' };
  const original = ctr({ ContactId: 'c-1', Agent: null, Queue: qb, NextContactId: 'c-2', DisconnectReason: 'CONTACT_FLOW_DISCONNECT' });
  const moved = ctr({
    ContactId: 'c-2', InitiationMethod: 'QUEUE_TRANSFER', PreviousContactId: 'c-1', InitialContactId: 'c-1', Queue: qs,
    Agent: { ARN: AG, Username: 'a1', ConnectedToAgentTimestamp: '2026-11-24T10:01:20Z', AfterContactWorkStartTimestamp: '2026-11-24T10:03:00Z', AfterContactWorkEndTimestamp: '2026-11-24T10:03:30Z' },
  });
  const names = { 'q-billing': 'billing', 'q-sales': 'sales', 'ag-1': 'a1' };
  const run = (docs: unknown[], memory: Record<string, { q?: string; s?: string; next?: boolean }> = {}) => {
    const out = newOutput();
    new ConnectMapper((id) => names[id as keyof typeof names], {}, (cid) => memory[cid]).mapAll(docs, out);
    return out;
  };
  const brief = (out: ReturnType<typeof run>) =>
    out.events.map((e) => [e.id, e.type, (e as { contact_id?: string }).contact_id, (e as { queue?: string }).queue, (e as { to_queue?: string }).to_queue]);

  it('CTRs: the original is queued in billing and not abandoned; the new ContactId is transferred in, answered under the original id', () => {
    const out = run([original, moved]);
    expect(brief(out)).toEqual([
      ['connect:c-1:queued', 'contact.queued', 'c-1', 'billing', undefined],
      ['connect:c-2:queued', 'contact.queued', 'c-1', 'sales', undefined],
      ['connect:c-2:transferred', 'contact.transferred', 'c-1', 'billing', 'sales'],
      ['connect:c-2:answered', 'contact.answered', 'c-1', 'sales', undefined],
      ['connect:c-2:ended', 'contact.ended', 'c-1', undefined, undefined],
      ['connect:c-2:wrapped', 'contact.wrapped', 'c-1', undefined, undefined],
    ]);
    expect(out.events[2].time).toBe('2026-11-24T10:01:00.000Z');
    expect(out.ignored).toEqual({ TRANSFERRED_OUT: 1 });
    expect(out.contacts.get('c-1')).toMatchObject({ q: 'billing', next: true });
    expect(out.contacts.get('c-2')).toMatchObject({ q: 'sales', s: 'c-1' });
  });

  it('contact events: the previous queue comes from the memory; the DISCONNECTED of the contact left is no abandon', () => {
    const ev = (eventType: string, contactId: string, detail: Record<string, unknown>) => ({ ...contactEvent(eventType), detail: { eventType, contactId, channel: 'VOICE', ...detail } });
    const out = run([
      ev('DISCONNECTED', 'c-1', { initiationMethod: 'INBOUND', queueInfo: { queueArn: QB }, disconnectTimestamp: '2026-11-24T10:01:00.000Z' }),
      ev('QUEUED', 'c-2', { initiationMethod: 'QUEUE_TRANSFER', previousContactId: 'c-1', initialContactId: 'c-1', queueInfo: { queueArn: QS, enqueueTimestamp: '2026-11-24T10:01:00.000Z' } }),
      ev('CONNECTED_TO_AGENT', 'c-2', { initiationMethod: 'QUEUE_TRANSFER', previousContactId: 'c-1', queueInfo: { queueArn: QS }, agentInfo: { agentArn: AG, connectedToAgentTimestamp: '2026-11-24T10:01:20.000Z' } }),
    ], { 'c-1': { q: 'billing' } });
    expect(brief(out)).toEqual([
      ['connect:c-2:queued', 'contact.queued', 'c-1', 'sales', undefined],
      ['connect:c-2:transferred', 'contact.transferred', 'c-1', 'billing', 'sales'],
      ['connect:c-2:answered', 'contact.answered', 'c-1', 'sales', undefined],
    ]);
    expect(out.ignored).toEqual({ TRANSFERRED_OUT: 1 });
  });

  it('a second transfer continues the same series; an unknown previous queue leaves the new ContactId on its own', () => {
    const third = ctr({ ContactId: 'c-3', InitiationMethod: 'QUEUE_TRANSFER', PreviousContactId: 'c-2', InitialContactId: 'c-1', Agent: null, Queue: { ...qb, EnqueueTimestamp: '2026-11-24T10:02:00Z' } });
    expect(brief(run([third], { 'c-2': { q: 'sales', s: 'c-1' } })).slice(0, 2)).toEqual([
      ['connect:c-3:queued', 'contact.queued', 'c-1', 'billing', undefined],
      ['connect:c-3:transferred', 'contact.transferred', 'c-1', 'sales', 'billing'],
    ]);
    expect(brief(run([moved])).map((e) => e[2])).toEqual(['c-2', 'c-2', 'c-2', 'c-2']);
  });

  it('an agent transfer (TRANSFER) keeps its own ContactId and needs no transfer event', () => {
    const out = run([ctr({ ContactId: 'c-5', InitiationMethod: 'TRANSFER', PreviousContactId: 'c-1', InitialContactId: 'c-1', Queue: qs })], { 'c-1': { q: 'billing' } });
    expect(out.events.every((e) => (e as { contact_id?: string }).contact_id === 'c-5')).toBe(true);
    expect(out.events.some((e) => e.type === 'contact.transferred')).toBe(false);
  });
});
