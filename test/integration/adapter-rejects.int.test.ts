// Adapter rejects against a real nats-server: kept in CC_DLQ with their reason, counted in
// /metrics, listed newest first, and only ever to their own tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, startFloorwatch, startTestNats, post, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';

let nats: PrivateNats;
let fw: TestFloorwatch;

const key = async (scopes: string[], tenant?: string) => ({ authorization: `Bearer ${await createKey(fw, scopes, tenant)}` });
async function get(path: string, headers: Record<string, string>) {
  const r = await fetch(`${fw.url}${path}`, { headers });
  return { status: r.status, json: await r.json() };
}

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url });
});
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

describe('adapter rejects', () => {
  it('stores each reject with its line and reason, counts it, and lists it to its tenant only', async () => {
    const a = await key(['ingest', 'read'], 'rej-a');
    const b = await key(['ingest', 'read'], 'rej-b');
    const records = [
      { line: 7, reason: 'bad_field_count', detail: 'expected at least 5 fields, got 3', record: '1700000000|x|y' },
      { line: 9, reason: 'unknown_event', detail: 'WHATEVER', record: '1700000001|c1|q|NONE|WHATEVER|1' },
    ];
    const r = await post(`${fw.url}/v1/adapters/asterisk/rejects`, { records }, a);
    expect(r.status).toBe(202);
    expect(r.json).toEqual({ stored: 2 });

    const listed = await get('/v1/adapters/rejects?source=asterisk', a);
    expect(listed.status).toBe(200);
    expect(listed.json.rejects.map((x: { line: number }) => x.line)).toEqual([9, 7]);
    expect(listed.json.rejects[1]).toMatchObject({ tenant: 'rej-a', source: 'asterisk', reason: 'bad_field_count', record: '1700000000|x|y' });

    const other = await get('/v1/adapters/rejects', b);
    expect(other.json.rejects).toEqual([]);

    const metrics = await (await fetch(`${fw.url}/metrics`)).text();
    expect(metrics).toMatch(/fw_adapter_records_rejected_total\{[^}]*reason="unknown_event"[^}]*\} 1/);
    expect(metrics).toMatch(/fw_adapter_records_rejected_total\{[^}]*reason="bad_field_count"[^}]*\} 1/);
  });

  it('answers a bad body with the field and the reason, and needs the ingest scope', async () => {
    const a = await key(['ingest'], 'rej-c');
    const bad = await post(`${fw.url}/v1/adapters/asterisk/rejects`, { records: [{ line: 1, record: 'x' }] }, a);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('reason');
    const badSource = await post(`${fw.url}/v1/adapters/Not%20A%20Source/rejects`, { records: [{ reason: 'x', record: 'x' }] }, a);
    expect(badSource.status).toBe(400);
    const reader = await key(['read'], 'rej-c');
    const forbidden = await post(`${fw.url}/v1/adapters/asterisk/rejects`, { records: [{ reason: 'x', record: 'x' }] }, reader);
    expect(forbidden.status).toBe(403);
  });
});
