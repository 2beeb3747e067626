// The Asterisk adapter's one-shot import, through the real CLI as a child process into a
// real Floorwatch (nats-server, chDB):
// - the worked example written as a queue_log gives the contact and agent KPIs of kpis.md,
//   live (GET /v1/kpis) and in history (GET /v1/history); tickets and feedback cannot come
//   from queue_log, so those KPIs stay empty;
// - malformed lines are counted with line number and reason in the CLI's summary, in
//   /metrics and in the dead-letter store, and the lines around them are ingested.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFloorwatch, startTestNats, eventually, tempDir, type TestFloorwatch } from '../support/harness.ts';
import { matchesTable } from '../support/worked-example.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { liveArea } from '../../pipelines/live/live-area.ts';
import { historyArea } from '../../server/history/area.ts';
import { FIXTURES, counter, ingestKey, runCli, shifted } from './asterisk-support.ts';
import { READ_AT, contactAndAgent, exampleNow, expectHistoryKpis, expectLiveKpis, getJson, readKey, settled } from './adapter-support.ts';

// "now" is the example's 10:10:00 moved to the present second
const NOW = exampleNow();
const SHIFT_S = (NOW - READ_AT) / 1000;

let nats: PrivateNats;
let fw: TestFloorwatch;
const dir = tempDir('fw-ast-import-');

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [liveArea({ fixedNow: NOW }), historyArea({ now: () => NOW })] });
}, 90_000);
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

describe('worked example as a queue_log, imported by the CLI', () => {
  let summary: Record<string, any>;

  beforeAll(async () => {
    const file = path.join(dir, 'queue_log');
    fs.writeFileSync(file, shifted('worked-example.queue_log', SHIFT_S));
    const r = await runCli(['--config', path.join(FIXTURES, 'worked-example.config.json'), '--json', file], {
      FLOORWATCH_URL: fw.url, FLOORWATCH_KEY: await ingestKey(fw),
    });
    expect(r.code, r.stderr).toBe(0);
    summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    await settled(fw);
  }, 90_000);

  it('maps every line and the server accepts every event', () => {
    expect(summary).toMatchObject({ lines: 24, mapped: 22, events: 28, ignored: { QUEUESTART: 1, DID: 1 }, rejected: {}, accepted: 28, failed: 0 });
  });

  it.each(['queue:billing', 'team:north', 'agent:a1'])('GET /v1/kpis gives the contact and agent KPIs of kpis.md for %s', async (scope) => {
    // what queue_log cannot carry (feedback, tickets) stays empty
    await expectLiveKpis(fw, scope, NOW);
  });

  it('GET /v1/history gives the same numbers for the same 15 minutes', async () => {
    await expectHistoryKpis(fw, NOW);
  });

  it('a second import of the same file changes nothing (ids come from the lines)', async () => {
    const file = path.join(dir, 'queue_log');
    const r = await runCli(['--config', path.join(FIXTURES, 'worked-example.config.json'), '--json', file], {
      FLOORWATCH_URL: fw.url, FLOORWATCH_KEY: await ingestKey(fw),
    });
    expect(r.code, r.stderr).toBe(0);
    await settled(fw);
    const n = await fw.rt.svc.ch.query({ query: "SELECT count() AS n, uniqExact(id) AS u FROM events WHERE tenant = 'default' AND startsWith(id, 'ast:')", format: 'JSONEachRow' });
    const row = (await n.json<{ n: number; u: number }>())[0];
    expect([Number(row.n), Number(row.u)]).toEqual([28, 28]);
    const k = await getJson(fw, '/v1/kpis?scope=queue:billing&window=15m');
    expect(matchesTable(k.json.metrics, contactAndAgent('queue:billing'))).toEqual([]);
  });
});

describe('malformed lines', () => {
  let r: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    const file = path.join(dir, 'malformed.queue_log');
    fs.writeFileSync(file, shifted('malformed.queue_log', SHIFT_S));
    r = await runCli([file], { FLOORWATCH_URL: fw.url, FLOORWATCH_KEY: await ingestKey(fw, 'ast-bad') });
  }, 60_000);

  it('are listed in the summary with line number and reason', () => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('11 lines, 5 mapped, 8 events (8 accepted, 0 refused by the server, 0 failed), 1 ignored (QUEUESTART 1), 5 rejected (bad_field_count 2, bad_time 1, unknown_event 1, unmappable 1)');
    const listed = r.stdout.split('\n').filter((l) => l.startsWith('  line ')).map((l) => l.split(':').slice(0, 2).join(':'));
    expect(listed).toEqual(['  line 3: bad_field_count', '  line 5: bad_time', '  line 7: unknown_event', '  line 8: bad_field_count', '  line 11: unmappable']);
    expect(r.stdout).toContain('rejects stored by Floorwatch: 5');
  });

  it('the lines around them are ingested', async () => {
    const rows = await eventually(async () => {
      const q = await fw.rt.svc.ch.query({ query: "SELECT type, contact_id FROM events WHERE tenant = 'ast-bad' ORDER BY time, type", format: 'JSONEachRow' });
      const x = await q.json<{ type: string; contact_id: string }>();
      return x.length === 8 ? x : null;
    }, 30_000);
    expect(rows.map((x) => x.type).sort()).toEqual(['agent.state', 'agent.state', 'contact.abandoned', 'contact.answered', 'contact.ended', 'contact.queued', 'contact.queued', 'contact.wrapped']);
  });

  it('are counted in /metrics and kept in the dead-letter store with line and reason', async () => {
    const metrics = await (await fetch(`${fw.url}/metrics`)).text();
    const m = (reason: string) => counter(metrics, 'fw_adapter_records_rejected_total', `reason="${reason}"`);
    expect([m('bad_field_count'), m('bad_time'), m('unknown_event'), m('unmappable')]).toEqual([2, 1, 1, 1]);
    const key = await readKey(fw, 'ast-bad');
    const list = await (await fetch(`${fw.url}/v1/adapters/rejects?source=asterisk`, { headers: { authorization: `Bearer ${key}` } })).json();
    expect(list.rejects.map((x: { line: number; reason: string }) => [x.line, x.reason])).toEqual([
      [11, 'unmappable'], [8, 'bad_field_count'], [7, 'unknown_event'], [5, 'bad_time'], [3, 'bad_field_count'],
    ]);
    expect(list.rejects.find((x: { line: number }) => x.line === 5)).toMatchObject({ tenant: 'ast-bad', source: 'asterisk', record: expect.stringMatching(/^17955144x0\|/) });
  });
});
