import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CcEvent } from '../../../pipelines/events/schema.ts';
import { HttpSink, parseRetryAfter } from '../../../pipelines/sources/http-sink.ts';
import { generateEvents } from '../../../pipelines/sources/simulator.ts';

type Reply = { status: number; headers?: Record<string, string>; body?: unknown } | 'drop';

/** A receiver that plays scripted answers first, then accepts; it records what it accepted. */
async function receiver(script: Reply[], reject: (e: CcEvent) => boolean = () => false) {
  const accepted: string[] = [];
  const requests: { auth?: string; count: number; status: number | 'drop' }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const events = JSON.parse(body) as CcEvent[];
      const step = script.shift() ?? { status: 202 };
      requests.push({ auth: req.headers.authorization, count: events.length, status: step === 'drop' ? 'drop' : step.status });
      if (step === 'drop') return req.socket.destroy();
      if (step.status !== 202) {
        res.writeHead(step.status, { 'content-type': 'application/problem+json', ...step.headers });
        return res.end(JSON.stringify(step.body ?? { title: 'busy' }));
      }
      const rejected = events.flatMap((e, index) => (reject(e) ? [{ index, id: e.id, errors: ['nope'] }] : []));
      for (const e of events) if (!reject(e)) accepted.push(e.id);
      const ok = events.length - rejected.length;
      res.writeHead(rejected.length ? 207 : 202, { 'content-type': 'application/json' });
      res.end(JSON.stringify(rejected.length ? { accepted: ok, rejected } : { accepted: ok }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return { url, accepted, requests };
}

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const from = Date.parse('2026-11-24T08:00:00Z');
const events = generateEvents({ seed: 3, agents: 20, queues: 3, from, to: from + 2 * 3_600_000 });

describe('HttpSink', () => {
  it('delivers every event exactly once through 503, 429 and a dropped connection', async () => {
    expect(events.length).toBeGreaterThan(600);
    const rx = await receiver([
      { status: 503, headers: { 'retry-after': '1' } },
      { status: 429, headers: { 'retry-after': '0' } },
      'drop',
      { status: 500 },
    ]);
    const logs: string[] = [];
    const delays: number[] = [];
    const sleep = (ms: number) => (delays.push(ms), new Promise<void>((r) => setTimeout(r, 1)));
    const sink = new HttpSink({ url: rx.url, key: 'k-1', batchSize: 100, concurrency: 3, backoffMs: 5, log: (m) => logs.push(m), sleep });
    for (const e of events) await sink.push(e);
    await sink.close();
    expect(rx.accepted.length).toBe(events.length);
    expect(new Set(rx.accepted).size).toBe(events.length);
    expect(new Set(rx.accepted)).toEqual(new Set(events.map((e) => e.id)));
    expect(sink.stats).toEqual({ sent: events.length, accepted: events.length, rejected: 0, retries: 4, errors: 4, failed: 0 });
    expect(rx.requests.every((r) => r.auth === 'Bearer k-1' && r.count <= 100)).toBe(true);
    expect(logs).toEqual([]);
    // Retry-After: 1 was honoured; the other retries backed off briefly.
    expect(delays).toHaveLength(4);
    expect(delays.filter((d) => d >= 1000)).toHaveLength(1);
  });

  it('counts and reports events rejected in a 207', async () => {
    const rx = await receiver([], (e) => e.type === 'ticket.created');
    const logs: string[] = [];
    const sink = new HttpSink({ url: rx.url, key: 'k', batchSize: 250, log: (m) => logs.push(m) });
    for (const e of events) await sink.push(e);
    await sink.flush();
    const bad = events.filter((e) => e.type === 'ticket.created').length;
    expect(bad).toBeGreaterThan(0);
    expect(sink.stats.rejected).toBe(bad);
    expect(sink.stats.accepted).toBe(events.length - bad);
    expect(sink.stats.sent).toBe(events.length);
    expect(logs.some((l) => l.includes('rejected: nope'))).toBe(true);
  });

  it('gives up loudly: a 401 and exhausted retries count as failed and are logged', async () => {
    const rx = await receiver([{ status: 401 }, { status: 503 }, { status: 503 }]);
    const logs: string[] = [];
    const sink = new HttpSink({ url: rx.url, key: 'bad', batchSize: 10, concurrency: 1, maxAttempts: 2, backoffMs: 1, log: (m) => logs.push(m) });
    for (const e of events.slice(0, 20)) await sink.push(e);
    await sink.close();
    expect(sink.stats.failed).toBe(20);
    expect(sink.stats.accepted).toBe(0);
    expect(sink.stats.retries).toBe(1);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toContain('401');
  });

  it('flushes a partial batch on its timer and splits a batch the server finds too large', async () => {
    const rx = await receiver([{ status: 413 }]);
    const sink = new HttpSink({ url: rx.url, key: 'k', batchSize: 1000, flushMs: 20, log: () => {} });
    for (const e of events.slice(0, 40)) await sink.push(e);
    // No flush() call: the timer sends the partial batch.
    await vi.waitFor(() => expect(rx.accepted).toHaveLength(40), { timeout: 5000 });
    expect(rx.requests.map((r) => r.count)).toEqual([40, 20, 20]);
    await sink.close();
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const server = http.createServer((req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      req.resume();
      req.on('end', () =>
        setTimeout(() => {
          inFlight--;
          res.writeHead(202).end('{}');
        }, 15),
      );
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sink = new HttpSink({ url, key: 'k', batchSize: 20, concurrency: 2, log: () => {} });
    for (const e of events.slice(0, 400)) await sink.push(e);
    await sink.close();
    expect(sink.stats.accepted).toBe(400);
    expect(peak).toBe(2);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(null)).toBe(0);
  });
});
