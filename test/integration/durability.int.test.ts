// The guarantees of DESIGN.md, shown with real failures: duplicates stored once (inside
// and outside JetStream's window), NATS down → 503 then recovery without a restart,
// ClickHouse failing → nothing acked or lost, undecodable messages → dead-letter stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFloorwatch, startTestNats, eventually, post, type TestFloorwatch } from '../support/harness.ts';
import { everyType } from '../support/sample-events.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { DLQ_STREAM, EVENTS_STREAM } from '../../pipelines/bus/subjects.ts';
import { headers } from '@nats-io/transport-node';

let nats: PrivateNats;
let fw: TestFloorwatch;
let ev: string;

async function count(prefix: string): Promise<number> {
  const r = await fw.rt.svc.ch.query({
    query: "SELECT count() AS n FROM events WHERE tenant = 'default' AND startsWith(id, {p:String})",
    query_params: { p: prefix },
    format: 'JSONEachRow',
  });
  return Number((await r.json<{ n: number }>())[0].n);
}

const batch = (prefix: string, n: number, at = Date.now() - 30_000) =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    type: 'contact.queued',
    time: new Date(at + i).toISOString(),
    contact_id: `${prefix}-c${i}`,
    queue: 'billing',
    channel: 'chat',
  }));

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, env: { NATS_DUPLICATE_WINDOW_S: '1' } });
  ev = `${fw.url}/v1/events`;
});
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

describe('duplicates', () => {
  it('stores an event posted twice inside the duplicate window once', async () => {
    const b = batch('dup-in', 50);
    expect((await post(ev, b, fw.admin)).status).toBe(202);
    expect((await post(ev, b, fw.admin)).status).toBe(202);
    await eventually(async () => (await count('dup-in-')) >= 50);
    await new Promise((r) => setTimeout(r, 600));
    expect(await count('dup-in-')).toBe(50);
  });

  it('stores an event posted again after the window (and inside other batches) once', async () => {
    const b = batch('dup-out', 20);
    expect((await post(ev, b, fw.admin)).status).toBe(202);
    await eventually(async () => (await count('dup-out-')) === 20);
    await new Promise((r) => setTimeout(r, 1_500)); // JetStream's window (1 s here) has passed
    expect((await post(ev, b, fw.admin)).status).toBe(202);
    expect((await post(ev, [...b.slice(0, 5), ...batch('dup-new', 3)], fw.admin)).status).toBe(202);
    await eventually(async () => (await count('dup-new-')) === 3);
    await new Promise((r) => setTimeout(r, 600));
    expect(await count('dup-out-')).toBe(20);
    const dropped = (await (await fetch(`${fw.url}/metrics`)).text()).match(/fw_writer_duplicates_total (\d+)/);
    expect(Number(dropped![1])).toBeGreaterThanOrEqual(25);
  });

  it('stores ids with quotes, backslashes and control characters once, also when posted again after the window', async () => {
    const odd = ["q'uote", 'back\\slash', 'new\nline', 'tab\tand\u0000nul', "é'\\'ü", 'emoji-😀'].map((s) => `odd-${s}`);
    const b = odd.map((id, i) => ({ ...batch('odd', 1)[0], id, contact_id: `odd-c${i}` }));
    expect((await post(ev, b, fw.admin)).status).toBe(202);
    await eventually(async () => (await count('odd-')) === odd.length);
    await new Promise((r) => setTimeout(r, 1_500)); // past JetStream's window: only the writer drops them
    expect((await post(ev, [...b, ...batch('odd-after', 1)], fw.admin)).status).toBe(202);
    await eventually(async () => (await count('odd-after-')) === 1);
    await new Promise((r) => setTimeout(r, 600));
    expect(await count('odd-')).toBe(odd.length + 1);
  });
});

