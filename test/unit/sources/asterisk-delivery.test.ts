// The adapter's client for POST /v1/adapters/asterisk/rejects (contract of issue 16) and
// its events path, against a local HTTP server playing scripted answers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Delivery, DeliveryError } from '../../../pipelines/sources/asterisk/delivery.ts';
import type { RejectRecord } from '../../../pipelines/sources/asterisk/mapper.ts';

type Step = { status: number; headers?: Record<string, string>; body?: unknown };
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function server(script: Record<string, Step[]>) {
  const seen: { path: string; auth?: string; body: any }[] = [];
  const s = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ path: req.url!, auth: req.headers.authorization, body: JSON.parse(body) });
      const step = script[req.url!]?.shift() ?? { status: 202, body: { accepted: 1 } };
      res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
      res.end(JSON.stringify(step.body ?? {}));
    });
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
}

const rec = (line: number): RejectRecord => ({ line, reason: 'bad_time', detail: '"x" is not epoch seconds', record: `x|a|b|c|ENTERQUEUE|${line}`, id: `r${line}` });
const quiet = { log: () => {}, sleep: async () => {} };

describe('Delivery.rejects', () => {
  it('posts the records with line, reason code, detail and the raw record, with the key', async () => {
    const s = await server({ '/v1/adapters/asterisk/rejects': [{ status: 202, body: { stored: 2 } }] });
    const d = new Delivery({ url: `${s.url}/`, key: 'k1', ...quiet });
    await d.rejects([rec(3), rec(9)]);
    expect(s.seen).toEqual([{
      path: '/v1/adapters/asterisk/rejects', auth: 'Bearer k1',
      body: { records: [3, 9].map((l) => ({ line: l, reason: 'bad_time', detail: '"x" is not epoch seconds', record: `x|a|b|c|ENTERQUEUE|${l}`, id: `r${l}` })) },
    }]);
    expect(d.rejectStats).toEqual({ stored: 2, unsent: 0 });
  });

  it('retries a 503 with Retry-After, and gives up on a 400 without throwing', async () => {
    const waits: number[] = [];
    const s = await server({ '/v1/adapters/asterisk/rejects': [{ status: 503, headers: { 'retry-after': '2' } }, { status: 202 }, { status: 400, body: { title: 'bad' } }] });
    const d = new Delivery({ url: s.url, key: 'k', log: () => {}, sleep: async (ms) => void waits.push(ms) });
    await d.rejects([rec(1)]);
    expect(waits).toEqual([2000]);
    await d.rejects([rec(2)]);
    expect(d.rejectStats).toEqual({ stored: 1, unsent: 1 });
  });

  it('a server without the endpoint (404) is told once; later rejects are only counted', async () => {
    const logs: string[] = [];
    const s = await server({ '/v1/adapters/asterisk/rejects': [{ status: 404 }] });
    const d = new Delivery({ url: s.url, key: 'k', log: (m) => logs.push(m), sleep: async () => {} });
    await d.rejects([rec(1)]);
    await d.rejects([rec(2), rec(3)]);
    expect(s.seen).toHaveLength(1);
    expect(d.rejectStats).toEqual({ stored: 0, unsent: 3 });
    expect(logs).toHaveLength(1);
  });
});

describe('Delivery.send', () => {
  it('throws when the server refuses the events for good (401), so --follow keeps its offset', async () => {
    const s = await server({ '/v1/events': [{ status: 401, body: { title: 'bad key' } }] });
    const d = new Delivery({ url: s.url, key: 'k', ...quiet });
    await expect(d.send([{ id: 'e1', type: 'contact.queued', time: '2026-11-24T10:00:00Z', contact_id: 'c', queue: 'q', channel: 'voice' }])).rejects.toBeInstanceOf(DeliveryError);
  });

  it('retries 503 until accepted and returns once the answer came', async () => {
    const s = await server({ '/v1/events': [{ status: 503, headers: { 'retry-after': '0' } }, { status: 503 }, { status: 202, body: { accepted: 1 } }] });
    const d = new Delivery({ url: s.url, key: 'k', ...quiet });
    await d.send([{ id: 'e1', type: 'contact.queued', time: '2026-11-24T10:00:00Z', contact_id: 'c', queue: 'q', channel: 'voice' }]);
    expect(s.seen.map((x) => x.path)).toEqual(['/v1/events', '/v1/events', '/v1/events']);
    expect(d.sink.stats).toMatchObject({ accepted: 1, failed: 0, retries: 2 });
  });
});
