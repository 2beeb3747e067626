// POST /v1/import and `npm run import` against a real Floorwatch (nats-server, chDB, HTTP):
// - the worked example imported by the CLI (a pretty-printed JSON array) gives the same
//   GET /v1/history and /v1/contacts answers as the same events posted live to /v1/events;
// - a file of 10,000 lines with 3 bad ones loads 9,997 and names the 3 (line, field, reason);
//   importing it again stores nothing more and leaves the history as it was;
// - NDJSON, a JSON array, CSV and gzip each load the same events; a body that breaks off
//   mid-array loads what came before and says where it stopped;
// - tenants are isolated, scopes are checked, and a second import of a tenant waits (409).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFloorwatch, startTestNats, post, tempDir, ROOT, type TestFloorwatch } from '../support/harness.ts';
import { READ_AT, shiftedExample } from '../support/worked-example.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { settled } from './adapter-support.ts';
import { historyArea } from '../../server/history/area.ts';
import { simulate } from '../../pipelines/sources/simulator.ts';
import type { CcEvent } from '../../pipelines/events/schema.ts';

let NOW = Math.floor(Date.now() / 1000) * 1000;
if (new Date(NOW - 60 * 60_000).getUTCDate() !== new Date(NOW).getUTCDate()) NOW -= 70 * 60_000;

let nats: PrivateNats;
let fw: TestFloorwatch;
const dir = tempDir('fw-import-');
const CLI = path.join(ROOT, 'server/cli/import.ts');

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [historyArea({ now: () => NOW })] });
}, 90_000);
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

const keys = new Map<string, string>();
async function keyOf(tenant: string, scopes = ['ingest', 'read']): Promise<string> {
  const k = `${tenant}|${scopes}`;
  if (!keys.has(k)) {
    const r = await post(`${fw.url}/v1/keys`, { scopes, tenant }, fw.admin);
    expect(r.status, r.text).toBe(201);
    keys.set(k, r.json.key);
  }
  return keys.get(k)!;
}

async function get(tenant: string, p: string) {
  const r = await fetch(`${fw.url}${p}`, { headers: { authorization: `Bearer ${await keyOf(tenant)}` } });
  return { status: r.status, json: await r.json() };
}

