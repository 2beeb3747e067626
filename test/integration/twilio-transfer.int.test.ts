// A TaskRouter task moved by the workflow from one TaskQueue to another before it is
// answered (test/fixtures/twilio/transfer.json), through real HTTP into a real Floorwatch:
// task-queue.moved names only the new queue, the adapter remembers the one the task left,
// and the transfer ends the billing segment (waiting 0 there, out of its service-level
// divisor, kpis.md) and starts one in sales, where it is answered — live and in history.
// Callbacks sent again change nothing.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startFloorwatch, startTestNats, eventually, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { liveArea } from '../../pipelines/live/live-area.ts';
import { historyArea } from '../../server/history/area.ts';
import { READ_AT, exampleNow, getJson, postTaskRouter, readKey, settled, storedIds } from './adapter-support.ts';
import { expectTransferHistory, expectTransferLive } from './connect-transfer-support.ts';

const NOW = exampleNow();
const SHIFT_S = (NOW - READ_AT) / 1000;
const FIXTURE = path.join(ROOT, 'test/fixtures/twilio/transfer.json');
const callbacks = (JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Record<string, string>[]).map((p) => {
  const x: Record<string, string> = { ...p, Timestamp: String(Number(p.Timestamp) + SHIFT_S) };
  for (const k of ['TaskDateCreated', 'TaskQueueEnteredDate']) if (x[k]) x[k] = String(Number(x[k]) + SHIFT_S);
  return x;
});
const TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

let nats: PrivateNats;
let fw: TestFloorwatch;

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [liveArea({ fixedNow: NOW }), historyArea({ now: () => NOW })] });
  for (const tenant of ['default', 'tw-lost']) {
    const r = await fetch(`${fw.url}/v1/adapters/twilio`, { method: 'PUT', headers: { ...fw.admin, 'content-type': 'application/json' }, body: JSON.stringify({ tenant, auth_token: TOKEN }) });
    expect(r.status).toBe(200);
  }
}, 90_000);
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

const send = (tenant: string, params: Record<string, string>) =>
  postTaskRouter(fw, tenant, params, [TOKEN, `${fw.url}/v1/adapters/twilio/${tenant}/taskrouter`]);

describe('a task moved from billing to sales, answered there', () => {
  beforeAll(async () => {
    for (const p of callbacks) {
      const r = await send('default', p);
      expect(r.status, `${p.EventType}: ${r.text}`).toBe(204);
    }
    await settled(fw);
  }, 90_000);

  it('stores the transfer, with its id from the event Sid', async () => {
    const r = await fw.rt.svc.ch.query({ query: "SELECT id, queue, to_queue FROM events WHERE tenant = 'default' AND type = 'contact.transferred'", format: 'JSONEachRow' });
    expect(await r.json()).toEqual([{ id: 'twilio:WT7a1f00000000000000000000000000t1:transferred:EVt0000000000000000000000000000003', queue: 'billing', to_queue: 'sales' }]);
    // queued billing, transferred, queued sales (the new queue's task-queue.entered), answered, a3 busy
    expect(await storedIds(fw, 'default', 'twilio:')).toEqual([5, 5]);
  });

  it('GET /v1/kpis: billing waits nothing and its transfer is out of the offered count; sales arrived and answered', async () => {
    await expectTransferLive(fw);
  });

  it('GET /v1/history and /v1/contacts give the same', async () => {
    await expectTransferHistory(fw, NOW, 'WT7a1f00000000000000000000000000t1');
  });

  it('callbacks TaskRouter sends again change nothing', async () => {
    for (const p of callbacks) expect((await send('default', p)).status).toBe(204);
    await settled(fw);
    expect(await storedIds(fw, 'default', 'twilio:')).toEqual([5, 5]);
    await expectTransferLive(fw);
  });
});

describe('a task-queue.moved for a task never seen entering a queue', () => {
  it('is kept in the dead-letter store as unmappable, nothing is guessed', async () => {
    const moved = callbacks.find((p) => p.EventType === 'task-queue.moved')!;
    expect((await send('tw-lost', { ...moved, TaskSid: 'WTneverseen', Sid: 'EVlost' })).status).toBe(204);
    const key = await readKey(fw, 'tw-lost');
    const list = await eventually(async () => {
      const l = (await getJson(fw, '/v1/adapters/rejects?source=twilio', { authorization: `Bearer ${key}` })).json;
      return l.rejects?.length ? l : null;
    }, 15_000);
    expect(list.rejects[0]).toMatchObject({ reason: 'unmappable', detail: expect.stringContaining('left is unknown') });
    await settled(fw);
    expect(await storedIds(fw, 'tw-lost', 'twilio:')).toEqual([0, 0]);
  });
});
