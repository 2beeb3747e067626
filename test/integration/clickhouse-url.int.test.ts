// Floorwatch with CLICKHOUSE_URL pointed at a ClickHouse server: deploy/chdb-http-server.ts,
// ClickHouse's engine (chDB) behind ClickHouse's HTTP interface, the most real server this
// machine runs. The migrations apply there once; the worked example posted to /v1/events
// (or bulk-imported) is stored once and gives kpis.md's numbers in /v1/history and
// /v1/contacts; the writer still drops repeats and dead-letters what ClickHouse refuses; a
// wrong password or a missing server stops start-up with one line; while the server is
// down ingestion goes on, reads answer 503 with Retry-After and /readyz says so, and
// nothing is lost when it is back.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { headers } from '@nats-io/transport-node';
import { createKey, eventually, post, settled, spawnFloorwatch, startFloorwatch, startTestNats, tempDir, type TestFloorwatch } from '../support/harness.ts';
import { startClickHouseServer, type TestClickHouse } from '../support/clickhouse-server.ts';
import { EXPECTED, shiftedExample } from '../support/worked-example.ts';
import { exampleNow, expectHistoryKpis, getJson, storedIds } from './adapter-support.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { DLQ_STREAM, EVENTS_STREAM } from '../../pipelines/bus/subjects.ts';
import { historyArea } from '../../server/history/area.ts';
import { migrationVersions } from '../../server/db/clickhouse.ts';

const NOW = exampleNow();
const chDir = tempDir('fw-churl-ch-');
let nats: PrivateNats;
let ch: TestClickHouse;
let fw: TestFloorwatch;
/** our own client of the server: what is stored there, not what Floorwatch says */
let direct: ClickHouseClient;

const stored = (prefix: string) => storedIds(direct, 'default', prefix);

/** `n` contacts queued an hour before the example: outside its 15 minutes and its contacts */
const batch = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`, type: 'contact.queued', time: new Date(NOW - 3_600_000 + i).toISOString(), contact_id: `${prefix}c${i}`, queue: 'billing', channel: 'chat',
  }));

beforeAll(async () => {
  nats = await startTestNats();
  ch = await startClickHouseServer({ dataDir: chDir });
  direct = ch.client();
  fw = await startFloorwatch({ natsUrl: nats.url, env: { ...ch.env, NATS_DUPLICATE_WINDOW_S: '1' }, areas: [historyArea({ now: () => NOW })] });
}, 120_000);
afterAll(async () => {
  await fw?.close();
  await direct?.close();
  await ch?.stop();
  await nats?.stop();
  fs.rmSync(chDir, { recursive: true, force: true });
});

describe('start-up against the server', () => {
  it('applies every migration on the server, once, and opens no embedded chDB', async () => {
    const r = await direct.query({ query: 'SELECT version FROM schema_migrations FINAL ORDER BY version', format: 'JSONEachRow' });
    const want = migrationVersions();
    expect((await r.json<{ version: string }>()).map((x) => x.version)).toEqual(want);
    const rows = await direct.query({ query: 'SELECT count() AS n FROM schema_migrations', format: 'JSONEachRow' });
    expect(Number((await rows.json<{ n: number }>())[0].n)).toBe(want.length);
    expect(fs.existsSync(path.join(fw.dataDir, 'clickhouse'))).toBe(false);
    const ready = await getJson(fw, '/readyz');
    expect(ready).toMatchObject({ status: 200, json: { checks: { clickhouse: 'ok', migrations: 'ok' } } });
  });

  /** The lines a Floorwatch process printed that are not pino's JSON log lines. */
  async function failedStart(env: Record<string, string>): Promise<string[]> {
    const err = await spawnFloorwatch({ NATS_URL: nats.url, DATA_DIR: tempDir(), ...env }).then(
      async (child) => {
        await child.kill();
        return null;
      },
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/^Floorwatch exited with 1:/);
    return err!.message.split('\n').slice(1).filter((l) => l.trim() && !l.startsWith('{'));
  }

  it('refuses to start with a wrong password, saying so in one line', async () => {
    const lines = await failedStart({ ...ch.env, CLICKHOUSE_PASSWORD: 'wrong' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^floorwatch: start-up failed: ClickHouse at ${ch.url} refused user "${ch.user}" .*AUTHENTICATION_FAILED|Authentication failed`));
    expect(lines[0]).toMatch(/check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD$/);
  }, 60_000);

  it('refuses to start when no server answers at CLICKHOUSE_URL, saying so in one line', async () => {
    const lines = await failedStart({ ...ch.env, CLICKHOUSE_URL: 'http://127.0.0.1:9' });
    expect(lines).toEqual(['floorwatch: start-up failed: ClickHouse at http://127.0.0.1:9 is not reachable (ECONNREFUSED): is the server running, and is CLICKHOUSE_URL right?']);
  }, 60_000);
});

