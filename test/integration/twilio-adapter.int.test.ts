// The Twilio TaskRouter adapter through real HTTP into a real Floorwatch (nats-server,
// chDB): the worked example written as TaskRouter event callbacks (test/fixtures/twilio),
// each signed with the tenant's auth token as Twilio signs it, gives the contact and agent
// KPIs of kpis.md live and in history; callbacks sent again change nothing; unsigned,
// wrongly signed or other-tenant-signed callbacks get 403; callbacks that cannot be mapped
// are counted and kept with their reason; 503 + Retry-After when the bus is down.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startFloorwatch, startTestNats, eventually, post, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { liveArea } from '../../pipelines/live/live-area.ts';
import { historyArea } from '../../server/history/area.ts';
import { twilioSignature } from '../../pipelines/sources/twilio/signature.ts';
import { counter } from './asterisk-support.ts';
import { READ_AT, exampleNow, expectHistoryKpis, expectLiveKpis, getJson, postTaskRouter, readKey, settled, storedIds } from './adapter-support.ts';

const NOW = exampleNow();
const SHIFT_S = (NOW - READ_AT) / 1000;
const FIXTURE = path.join(ROOT, 'test/fixtures/twilio/worked-example.json');
const callbacks = (JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Record<string, string>[]).map((p) => {
  const x: Record<string, string> = { ...p, Timestamp: String(Number(p.Timestamp) + SHIFT_S) };
  if (x.TaskDateCreated) x.TaskDateCreated = String(Number(x.TaskDateCreated) + SHIFT_S);
  if (x.TaskQueueEnteredDate) x.TaskQueueEnteredDate = String(Number(x.TaskQueueEnteredDate) + SHIFT_S);
  return x;
});

const TOKEN = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
const TOKEN_B = '00112233445566778899aabbccddeeff';

let nats: PrivateNats;
let fw: TestFloorwatch;

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [liveArea({ fixedNow: NOW }), historyArea({ now: () => NOW })] });
  for (const [tenant, auth_token] of [['default', TOKEN], ['tw-b', TOKEN_B], ['tw-bad', TOKEN]]) {
    const r = await configure({ tenant, auth_token });
    expect(r.status, r.text).toBe(200);
  }
}, 90_000);
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

function configure(body: Record<string, unknown>) {
  return fetch(`${fw.url}/v1/adapters/twilio`, { method: 'PUT', headers: { ...fw.admin, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, text: await r.text() }));
}

const callbackUrl = (tenant: string) => `${fw.url}/v1/adapters/twilio/${tenant}/taskrouter`;

/** POSTs one callback as TaskRouter does; `sign` = [token, url] to sign with, or null for none. */
const send = (tenant: string, params: Record<string, string>, sign: [string, string] | null = [TOKEN, callbackUrl(tenant)]) =>
  postTaskRouter(fw, tenant, params, sign);

describe('the worked example as TaskRouter event callbacks', () => {
  beforeAll(async () => {
    for (const p of callbacks) {
      const r = await send('default', p);
      expect(r.status, `${p.EventType}: ${r.text}`).toBe(204);
    }
    await settled(fw);
  }, 90_000);

  it('stores one event per fact, with ids from Twilio sids', async () => {
    // 4 activity updates, 7 queue entries, 3 accepts × (answered + busy), 2 cancels,
    // 2 wrap-ups × (ended + wrap_up), 2 completions × (wrapped + activity state)
    expect(await storedIds(fw, 'default', 'twilio:')).toEqual([27, 27]);
  });

  it.each(['queue:billing', 'team:north', 'agent:a1'])('GET /v1/kpis gives the contact and agent KPIs of kpis.md for %s', async (scope) => {
    await expectLiveKpis(fw, scope, NOW);
  });

  it('GET /v1/history gives the same numbers for the same 15 minutes', async () => {
    await expectHistoryKpis(fw, NOW);
  });

  it('callbacks TaskRouter sends again change nothing', async () => {
    for (const p of callbacks) expect((await send('default', p)).status).toBe(204);
    await settled(fw);
    expect(await storedIds(fw, 'default', 'twilio:')).toEqual([27, 27]);
    await expectLiveKpis(fw, 'queue:billing', NOW);
  });
});

