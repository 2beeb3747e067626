// The Amazon Connect adapter through real HTTP into a real Floorwatch (nats-server, chDB):
// the worked example written as Connect records (agent event stream, contact events,
// CTRs; test/fixtures/connect) and delivered as Kinesis Data Firehose would deliver them
// gives the contact and agent KPIs of kpis.md live and in history; a re-sent delivery
// changes nothing; records that cannot be mapped are counted and kept with their reason
// while the rest of the delivery is ingested; Firehose gets its own response format,
// including 503 + Retry-After when the bus is down.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startFloorwatch, startTestNats, eventually, post, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { liveArea } from '../../pipelines/live/live-area.ts';
import { historyArea } from '../../server/history/area.ts';
import { firehoseRequest } from '../../pipelines/sources/connect/records.ts';
import { counter, ingestKey } from './asterisk-support.ts';
import { READ_AT, exampleNow, expectHistoryKpis, expectLiveKpis, readKey, settled, shiftIsoTimes, storedIds } from './adapter-support.ts';

const NOW = exampleNow();
const FIXTURE = path.join(ROOT, 'test/fixtures/connect/worked-example.json');
const example = JSON.parse(shiftIsoTimes(fs.readFileSync(FIXTURE, 'utf8'), NOW - READ_AT)) as Record<'agent_events' | 'contact_events' | 'ctrs', unknown[]>;

let nats: PrivateNats;
let fw: TestFloorwatch;
let key: string;

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [liveArea({ fixedNow: NOW }), historyArea({ now: () => NOW })] });
  key = await ingestKey(fw);
}, 90_000);
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

async function deliver(requestId: string, docs: unknown[], headers: Record<string, string> = { 'x-amz-firehose-access-key': key }) {
  return post(`${fw.url}/v1/adapters/connect/firehose`, firehoseRequest(requestId, docs), {
    'x-amz-firehose-request-id': requestId, 'x-amz-firehose-protocol-version': '1.0', ...headers,
  });
}