describe('the worked example through /v1/events', () => {
  const example = shiftedExample(NOW, 'we-');
  const range = `from=${new Date(NOW - 15 * 60_000).toISOString()}&to=${new Date(NOW + 1).toISOString()}&interval=1d`;

  beforeAll(async () => {
    for (let i = 0; i < example.length; i += 10) expect((await post(`${fw.url}/v1/events`, example.slice(i, i + 10), fw.admin)).status).toBe(202);
    await settled(fw);
  }, 90_000);

  it('stores every event once, in the server', async () => {
    expect(await stored('we-')).toEqual([example.length, example.length]);
  });

  it("gives kpis.md's numbers in /v1/history: contacts, agents, feedback and tickets", async () => {
    await expectHistoryKpis(fw, NOW);
    const want = EXPECTED['queue:billing'];
    const metrics = ['csat', 'csat_avg', 'csat_responses', 'nps', 'ces_avg', 'frt_avg_s', 'tickets_created', 'tickets_solved'];
    const r = await getJson(fw, `/v1/history?${range}&queue=billing&group_by=queue&metrics=${metrics.join(',')}`);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.rows).toHaveLength(1);
    const row = r.json.rows[0];
    for (const m of metrics) expect(row[m], m).toBeCloseTo(want[m] as number, 4);
  });

  it('gives a contact its whole timeline in /v1/contacts', async () => {
    const r = await getJson(fw, '/v1/contacts/c1');
    expect(r.status).toBe(200);
    const mine = example.filter((e) => 'contact_id' in e && e.contact_id === 'c1').map((e) => e.id).sort();
    expect(r.json.events.map((e: { id: string }) => e.id).sort()).toEqual(mine);
    expect(r.json.segments[0]).toMatchObject({ queue: 'billing', outcome: 'answered', agent_id: 'a1', wait_s: 10, handle_s: 300, resolved: true });
  });

  it("drops the example posted again after JetStream's window (the writer's lookup on the server)", async () => {
    const dropped = async () => Number(/fw_writer_duplicates_total (\d+)/.exec(await (await fetch(`${fw.url}/metrics`)).text())?.[1] ?? 0);
    const before = await dropped();
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await post(`${fw.url}/v1/events`, [...example, ...batch('again-', 3)], fw.admin)).status).toBe(202);
    await eventually(async () => (await stored('again-'))[0] === 3, 30_000);
    await settled(fw);
    expect(await stored('we-')).toEqual([example.length, example.length]);
    expect(await dropped()).toBeGreaterThan(before);
    await expectHistoryKpis(fw, NOW); // and history did not count them twice
  });
});

describe('a request of 10,000 events (the most one takes)', () => {
  it('is stored once, and again after the window stores nothing: the writer looks up its 10,000 ids in a request body, past any URL limit', async () => {
    // ids of 120 characters: the lookup's parameters are ~1.3 MB, past ClickHouse's 1 MiB for a URL
    const big = batch('big-', 10_000).map((e) => ({ ...e, id: `${e.id}-`.padEnd(120, 'x') }));
    expect((await post(`${fw.url}/v1/events`, big, fw.admin)).status).toBe(202);
    await eventually(async () => (await stored('big-'))[0] === 10_000, 60_000);
    await settled(fw);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await post(`${fw.url}/v1/events`, big, fw.admin)).status).toBe(202);
    await settled(fw);
    expect(await stored('big-')).toEqual([10_000, 10_000]);
  }, 120_000);
});