function runCli(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => proc.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** POST /v1/import with a body; returns the status, the progress lines and the summary. */
async function importBody(tenant: string, body: Buffer | string, type: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${fw.url}/v1/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await keyOf(tenant)}`, 'content-type': type, ...headers },
    body: body as unknown as BodyInit,
  });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, problem: JSON.parse(text), summary: null as any, res };
  const lines = text.trim().split('\n').map((l) => JSON.parse(l));
  return { status: res.status, summary: lines.at(-1).summary, progress: lines.filter((l) => l.progress), res, problem: null };
}

async function counts(tenant: string) {
  const r = await fw.rt.svc.ch.query({
    query: 'SELECT count() AS n, uniqExact(id) AS u FROM events WHERE tenant = {t:String}',
    query_params: { t: tenant },
    format: 'JSONEachRow',
  });
  const [row] = await r.json<{ n: number; u: number }>();
  return { n: Number(row.n), u: Number(row.u) };
}

const CONTACT_METRICS = ['arrived', 'answered', 'abandoned', 'abandoned_short', 'offered', 'service_level', 'abandon_rate', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr'];
const QUEUE_METRICS = [...CONTACT_METRICS, 'occupancy', 'csat', 'csat_avg', 'csat_responses', 'nps', 'ces_avg', 'tickets_created', 'tickets_solved', 'frt_avg_s'];
const AGENT_METRICS = ['answered', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr', 'occupancy', 'csat', 'csat_avg', 'csat_responses'];

/** What history says about a tenant's time range: queues by 15 min, teams and agents by hour, the contacts list. */
async function historyOf(tenant: string, from: number, to: number) {
  const range = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
  const out: Record<string, unknown> = {};
  for (const [name, q] of [
    ['queues', `interval=15m&group_by=queue&metrics=${QUEUE_METRICS.join(',')}`],
    ['teams', `interval=1h&group_by=team&metrics=${AGENT_METRICS.join(',')}`],
    ['agents', `interval=1h&group_by=agent&metrics=${AGENT_METRICS.join(',')}`],
    ['all', `interval=1d&metrics=${QUEUE_METRICS.join(',')}`],
  ]) {
    const r = await get(tenant, `/v1/history?${range}&${q}`);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    out[name] = r.json.rows;
  }
  const c = await get(tenant, `/v1/contacts?${range}&limit=500`);
  expect(c.status, JSON.stringify(c.json)).toBe(200);
  out.contacts = c.json.items;
  return out;
}

describe('the worked example imported by the CLI', () => {
  const from = NOW - 60 * 60_000;
  const to = NOW + 1;
  let cli: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    const events = shiftedExample(NOW);
    // live: posted to /v1/events of one tenant, through the bus, writer and history consumer
    const live = await post(`${fw.url}/v1/events`, events, { authorization: `Bearer ${await keyOf('we-live')}` });
    expect(live.status, live.text).toBe(202);
    await settled(fw);
    // imported: the same events as a pretty-printed JSON array, by the CLI, into another tenant
    const file = path.join(dir, 'worked-example.json');
    fs.writeFileSync(file, JSON.stringify(events, null, 1));
    cli = await runCli(['--json', file], { FLOORWATCH_URL: fw.url, FLOORWATCH_KEY: await keyOf('we-import') });
  }, 120_000);

  it('loads every event and exits 0', () => {
    expect(cli.code, cli.stderr).toBe(0);
    const s = JSON.parse(cli.stdout.trim().split('\n').at(-1)!);
    expect(s).toMatchObject({ lines: 41, loaded: 41, duplicates: 0, rejected: 0, errors: [] });
    expect(s.from).toBe(new Date(Date.parse('2026-11-24T09:55:00Z') + NOW - READ_AT).toISOString());
  });

  it('gives the same history as the events posted live', async () => {
    const live = await historyOf('we-live', from, to);
    const imported = await historyOf('we-import', from, to);
    expect(imported).toEqual(live);
    // and the answer is not empty: the worked example's 15 minutes of billing
    const billing = (live.queues as any[]).filter((r) => r.queue === 'billing');
    expect(billing.reduce((a, r) => a + r.answered, 0)).toBe(3);
    expect((live.contacts as any[]).length).toBeGreaterThan(5);
  });
});

/** 10,000 simulated events of the past week as NDJSON lines. */
function simulatedLines(n: number, seed: string): string[] {
  const lines: string[] = [];
  const from = NOW - 6 * 86_400_000;
  for (const e of simulate({ seed, agents: 30, queues: 3, from, to: NOW - 3_600_000 })) {
    lines.push(JSON.stringify(e));
    if (lines.length >= n) break;
  }
  expect(lines).toHaveLength(n);
  return lines;
}

describe('a file with 3 bad lines among 10,000', () => {
  const lines = simulatedLines(10_000, 'import-bad');
  const bad = new Map<number, { field: string; reason: RegExp }>();
  // line 17: not JSON; line 5,000: an unknown field; line 9,999: a time that is no date
  lines[16] = '{"id": "broken", "type": "agent.state",';
  bad.set(17, { field: '(line)', reason: /^invalid JSON/ });
  const e5000 = JSON.parse(lines[4999]);
  lines[4999] = JSON.stringify({ ...e5000, colour: 'red' });
  bad.set(5000, { field: 'colour', reason: /unknown field/ });
  const e9999 = JSON.parse(lines[9998]);
  lines[9998] = JSON.stringify({ ...e9999, time: '2026-02-31T10:00:00Z' });
  bad.set(9999, { field: 'time', reason: /not a valid RFC 3339 time/ });
  const file = path.join(dir, 'bad3.ndjson');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  let first: { code: number | null; stdout: string; stderr: string };
  let historyBefore: unknown;

  beforeAll(async () => {
    first = await runCli(['--json', file], { FLOORWATCH_URL: fw.url, FLOORWATCH_KEY: await keyOf('bad3') });
  }, 120_000);

  it('loads 9,997 and names the 3 with line, field and reason (exit 1)', async () => {
    expect(first.code, first.stderr).toBe(1);
    const s = JSON.parse(first.stdout.trim().split('\n').at(-1)!);
    expect(s).toMatchObject({ lines: 10_000, loaded: 9_997, duplicates: 0, rejected: 3 });
    expect(s.errors.map((e: { line: number }) => e.line)).toEqual([...bad.keys()]);
    for (const e of s.errors) {
      expect(e.field).toBe(bad.get(e.line)!.field);
      expect(e.reason).toMatch(bad.get(e.line)!.reason);
    }
    expect(await counts('bad3')).toEqual({ n: 9_997, u: 9_997 });
  });

  it('prints the bad lines for people too', async () => {
    const r = await runCli([file], { FLOORWATCH_URL: fw.url, FLOORWATCH_KEY: await keyOf('bad3-text') });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('10,000 records read: 9,997 loaded, 0 already stored, 3 rejected');
    expect(r.stdout).toContain('  line 5000: colour: unknown field (not part of');
    expect(r.stdout).toContain('  line 17: (line): invalid JSON');
  }, 120_000);

  it('imported twice, stores each event once and the history stays as it was', async () => {
    const range = [NOW - 7 * 86_400_000, NOW] as const;
    historyBefore = await historyOf('bad3', ...range);
    expect(((historyBefore as any).all as any[]).reduce((a, r) => a + r.answered, 0)).toBeGreaterThan(100);
    const again = await runCli(['--json', file], { FLOORWATCH_URL: fw.url, FLOORWATCH_KEY: await keyOf('bad3') });
    const s = JSON.parse(again.stdout.trim().split('\n').at(-1)!);
    expect(s).toMatchObject({ lines: 10_000, loaded: 0, duplicates: 9_997, rejected: 3 });
    expect(await counts('bad3')).toEqual({ n: 9_997, u: 9_997 });
    expect(await historyOf('bad3', ...range)).toEqual(historyBefore);
  }, 120_000);
});

describe('formats', () => {
  const lines = simulatedLines(3_000, 'import-formats');
  const events = lines.map((l) => JSON.parse(l) as CcEvent);

  function csvOf(evs: CcEvent[]): string {
    const cols = [...new Set(evs.flatMap((e) => Object.keys(e)))];
    const cell = (v: unknown) => {
      if (v === undefined) return '';
      const s = Array.isArray(v) ? v.join('|') : typeof v === 'object' ? JSON.stringify(v) : String(v);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    return [cols.join(','), ...evs.map((e) => cols.map((c) => cell((e as Record<string, unknown>)[c])).join(','))].join('\r\n') + '\r\n';
  }

  /** the tenant's stored events as posted (payload), sorted by id */
  async function stored(tenant: string) {
    const r = await fw.rt.svc.ch.query({ query: 'SELECT payload FROM events WHERE tenant = {t:String} ORDER BY id', query_params: { t: tenant }, format: 'JSONEachRow' });
    return (await r.json<{ payload: string }>()).map((x) => JSON.parse(x.payload));
  }

  it('NDJSON, a JSON array, CSV and each gzipped load the same events', async () => {
    const bodies: [string, string, Buffer][] = [
      ['f-ndjson', 'application/x-ndjson', Buffer.from(lines.join('\n'))],
      ['f-json', 'application/json', Buffer.from(JSON.stringify(events, null, 2))],
      ['f-csv', 'text/csv', Buffer.from(csvOf(events))],
    ];
    const results: Record<string, unknown>[] = [];
    for (const [tenant, type, body] of bodies) {
      for (const gz of [false, true]) {
        const t = gz ? `${tenant}-gz` : tenant;
        const r = await importBody(t, gz ? zlib.gzipSync(body) : body, type, gz ? { 'content-encoding': 'gzip' } : {});
        expect(r.status, JSON.stringify(r.problem)).toBe(200);
        expect(r.summary, `${t}: ${JSON.stringify(r.summary.errors?.slice(0, 3))}`).toMatchObject({ lines: 3_000, loaded: 3_000, rejected: 0 });
        results.push(r.summary);
      }
    }
    const want = await stored('f-ndjson');
    expect(want).toHaveLength(3_000);
    const byId = (xs: any[]) => [...xs].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(want).toEqual(byId(events));
    for (const t of ['f-ndjson-gz', 'f-json', 'f-json-gz', 'f-csv', 'f-csv-gz']) expect(await stored(t), t).toEqual(want);
  }, 120_000);

  it('CSV: attrs.<key> columns, numbers and booleans per the schema, empty cells absent', async () => {
    const t = new Date(NOW - 3_600_000).toISOString();
    const csv = [
      'id,type,time,contact_id,queue,channel,agent_id,wait_ms,resolved,attrs.region,priority',
      `c-1,contact.queued,${t},k1,billing,voice,,,,emea,3`,
      `c-2,contact.answered,${t},k1,billing,,a1,1500,,,`,
      `c-3,contact.wrapped,${t},k1,,,a1,,true,,`,
      `c-4,contact.answered,${t},k2,billing,,a1,soon,,,`,
    ].join('\n');
    const r = await importBody('f-csv-types', csv, 'text/csv');
    expect(r.summary).toMatchObject({ lines: 4, loaded: 3, rejected: 1 });
    expect(r.summary.errors).toEqual([{ line: 5, field: 'wait_ms', reason: expect.stringMatching(/integer/), id: 'c-4' }]);
    expect((await stored('f-csv-types')).map((e: any) => e)).toEqual([
      { id: 'c-1', type: 'contact.queued', time: t, contact_id: 'k1', queue: 'billing', channel: 'voice', priority: 3, attrs: { region: 'emea' } },
      { id: 'c-2', type: 'contact.answered', time: t, contact_id: 'k1', queue: 'billing', agent_id: 'a1', wait_ms: 1500 },
      { id: 'c-3', type: 'contact.wrapped', time: t, contact_id: 'k1', agent_id: 'a1', resolved: true },
    ]);
  });

  it('a JSON array that breaks off mid-way loads what came before and says where it stopped', async () => {
    const text = JSON.stringify(events.slice(0, 100));
    const cut = text.slice(0, text.indexOf(events[60].id) + 3); // inside element 61
    const r = await importBody('f-broken', cut, 'application/json');
    expect(r.status).toBe(200);
    expect(r.summary.loaded).toBe(60);
    expect(r.summary.stopped).toMatchObject({ line: 61, byte: Buffer.byteLength(cut) });
    expect(r.summary.stopped.reason).toMatch(/ended inside the array/);
    expect((await counts('f-broken')).n).toBe(60);
  });

  it('a gzip body that is not gzip stops with the reason', async () => {
    const r = await importBody('f-badgz', Buffer.from(lines.slice(0, 10).join('\n')), 'application/x-ndjson', { 'content-encoding': 'gzip' });
    expect(r.status).toBe(200);
    expect(r.summary).toMatchObject({ loaded: 0 });
    expect(r.summary.stopped.reason).toMatch(/gzip/);
  });
});

describe('tenants, scopes and one import at a time', () => {
  const lines = simulatedLines(500, 'import-tenants');

  it('imports into the key’s tenant only', async () => {
    const before = await counts('iso-b');
    const r = await importBody('iso-a', lines.join('\n'), 'application/x-ndjson');
    expect(r.summary.loaded).toBe(500);
    expect(await counts('iso-a')).toEqual({ n: 500, u: 500 });
    expect(await counts('iso-b')).toEqual(before);
    // the same ids in another tenant are not duplicates there
    const b = await importBody('iso-b', lines.join('\n'), 'application/x-ndjson');
    expect(b.summary).toMatchObject({ loaded: 500, duplicates: 0 });
    // an event naming a tenant is refused (unknown field), not stored elsewhere
    const ev = { ...JSON.parse(lines[0]), id: 'x-tenant', tenant: 'iso-b' };
    const c = await importBody('iso-a', JSON.stringify(ev), 'application/x-ndjson');
    expect(c.summary.errors[0]).toMatchObject({ line: 1, field: 'tenant', reason: expect.stringMatching(/unknown field/) });
    expect(await counts('iso-b')).toEqual({ n: 500, u: 500 });
  });

  it('needs the ingest scope and a known content type', async () => {
    const readOnly = await keyOf('iso-a', ['read']);
    const r = await fetch(`${fw.url}/v1/import`, { method: 'POST', headers: { authorization: `Bearer ${readOnly}`, 'content-type': 'application/x-ndjson' }, body: lines[0] });
    expect(r.status).toBe(403);
    const none = await fetch(`${fw.url}/v1/import`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines[0] });
    expect(none.status).toBe(401);
    const xml = await importBody('iso-a', '<events/>', 'application/xml');
    expect(xml.status).toBe(415);
  });

  it('a second import of a tenant while one runs gets 409', async () => {
    const key = await keyOf('iso-c');
    const u = new URL('/v1/import', fw.url);
    // the first import: headers and one line sent, the body held open
    const req = http.request(u, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' } });
    const answer = new Promise<string>((resolve) =>
      req.on('response', (res) => {
        let t = '';
        res.on('data', (d) => (t += d));
        res.on('end', () => resolve(t));
      }),
    );
    req.write(lines[0] + '\n');
    await new Promise((r) => setTimeout(r, 500));
    const second = await importBody('iso-c', lines[1], 'application/x-ndjson');
    expect(second.status).toBe(409);
    expect(second.problem.detail).toMatch(/is running/);
    // another tenant is not held up
    expect((await importBody('iso-d', lines[1], 'application/x-ndjson')).summary.loaded).toBe(1);
    req.end(lines[2] + '\n');
    const s = JSON.parse((await answer).trim().split('\n').at(-1)!).summary;
    expect(s.loaded).toBe(2);
    expect((await importBody('iso-c', lines[3], 'application/x-ndjson')).summary.loaded).toBe(1);
  });
});