describe('the worked example as Connect records, delivered by Firehose', () => {
  const batches: [string, unknown[]][] = [
    ['3f9c1d2e-0001-4a5b-8c7d-000000000001', example.agent_events],
    ['3f9c1d2e-0002-4a5b-8c7d-000000000002', example.contact_events],
    ['3f9c1d2e-0003-4a5b-8c7d-000000000003', example.ctrs],
  ];

  beforeAll(async () => {
    for (const [id, docs] of batches) {
      const r = await deliver(id, docs);
      expect(r.status, r.text).toBe(200);
      expect(r.json.requestId).toBe(id);
      expect(r.json.errorMessage).toBeUndefined();
      expect(typeof r.json.timestamp).toBe('number');
    }
    await settled(fw);
  }, 90_000);

  it('stores one event per fact, with ids from Connect', async () => {
    // 11 agent states (the HEART_BEAT maps to nothing), 14 contact facts from the contact
    // events, 2 wraps only the CTRs know; the CTRs' other facts are the same ids again.
    expect(await storedIds(fw, 'default', 'connect:')).toEqual([27, 27]);
  });

  it.each(['queue:billing', 'team:north', 'agent:a1'])('GET /v1/kpis gives the contact and agent KPIs of kpis.md for %s', async (scope) => {
    await expectLiveKpis(fw, scope, NOW);
  });

  it('GET /v1/history gives the same numbers for the same 15 minutes', async () => {
    await expectHistoryKpis(fw, NOW);
  });

  it('a re-sent delivery (Firehose retries, same records) changes nothing', async () => {
    for (const [id, docs] of batches) expect((await deliver(id, docs)).status).toBe(200);
    // gzip, as a stream with compression sends it, and with the key as a bearer token
    const body = zlib.gzipSync(JSON.stringify(firehoseRequest('again', example.ctrs)));
    const r = await fetch(`${fw.url}/v1/adapters/connect/firehose`, {
      method: 'POST', body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${key}`, 'x-amz-firehose-request-id': 'again' },
    });
    expect(r.status, await r.clone().text()).toBe(200);
    await settled(fw);
    expect(await storedIds(fw, 'default', 'connect:')).toEqual([27, 27]);
    await expectLiveKpis(fw, 'queue:billing', NOW);
  });
});

describe('records Floorwatch cannot map', () => {
  let tenantKey: string;
  let res: Awaited<ReturnType<typeof deliver>>;

  beforeAll(async () => {
    tenantKey = await ingestKey(fw, 'cx-bad');
    const good = example.agent_events[0] as Record<string, unknown>;
    const unknownEvent = { ...good, EventId: 'bad-1', EventType: 'SUPERVISOR_BARGE' };
    const unknownRecord = { hello: 'world' };
    const badTime = { ...good, EventId: 'bad-2', EventTimestamp: 'yesterday' };
    const req = firehoseRequest('bad-batch', [good, unknownEvent, unknownRecord, badTime]);
    req.records.push({ data: Buffer.from('{"EventType": "LOGIN", ').toString('base64') }); // cut short
    res = await post(`${fw.url}/v1/adapters/connect/firehose`, req, { 'x-amz-firehose-access-key': tenantKey, 'x-amz-firehose-request-id': 'bad-batch' });
  }, 60_000);

  it('do not fail the delivery', () => {
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ requestId: 'bad-batch' });
  });

  it('the rest of the delivery is ingested', async () => {
    const rows = await eventually(async () => {
      const q = await fw.rt.svc.ch.query({ query: "SELECT type, agent_id FROM events WHERE tenant = 'cx-bad'", format: 'JSONEachRow' });
      const x = await q.json<{ type: string; agent_id: string }>();
      return x.length >= 1 ? x : null;
    }, 30_000);
    expect(rows).toEqual([{ type: 'agent.state', agent_id: 'a1' }]);
  });

  it('are counted in /metrics and kept in the dead-letter store with their reason', async () => {
    const metrics = await (await fetch(`${fw.url}/metrics`)).text();
    const m = (reason: string) => counter(metrics, 'fw_adapter_records_rejected_total', `reason="${reason}",source="connect"`);
    expect([m('unknown_event'), m('unknown_record'), m('bad_time'), m('bad_json')]).toEqual([1, 1, 1, 1]);
    const list = await (await fetch(`${fw.url}/v1/adapters/rejects?source=connect`, { headers: { authorization: `Bearer ${await readKey(fw, 'cx-bad')}` } })).json();
    expect(list.rejects.map((x: { reason: string }) => x.reason).sort()).toEqual(['bad_json', 'bad_time', 'unknown_event', 'unknown_record']);
    expect(list.rejects.find((x: { reason: string }) => x.reason === 'unknown_event')).toMatchObject({
      tenant: 'cx-bad', source: 'connect', detail: expect.stringContaining('SUPERVISOR_BARGE'), record: expect.stringContaining('"EventId":"bad-1"'),
    });
    expect(counter(metrics, 'fw_adapter_records_ignored_total', 'kind="HEART_BEAT",source="connect"')).toBeGreaterThanOrEqual(1);
  });
});

describe('Firehose access', () => {
  it('without an access key: 401 in the Firehose response format', async () => {
    const r = await deliver('no-key', example.agent_events.slice(0, 1), {});
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ requestId: 'no-key', errorMessage: expect.stringContaining('ingest key') });
  });

  it('a wrong key: 401; a read-only key: 403', async () => {
    expect((await deliver('bad-key', [], { 'x-amz-firehose-access-key': 'fw_nope' })).status).toBe(401);
    const r = await deliver('read-key', [], { 'x-amz-firehose-access-key': await readKey(fw, 'default') });
    expect(r.status).toBe(403);
    expect(r.json.requestId).toBe('read-key');
  });

  it('a body that is not a delivery request: 400 with errorMessage', async () => {
    const r = await post(`${fw.url}/v1/adapters/connect/firehose`, { records: 'nope' }, { 'x-amz-firehose-access-key': key, 'x-amz-firehose-request-id': 'shape' });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ requestId: 'shape', errorMessage: expect.stringContaining('records') });
  });

  it("a tenant's key puts the records in that tenant only", async () => {
    const other = await ingestKey(fw, 'cx-other');
    const doc = { ...(example.agent_events[1] as object), EventId: 'iso-1' };
    expect((await deliver('iso', [doc], { 'x-amz-firehose-access-key': other })).status).toBe(200);
    await settled(fw);
    expect(await storedIds(fw, 'cx-other', 'connect:agent:iso-1')).toEqual([1, 1]);
    expect(await storedIds(fw, 'default', 'connect:agent:iso-1')).toEqual([0, 0]);
  });

  it('bus down: 503 with Retry-After, so Firehose retries', async () => {
    await nats.stop();
    await eventually(() => !fw.rt.svc.bus.isUp, 20_000);
    const r = await deliver('down', example.agent_events.slice(0, 1));
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('2');
    expect(r.json).toMatchObject({ requestId: 'down', errorMessage: expect.stringContaining('unavailable') });
  }, 30_000);
});
