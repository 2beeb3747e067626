// Day partitions of the history facts (sql/0011) and their compaction
// (server/history/compact.ts), against real chDB in a temp dir.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/harness.ts';
import { migrate, openClickHouse, splitStatements, type ClickHouseClient } from '../../server/db/clickhouse.ts';
import { applyHistoryTtl, compactSettled, startCompactor } from '../../server/history/compact.ts';
import { rollupCover, rollupSettled } from '../../server/history/rollup.ts';
import pino from 'pino';

const SQL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sql');
const DAY = 86_400_000;
// "Now" follows the real clock (the parts' modification times are real), at least 2 h
// into its UTC day so that NOW - 1 h is still "today".
const NOW = ((t) => Math.max(t, Math.floor(t / DAY) * DAY + 2 * 3_600_000))(Date.now() + 60_000);
const dayOf = (t: number) => Math.floor(t / DAY) * DAY;
const ymd = (t: number) => new Date(t).toISOString().slice(0, 10).replace(/-/g, '');

let ch: ClickHouseClient;

const fact = (contact: string, t: number, version: number, extra: Record<string, unknown> = {}) => ({
  tenant: 'acme', kind: 'outcome', time: t, contact_id: contact, seg: 0, queue: 'billing', channel: 'voice',
  agent_id: 'a1', team: 'north', outcome: 'answered', start_known: 1, queued_at: t - 10_000, ended_at: t + 60_000,
  wait_ms: 10_000, answered_at: t, wrapped_at: null, handle_ms: null, resolved: null, version, deleted: 0, ...extra,
});
const insert = (rows: object[]) =>
  ch.insert({ table: 'hist_contact_facts', values: rows, format: 'JSONEachRow', clickhouse_settings: { date_time_input_format: 'best_effort' } });
const rows = async <T>(query: string) => (await (await ch.query({ query, format: 'JSONEachRow' })).json<T>());
const parts = async (partition: string) =>
  Number((await rows<{ n: number }>(`SELECT count() AS n FROM system.parts WHERE active AND table = 'hist_contact_facts' AND partition_id = '${partition}'`))[0].n);
const finalRows = () =>
  rows<{ contact_id: string; wait_ms: number }>(
    `SELECT contact_id, wait_ms FROM hist_contact_facts FINAL ORDER BY contact_id
     SETTINGS do_not_merge_across_partitions_select_final = 1`,
  );

beforeAll(async () => {
  ch = await openClickHouse({ clickhouse: null, dataDir: tempDir('fw-compact-') });
  // The schema as it was before 0011 (monthly partitions), with rows in it.
  for (const f of fs.readdirSync(SQL).filter((f) => f < '0011').sort())
    for (const stmt of splitStatements(fs.readFileSync(path.join(SQL, f), 'utf8'))) await ch.command({ query: stmt });
  await insert([fact('c1', NOW - 2 * DAY, 1), fact('c2', NOW - 2 * DAY + 1000, 1)]);
  await insert([fact('c1', NOW - 2 * DAY, 2, { wait_ms: 12_000 })]);
});
afterAll(async () => ch?.close());

