import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcEvent } from '../../../pipelines/events/schema.ts';
import { parseDuration, parseInstant } from '../../../pipelines/sources/cli-args.ts';
import { runSimulation, type Progress } from '../../../pipelines/sources/run-simulation.ts';
import { generateEvents, liveEvents } from '../../../pipelines/sources/simulator.ts';

let server: http.Server;
let url: string;
const received: CcEvent[] = [];

beforeAll(async () => {
  let requests = 0;
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      // Every fifth request is turned away, as a busy server would.
      if (++requests % 5 === 0) {
        res.writeHead(503, { 'retry-after': '0' });
        return res.end('{}');
      }
      const events = JSON.parse(body) as CcEvent[];
      received.push(...events);
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: events.length }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('runSimulation', () => {
  it('backfills a range: the server receives exactly the simulated events', async () => {
    received.length = 0;
    const from = Date.parse('2026-11-24T06:00:00Z');
    const to = from + 6 * 3_600_000;
    const progress: Progress[] = [];
    const summary = await runSimulation({ url, key: 'k', seed: 5, agents: 15, queues: 3, from, to, onProgress: (p) => progress.push(p), progressEveryMs: 20, sink: { backoffMs: 1 } });
    const expected = generateEvents({ seed: 5, agents: 15, queues: 3, from, to });
    expect(received.map((e) => e.id).sort()).toEqual(expected.map((e) => e.id).sort());
    expect(summary).toMatchObject({ mode: 'backfill', generated: expected.length, sent: expected.length, accepted: expected.length, failed: 0 });
    expect(summary.retries).toBeGreaterThan(0);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('stops a live run when aborted and still delivers what it generated', async () => {
    received.length = 0;
    const ac = new AbortController();
    const run = runSimulation({ url, key: 'k', seed: 5, agents: 15, queues: 3, speed: 600, warmupMs: 3_600_000, signal: ac.signal, sink: { backoffMs: 1 } });
    setTimeout(() => ac.abort(), 300);
    const summary = await run;
    expect(summary.mode).toBe('live');
    expect(summary.generated).toBeGreaterThan(0);
    expect(received).toHaveLength(summary.generated);
    expect(summary.failed).toBe(0);
  });
});

describe('liveEvents', () => {
  it('yields the warm-up at once, then paces later events by the speed', async () => {
    let now = Date.parse('2026-11-24T10:00:00Z');
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    };
    const times: number[] = [];
    const wall0 = now;
    for await (const e of liveEvents({ seed: 2, agents: 20, queues: 3, speed: 4, warmupMs: 600_000, now: () => now, sleep })) {
      const t = Date.parse(e.time);
      times.push(t);
      // An event is never out before its wall time (at 4× from wall0).
      expect(now).toBeGreaterThanOrEqual(wall0 + (t - wall0) / 4 - 1);
      if (t > wall0 + 3_600_000) break;
    }
    const warm = times.filter((t) => t <= wall0);
    expect(warm.length).toBeGreaterThan(10);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(wall0 - 600_000);
    // One simulated hour took a quarter of an hour of (fake) wall time.
    const slept = sleeps.reduce((a, b) => a + b, 0);
    expect(slept).toBeGreaterThan(0.24 * 3_600_000);
    expect(slept).toBeLessThanOrEqual(0.25 * 3_600_000 + 60_000);
  });
});

describe('CLI arguments', () => {
  it('parses durations and instants', () => {
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('90')).toBe(90_000);
    expect(() => parseDuration('ten')).toThrow();
    const now = Date.parse('2026-11-24T10:00:00Z');
    expect(parseInstant('now', now)).toBe(now);
    expect(parseInstant('-7d', now)).toBe(now - 7 * 86_400_000);
    expect(parseInstant('2026-11-20T00:00:00+01:00', now)).toBe(Date.parse('2026-11-19T23:00:00Z'));
    expect(() => parseInstant('yesterday', now)).toThrow();
  });
});