describe('bulk import (POST /v1/import) into the server', () => {
  it('loads the worked example once, into the history of its range, and a second import stores nothing', async () => {
    const key = await createKey(fw, ['ingest', 'read'], 'imp');
    const tenant = { url: fw.url, admin: { authorization: `Bearer ${key}` } };
    const body = shiftedExample(NOW, 'imp-').map((e) => JSON.stringify(e)).join('\n');
    const load = async () => {
      const r = await fetch(`${fw.url}/v1/import`, { method: 'POST', headers: { ...tenant.admin, 'content-type': 'application/x-ndjson' }, body });
      const text = await r.text();
      expect(r.status, text).toBe(200);
      return JSON.parse(text.trim().split('\n').at(-1)!).summary;
    };
    expect(await load()).toMatchObject({ loaded: 41, duplicates: 0, rejected: 0 });
    expect(await storedIds(direct, 'imp', 'imp-')).toEqual([41, 41]);
    await expectHistoryKpis(tenant, NOW);
    expect(await load()).toMatchObject({ loaded: 0, duplicates: 41 });
    expect(await storedIds(direct, 'imp', 'imp-')).toEqual([41, 41]);
    await expectHistoryKpis(tenant, NOW);
  }, 90_000);
});

describe('what ClickHouse refuses goes to the dead-letter stream', () => {
  it('an undecodable message, and one the events_in view refuses (the server error read as permanent)', async () => {
    const dlq = async () => (await fw.rt.svc.bus.jsm.streams.info(DLQ_STREAM)).state.messages;
    const before = await dlq();
    await fw.rt.svc.bus.js.publish('cc.events.default.contact.queued', new TextEncoder().encode('{not json'));
    const h = headers();
    h.set('Fw-Ids', JSON.stringify(['forged-1']));
    await fw.rt.svc.bus.js.publish('cc.events.default.contact.queued', new TextEncoder().encode('[{"type":"contact.queued","tenant":"default","ts":1}]'), { headers: h });
    expect((await post(`${fw.url}/v1/events`, batch('after-dlq-', 12), fw.admin)).status).toBe(202);
    await eventually(async () => (await dlq()) === before + 2, 30_000);
    const m = await fw.rt.svc.bus.jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: 'cc.dlq.default' });
    expect(m!.header.get('Fw-Reason')).toMatch(/without id, tenant or type/);
    await eventually(async () => (await stored('after-dlq-'))[0] === 12, 30_000);
    const empty = await direct.query({ query: "SELECT count() AS n FROM events WHERE id = ''", format: 'JSONEachRow' });
    expect(Number((await empty.json<{ n: number }>())[0].n)).toBe(0);
  });
});

describe('the ClickHouse server going away', () => {
  it('keeps ingesting, answers reads 503 with Retry-After at once, reports it in /readyz, and stores everything once it is back', async () => {
    const port = Number(new URL(ch.url).port);
    const { user, password } = ch;
    await ch.stop();

    expect((await post(`${fw.url}/v1/events`, batch('down-', 20), fw.admin)).status).toBe(202);
    for (const p of [`/v1/history?from=${new Date(NOW - 3_600_000).toISOString()}&to=${new Date(NOW).toISOString()}&interval=1h&metrics=arrived`, '/v1/contacts/c1']) {
      const t0 = Date.now();
      const r = await fetch(`${fw.url}${p}`, { headers: fw.admin });
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(r.status, p).toBe(503);
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await r.json()).detail).toMatch(/ClickHouse is not answering/);
    }
    const ready = await getJson(fw, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json.checks).toMatchObject({ clickhouse: 'down', nats: 'ok' });
    await new Promise((r) => setTimeout(r, 1_000));
    const writer = await fw.rt.svc.bus.jsm.consumers.info(EVENTS_STREAM, 'writer');
    expect(writer.num_pending + writer.num_ack_pending).toBeGreaterThan(0);

    // back, but with other credentials: still not ready
    ch = await startClickHouseServer({ dataDir: chDir, port, user, password: 'rotated' });
    await new Promise((r) => setTimeout(r, 500));
    expect((await getJson(fw, '/readyz')).json.checks.clickhouse).toBe('down');
    await ch.stop();

    ch = await startClickHouseServer({ dataDir: chDir, port, user, password });
    await eventually(async () => (await getJson(fw, '/readyz')).status === 200, 30_000);
    await eventually(async () => (await stored('down-'))[0] === 20, 60_000);
    await settled(fw);
    expect(await stored('down-')).toEqual([20, 20]);
    expect(await stored('we-')).toEqual([41, 41]);
    await expectHistoryKpis(fw, NOW);
  }, 120_000);
});