describe('history facts by day', () => {
  it('the migration moves the rows to day partitions, keeping versions and keys', async () => {
    await migrate(ch);
    const [t] = await rows<{ partition_key: string }>(`SELECT partition_key FROM system.tables WHERE database = currentDatabase() AND name = 'hist_contact_facts'`);
    expect(t.partition_key).toBe('toYYYYMMDD(time)');
    const [a] = await rows<{ partition_key: string }>(`SELECT partition_key FROM system.tables WHERE database = currentDatabase() AND name = 'hist_agent_states'`);
    expect(a.partition_key).toBe('toYYYYMMDD(start)');
    expect(await finalRows()).toEqual([{ contact_id: 'c1', wait_ms: 12_000 }, { contact_id: 'c2', wait_ms: 10_000 }]);
    const left = await rows<{ name: string }>(`SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'hist_%by_%'`);
    expect(left).toEqual([]);
  });

  it('compacts settled days into one part, never today or a day still written to', async () => {
    const old = ymd(NOW - 2 * DAY);
    const today = ymd(NOW);
    await insert([fact('c3', NOW - 2 * DAY + 2000, 1)]);
    await insert([fact('c3', NOW - 2 * DAY + 2000, 2, { deleted: 1 })]); // c3's fact moved away
    await insert([fact('t1', NOW - 3_600_000, 1)]);
    await insert([fact('t1', NOW - 3_600_000, 2, { wait_ms: 5_000 })]);
    expect(await parts(old)).toBeGreaterThan(1);
    expect(await parts(today)).toBe(2);

    // Parts just written: not settled yet.
    expect(await compactSettled(ch, { now: Date.now(), quietMs: 600_000 })).toEqual([]);

    const done = await compactSettled(ch, { now: NOW, quietMs: 0 });
    expect(done).toEqual([{ table: 'hist_contact_facts', partition: old }]);
    expect(await parts(old)).toBe(1);
    expect(await parts(today)).toBe(2);
    // One part, and FINAL still drops the deleted key and keeps the newest versions.
    expect(await finalRows()).toEqual([
      { contact_id: 'c1', wait_ms: 12_000 },
      { contact_id: 'c2', wait_ms: 10_000 },
      { contact_id: 't1', wait_ms: 5_000 },
    ]);
    // Nothing left to do on the next round.
    expect(await compactSettled(ch, { now: NOW, quietMs: 0 })).toEqual([]);
  });

  it('a late rewrite of a compacted day is read exactly, and compacted again', async () => {
    await insert([fact('c2', NOW - 2 * DAY + 1000, 5, { wait_ms: 99_000 })]);
    expect(await parts(ymd(NOW - 2 * DAY))).toBe(2);
    expect((await finalRows()).find((r) => r.contact_id === 'c2')).toEqual({ contact_id: 'c2', wait_ms: 99_000 });
    expect(await compactSettled(ch, { now: NOW, quietMs: 0 })).toEqual([{ table: 'hist_contact_facts', partition: ymd(NOW - 2 * DAY) }]);
    expect(await parts(ymd(NOW - 2 * DAY))).toBe(1);
    expect((await finalRows()).find((r) => r.contact_id === 'c2')).toEqual({ contact_id: 'c2', wait_ms: 99_000 });
  });

  it('the history role runs it on a timer, and stops cleanly', async () => {
    await insert([fact('c4', NOW - 3 * DAY, 1)]);
    await insert([fact('c4', NOW - 3 * DAY, 2, { wait_ms: 7_000 })]);
    expect(await parts(ymd(NOW - 3 * DAY))).toBe(2);
    const compactor = startCompactor(ch, pino({ level: 'silent' }), { everyMs: 100, firstAfterMs: 0, quietMs: 0 });
    try {
      const t0 = Date.now();
      while ((await parts(ymd(NOW - 3 * DAY))) > 1 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
      expect(await parts(ymd(NOW - 3 * DAY))).toBe(1);
      // …and then rolls the day up by hour and queue
      const day = Number(ymd(NOW - 3 * DAY));
      while (!(await rollupCover(ch, dayOf(NOW - 3 * DAY), dayOf(NOW - 2 * DAY), NOW)).days.includes(day) && Date.now() - t0 < 10_000)
        await new Promise((r) => setTimeout(r, 50));
      expect((await rollupCover(ch, dayOf(NOW - 3 * DAY), dayOf(NOW - 2 * DAY), NOW)).days).toEqual([day]);
    } finally {
      await compactor.stop();
    }
    expect((await finalRows()).find((r) => r.contact_id === 'c4')).toEqual({ contact_id: 'c4', wait_ms: 7_000 });
  });

  it('rolls a day up again after a late write, and frees the superseded rows a round later', async () => {
    const d = ymd(NOW - 2 * DAY);
    await compactSettled(ch, { now: NOW, quietMs: 0 });
    await rollupSettled(ch, { now: NOW, quietMs: 0 });
    const partsOf = async () =>
      (await rows<{ part: string }>(`SELECT DISTINCT part FROM hist_queue_hourly WHERE day = ${d} ORDER BY part`)).map((r) => r.part);
    const [first] = await partsOf();
    expect(await partsOf()).toEqual([first]);
    const answered = async () =>
      Number((await rows<{ n: number }>(`SELECT sum(answered) AS n FROM hist_queue_hourly WHERE day = ${d} AND part IN (SELECT part FROM hist_rollup_days FINAL)`))[0].n);
    const before = await answered();
    await insert([fact('c9', NOW - 2 * DAY + 5000, 1)]); // a new answered contact on that day
    expect((await rollupCover(ch, dayOf(NOW - 2 * DAY), dayOf(NOW - DAY), NOW)).days).toEqual([]); // two parts: read from the facts
    await compactSettled(ch, { now: NOW, quietMs: 0 });
    expect((await rollupSettled(ch, { now: NOW, quietMs: 0 })).map((r) => r.day)).toEqual([Number(d)]);
    expect(await answered()).toBe(before + 1);
    expect((await rollupCover(ch, dayOf(NOW - 2 * DAY), dayOf(NOW - DAY), NOW)).days).toEqual([Number(d)]);
    expect((await partsOf()).length).toBe(2); // the superseded rows stay for one round…
    await rollupSettled(ch, { now: NOW, quietMs: 0 });
    const t0 = Date.now();
    while ((await partsOf()).length > 1 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    expect((await partsOf()).includes(first)).toBe(false); // …and are deleted in the next
  });

  it('HISTORY_TTL_DAYS applies to the facts and, an hour later, to the rollup', async () => {
    await applyHistoryTtl(ch, 30);
    const ttl = async (t: string) =>
      (await rows<{ e: string }>(`SELECT engine_full AS e FROM system.tables WHERE database = currentDatabase() AND name = '${t}'`))[0].e;
    expect(await ttl('hist_contact_facts')).toMatch(/TTL toDateTime\(time\) \+ toIntervalDay\(30\)/);
    expect(await ttl('hist_agent_states')).toMatch(/TTL toDateTime\(end\) \+ toIntervalDay\(30\)/);
    expect(await ttl('hist_queue_hourly')).toMatch(/TTL \(hour \+ toIntervalDay\(30\)\) \+ toIntervalHour\(1\)/);
  });
});