describe('the bus going away', () => {
  it('answers 503 with Retry-After while NATS is down and accepts again once it is back', async () => {
    await nats.stop();
    const down = await eventually(async () => {
      const r = await post(ev, batch('nats-down', 3), fw.admin);
      return r.status === 503 ? r : null;
    }, 20_000);
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(down.headers.get('content-type')).toMatch(/problem\+json/);
    expect(down.json.detail).toMatch(/nothing was accepted/);
    const ready = await fetch(`${fw.url}/readyz`);
    expect(ready.status).toBe(503);

    await nats.restart();
    await eventually(async () => (await post(ev, batch('nats-back', 10), fw.admin)).status === 202, 30_000);
    await eventually(async () => (await count('nats-back-')) === 10, 20_000);
    expect(await count('nats-down-')).toBe(0);
  });
});

describe('ClickHouse failing', () => {
  it('acks nothing while inserts fail and stores everything once it recovers', async () => {
    await fw.rt.svc.ch.command({ query: 'DETACH TABLE events' });
    try {
      expect((await post(ev, batch('ch-down', 100), fw.admin)).status).toBe(202);
      const info = await eventually(async () => {
        const i = await fw.rt.svc.bus.jsm.consumers.info(EVENTS_STREAM, 'writer');
        return i.num_ack_pending > 0 ? i : null;
      });
      expect(info.num_ack_pending).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await fw.rt.svc.bus.jsm.consumers.info(EVENTS_STREAM, 'writer')).num_ack_pending).toBeGreaterThan(0);
    } finally {
      await fw.rt.svc.ch.command({ query: 'ATTACH TABLE events' });
    }
    await eventually(async () => (await count('ch-down-')) === 100, 20_000);
    await eventually(async () => (await fw.rt.svc.bus.jsm.consumers.info(EVENTS_STREAM, 'writer')).num_ack_pending === 0);
    expect(await count('ch-down-')).toBe(100);
    expect(await (await fetch(`${fw.url}/metrics`)).text()).toMatch(/fw_writer_insert_failures_total [1-9]/);
  });

  it('sends a message that can never be stored to the dead-letter stream', async () => {
    const before = (await fw.rt.svc.bus.jsm.streams.info(DLQ_STREAM)).state.messages;
    await fw.rt.svc.bus.js.publish('cc.events.default.contact.queued', new TextEncoder().encode('{not json'));
    expect((await post(ev, everyType('after-dlq'), fw.admin)).status).toBe(202);
    await eventually(async () => (await fw.rt.svc.bus.jsm.streams.info(DLQ_STREAM)).state.messages === before + 1);
    const m = await fw.rt.svc.bus.jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: 'cc.dlq.default' });
    expect(m!.header.get('Fw-Reason')).toMatch(/undecodable/);
    expect(new TextDecoder().decode(m!.data)).toBe('{not json');
    // and the stream kept flowing
    await eventually(async () => (await count('after-dlq-')) === 12);
  });

  it('dead-letters a message whose ids header hides an element without an id, storing no empty row', async () => {
    // With an Fw-Ids header the writer leaves the body to ClickHouse, whose view refuses it.
    const before = (await fw.rt.svc.bus.jsm.streams.info(DLQ_STREAM)).state.messages;
    const h = headers();
    h.set('Fw-Ids', JSON.stringify(['forged-1']));
    await fw.rt.svc.bus.js.publish('cc.events.default.contact.queued', new TextEncoder().encode('[{"type":"contact.queued","tenant":"default","ts":1}]'), { headers: h });
    expect((await post(ev, everyType('after-forged'), fw.admin)).status).toBe(202);
    await eventually(async () => (await fw.rt.svc.bus.jsm.streams.info(DLQ_STREAM)).state.messages === before + 1, 20_000);
    const m = await fw.rt.svc.bus.jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: 'cc.dlq.default' });
    expect(m!.header.get('Fw-Reason')).toMatch(/without id, tenant or type/);
    await eventually(async () => (await count('after-forged-')) === 12);
    const empty = await fw.rt.svc.ch.query({ query: "SELECT count() AS n FROM events WHERE id = ''", format: 'JSONEachRow' });
    expect(Number((await empty.json<{ n: number }>())[0].n)).toBe(0);
  });
});
