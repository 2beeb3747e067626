// The one reader of CC_EVENTS message bodies.
import { expect, it } from 'vitest';
import { decodeEvents } from '../../../pipelines/bus/event-message.ts';

const enc = (x: unknown) => new TextEncoder().encode(typeof x === 'string' ? x : JSON.stringify(x));
const ev = { id: 'e1', type: 'ticket.reopened', time: '2026-11-24T10:00:00Z', ticket_id: 't', tenant: 'acme', ts: 1, received_at: 2 };

it('reads a list of bus events, or a single one', () => {
  expect(decodeEvents(enc([ev, { ...ev, id: 'e2' }]))?.map((e) => e.id)).toEqual(['e1', 'e2']);
  expect(decodeEvents(enc(ev))?.map((e) => e.id)).toEqual(['e1']);
});

it('refuses what is not a list of bus events', () => {
  expect(decodeEvents(enc('{not json'))).toBeNull();
  expect(decodeEvents(enc([ev, null]))).toBeNull();
  expect(decodeEvents(enc([{ ...ev, ts: '1' }]))).toBeNull();
  expect(decodeEvents(enc([{ id: 'x', type: 'ticket.reopened' }]))).toBeNull();
});
