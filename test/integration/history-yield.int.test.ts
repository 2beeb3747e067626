// The history consumer stores facts only for events the writer has stored, and while the
// writer has a backlog it waits (up to yieldMaxMs): in a burst raw events are stored
// first. Real nats-server and chDB; the writer's durable is driven by hand here so the
// backlog is exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { eventually, startTestNats, tempDir } from '../support/harness.ts';
import { Bus } from '../../pipelines/bus/bus.ts';
import { durableConsumer } from '../../pipelines/bus/durable.ts';
import { EVENTS_STREAM, eventSubject } from '../../pipelines/bus/subjects.ts';
import type { BusEvent } from '../../pipelines/events/schema.ts';
import { HistoryConsumer } from '../../pipelines/history/consumer.ts';
import { insertEvents } from '../../pipelines/writer/events-in.ts';
import { migrate, openClickHouse, type ClickHouseClient } from '../../server/db/clickhouse.ts';
import { Registry } from '../../server/metrics.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';

const log = pino({ level: 'silent' });
let nats: PrivateNats;
let bus: Bus;
let ch: ClickHouseClient;
const T0 = Date.parse('2026-11-24T09:00:00Z');

const ev = (id: string, type: string, dt: number, extra: Record<string, unknown>) =>
  ({ id, type, time: new Date(T0 + dt).toISOString(), ...extra, tenant: 'default', ts: T0 + dt, received_at: T0 + dt }) as unknown as BusEvent;

async function publish(events: BusEvent[], msgID: string) {
  await bus.publishAll([{ subject: eventSubject('default', events[0].type), data: Buffer.from(JSON.stringify(events)), msgID }]);
}

/** Acks `n` messages on the writer's durable, as the writer does once they are stored. */
async function writerStores(n: number) {
  const c = await bus.js.consumers.get(EVENTS_STREAM, 'writer');
  const it = await c.fetch({ max_messages: n, expires: 2_000 });
  let got = 0;
  for await (const m of it) {
    await m.ackAck();
    if (++got === n) break;
  }
  expect(got).toBe(n);
}

const factCount = async (contact: string) => {
  const r = await ch.query({
    query: 'SELECT count() AS n FROM hist_contact_facts FINAL WHERE contact_id = {c:String} AND deleted = 0',
    query_params: { c: contact },
    format: 'JSONEachRow',
  });
  return Number((await r.json<{ n: number }>())[0].n);
};

beforeAll(async () => {
  nats = await startTestNats();
  bus = await Bus.connect(nats.url, log);
  ch = await openClickHouse({ clickhouse: null, dataDir: tempDir('fw-yield-') });
  await migrate(ch);
  await durableConsumer(bus, { stream: EVENTS_STREAM, durable: 'writer', filterSubject: 'cc.events.>', ackWaitMs: 60_000, maxAckPending: 1_000 });
  // A contact, stored by the writer; then three messages the writer has not stored yet.
  const contact = [
    ev('q1', 'contact.queued', 0, { contact_id: 'c1', queue: 'billing', channel: 'voice' }),
    ev('a1', 'contact.answered', 5_000, { contact_id: 'c1', queue: 'billing', agent_id: 'x1' }),
  ];
  await insertEvents(ch, contact);
  await publish(contact.slice(0, 1), 'm1');
  await publish(contact.slice(1), 'm2');
  await writerStores(2);
  for (let i = 0; i < 3; i++) await publish([ev(`s${i}`, 'agent.state', 10_000 + i, { agent_id: `x${i}`, state: 'available' })], `f${i}`);
}, 60_000);

afterAll(async () => {
  await bus?.close();
  await ch?.close();
  await nats?.stop();
});

describe('history consumer and the writer backlog', () => {
  it('waits while the writer is behind, up to yieldMaxMs, then computes', async () => {
    const patient = new HistoryConsumer({ bus, ch, log, metrics: new Registry(), durable: 'h-patient', maxMessages: 1, maxDelayMs: 20, yieldAbove: 2, yieldMaxMs: 60_000 });
    const hasty = new HistoryConsumer({ bus, ch, log, metrics: new Registry(), durable: 'h-hasty', maxMessages: 1, maxDelayMs: 20, yieldAbove: 2, yieldMaxMs: 300 });
    const stopped = new HistoryConsumer({ bus, ch, log, metrics: new Registry(), durable: 'h-stopped', maxMessages: 1, maxDelayMs: 20, yieldAbove: 2, yieldMaxMs: 60_000 });
    await patient.start();
    await stopped.start();
    // The contact's messages are stored, but three others wait for the writer (> 2).
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await factCount('c1')).toBe(0);
    // Stopped while waiting: nothing computed, nothing acknowledged (redelivered at restart).
    await stopped.stop();
    expect(await factCount('c1')).toBe(0);
    expect((await bus.jsm.consumers.info(EVENTS_STREAM, 'h-stopped')).ack_floor.stream_seq).toBe(0);
    // A consumer allowed to wait only 300 ms computes the facts despite the backlog.
    await hasty.start();
    await eventually(async () => expect(await factCount('c1')).toBeGreaterThan(0), 10_000);
    await hasty.stop();
    await ch.command({ query: 'TRUNCATE TABLE hist_contact_facts' });
    await new Promise((r) => setTimeout(r, 500));
    expect(await factCount('c1')).toBe(0); // the patient one still waits
    // Once the writer is down to one message, the patient consumer computes too.
    await writerStores(2);
    await eventually(async () => expect(await factCount('c1')).toBeGreaterThan(0), 10_000);
    await patient.stop();
  }, 60_000);
});