describe('signatures', () => {
  const one = () => ({ ...callbacks[0], Sid: 'EVsig', WorkerName: 'sig-agent' });

  it('an unsigned callback: 403 problem+json, nothing stored', async () => {
    const r = await send('default', one(), null);
    expect(r.status).toBe(403);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.json.detail).toContain('X-Twilio-Signature');
  });

  it('a wrongly signed callback: 403 (other token, other URL, a changed parameter)', async () => {
    expect((await send('default', one(), ['not-the-token-0000', callbackUrl('default')])).status).toBe(403);
    expect((await send('default', one(), [TOKEN, `${fw.url}/elsewhere`])).status).toBe(403);
    const form = new URLSearchParams(one());
    const sig = twilioSignature(TOKEN, callbackUrl('default'), [...form]);
    form.set('WorkerActivityName', 'Offline');
    const r = await post(callbackUrl('default'), form.toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig });
    expect(r.status).toBe(403);
    await settled(fw);
    expect(await storedIds(fw, 'default', 'twilio:')).toEqual([27, 27]);
  });

  it("tenant A's token does not validate a callback for tenant B, nor an unconfigured tenant", async () => {
    expect((await send('tw-b', one(), [TOKEN, callbackUrl('tw-b')])).status).toBe(403);
    expect((await send('tw-none', one(), [TOKEN, callbackUrl('tw-none')])).status).toBe(403);
    expect((await send('tw-b', one(), [TOKEN_B, callbackUrl('tw-b')])).status).toBe(204);
    await settled(fw);
    expect(await storedIds(fw, 'tw-b', 'twilio:')).toEqual([1, 1]);
  });

  it('behind a proxy the configured public URL is what is checked', async () => {
    const publicUrl = 'https://floorwatch.example.com/v1/adapters/twilio/tw-proxy/taskrouter';
    expect((await configure({ tenant: 'tw-proxy', auth_token: TOKEN, public_url: publicUrl })).status).toBe(200);
    expect((await send('tw-proxy', one(), [TOKEN, callbackUrl('tw-proxy')])).status).toBe(403);
    expect((await send('tw-proxy', one(), [TOKEN, publicUrl])).status).toBe(204);
  });

  it('GET says whether a token is set and never returns it', async () => {
    const r = await getJson(fw, '/v1/adapters/twilio?tenant=tw-proxy');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ tenant: 'tw-proxy', configured: true, public_url: 'https://floorwatch.example.com/v1/adapters/twilio/tw-proxy/taskrouter' });
    expect(JSON.stringify(r.json)).not.toContain(TOKEN);
    expect((await getJson(fw, '/v1/adapters/twilio?tenant=tw-none')).json.configured).toBe(false);
    const ingestOnly = await (await fetch(`${fw.url}/v1/keys`, { method: 'POST', headers: { ...fw.admin, 'content-type': 'application/json' }, body: JSON.stringify({ scopes: ['ingest'] }) })).json();
    expect((await getJson(fw, '/v1/adapters/twilio', { authorization: `Bearer ${ingestOnly.key}` })).status).toBe(403);
  });
});

describe('callbacks Floorwatch cannot map', () => {
  beforeAll(async () => {
    const good = callbacks.find((p) => p.EventType === 'task-queue.entered')!;
    expect((await send('tw-bad', good)).status).toBe(204);
    expect((await send('tw-bad', { ...good, Sid: 'EVunknown', EventType: 'task.teleported' })).status).toBe(204);
    const act: Record<string, string> = { ...callbacks[0], Sid: "EVnoact" };
    delete act.WorkerActivityName;
    expect((await send('tw-bad', act)).status).toBe(204);
    expect((await send('tw-bad', { ...good, Sid: 'EVtime', Timestamp: 'soon' })).status).toBe(204);
    expect((await send('tw-bad', { ...good, Sid: 'EVcreated', EventType: 'task.created' })).status).toBe(204);
  }, 60_000);

  it('the mappable one is ingested', async () => {
    const rows = await eventually(async () => {
      const q = await fw.rt.svc.ch.query({ query: "SELECT type, queue FROM events WHERE tenant = 'tw-bad'", format: 'JSONEachRow' });
      const x = await q.json<{ type: string; queue: string }>();
      return x.length >= 1 ? x : null;
    }, 30_000);
    expect(rows).toEqual([{ type: 'contact.queued', queue: 'billing' }]);
  });

  it('the others are counted in /metrics and kept in the dead-letter store with their reason', async () => {
    const metrics = await (await fetch(`${fw.url}/metrics`)).text();
    const m = (reason: string) => counter(metrics, 'fw_adapter_records_rejected_total', `reason="${reason}",source="twilio"`);
    expect([m('unknown_event'), m('unmappable'), m('bad_time')]).toEqual([1, 1, 1]);
    expect(counter(metrics, 'fw_adapter_records_ignored_total', 'kind="task.created",source="twilio"')).toBeGreaterThanOrEqual(1);
    expect(counter(metrics, 'fw_twilio_callbacks_denied_total')).toBeGreaterThanOrEqual(5);
    const list = await (await fetch(`${fw.url}/v1/adapters/rejects?source=twilio`, { headers: { authorization: `Bearer ${await readKey(fw, 'tw-bad')}` } })).json();
    expect(list.rejects.map((x: { reason: string }) => x.reason).sort()).toEqual(['bad_time', 'unknown_event', 'unmappable']);
    expect(list.rejects.find((x: { reason: string }) => x.reason === 'unknown_event')).toMatchObject({
      tenant: 'tw-bad', source: 'twilio', detail: expect.stringContaining('task.teleported'), record: expect.stringContaining('EventType=task.teleported'),
    });
  });
});

describe('bus down', () => {
  it('503 with Retry-After, so the callback is retried', async () => {
    await nats.stop();
    await eventually(() => !fw.rt.svc.bus.isUp, 20_000);
    const r = await send('default', { ...callbacks[1], Sid: 'EVdown' });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('2');
  }, 30_000);
});
