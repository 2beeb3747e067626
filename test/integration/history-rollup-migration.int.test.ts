// sql/0015 on a database whose days were rolled up by queue only (before the queue ×
// channel rollup existed): those days are forgotten, answered from the facts meanwhile,
// and the next round rolls them up again into both tables, once.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/harness.ts';
import { migrate, openClickHouse, splitStatements, type ClickHouseClient } from '../../server/db/clickhouse.ts';
import { compactSettled } from '../../server/history/compact.ts';
import { QUEUE_HOUR_AGGS, QUEUE_HOUR_COLS, rollupCover, rollupSettled } from '../../server/history/rollup.ts';
import { historyBody, type HistoryRequest } from '../../server/history/history-query.ts';

const SQL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sql');
const DAY = 86_400_000;
const D = Math.floor(Date.now() / DAY) * DAY - 3 * DAY; // a settled day
const ymd = Number(new Date(D).toISOString().slice(0, 10).replace(/-/g, ''));

let ch: ClickHouseClient;
const rows = async <T>(query: string) => (await (await ch.query({ query, format: 'JSONEachRow' })).json<T>());
const count = async (table: string) => Number((await rows<{ n: number }>(`SELECT count() AS n FROM ${table}`))[0].n);

const fact = (contact: string, h: number, channel: string, wait: number) => ({
  tenant: 'acme', kind: 'outcome', time: D + h * 3_600_000, contact_id: contact, seg: 0, queue: 'billing', channel,
  agent_id: 'a1', team: 'north', outcome: 'answered', start_known: 1, queued_at: D + h * 3_600_000 - wait, ended_at: null,
  wait_ms: wait, answered_at: D + h * 3_600_000, wrapped_at: null, handle_ms: null, resolved: null, version: 1, deleted: 0,
});

beforeAll(async () => {
  ch = await openClickHouse({ clickhouse: null, dataDir: tempDir('fw-rollup-mig-') });
  for (const f of fs.readdirSync(SQL).filter((f) => f < '0015').sort())
    for (const stmt of splitStatements(fs.readFileSync(path.join(SQL, f), 'utf8'))) await ch.command({ query: stmt });
  await ch.command({ query: `CREATE TABLE schema_migrations (version String, applied_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree ORDER BY version` });
  await ch.insert({ table: 'schema_migrations', values: fs.readdirSync(SQL).filter((f) => f < '0015').map((f) => ({ version: f.replace(/\.sql$/, '') })), format: 'JSONEachRow' });
  await ch.insert({
    table: 'hist_contact_facts',
    values: [fact('c1', 9, 'voice', 10_000), fact('c2', 9, 'chat', 40_000), fact('c3', 10, 'chat', 5_000)],
    format: 'JSONEachRow',
  });
  await compactSettled(ch, { quietMs: 0 });
  // the day rolled up as the code before 0015 did: by queue, recorded
  const [{ part }] = await rows<{ part: string }>(`SELECT name AS part FROM system.parts WHERE active AND table = 'hist_contact_facts'`);
  await ch.command({
    query: `INSERT INTO hist_queue_hourly (tenant, day, part, hour, queue, ${QUEUE_HOUR_COLS.join(', ')})
            SELECT tenant, ${ymd}, '${part}', toStartOfHour(time) AS hour, queue, ${QUEUE_HOUR_AGGS}
            FROM hist_contact_facts FINAL GROUP BY tenant, hour, queue`,
  });
  await ch.command({ query: `INSERT INTO hist_rollup_days (day, part, rolled_at) VALUES (${ymd}, '${part}', now64(3))` });
});
afterAll(async () => ch?.close());

describe('sql/0015 on days rolled up by queue only', () => {
  const req = (groupBy: 'queue' | 'channel'): HistoryRequest => ({
    tenant: 'acme', metrics: ['answered', 'service_level', 'wait_p90_s'], from: D, to: D + DAY, interval: '1h', tz: 'UTC', groupBy, filters: {},
    policies: { queues: [], slMs: [], shortMs: [], defaultSlMs: 20_000, defaultShortMs: 5_000 }, now: Date.now(),
  });
  const same = async (groupBy: 'queue' | 'channel') =>
    expect((await historyBody(ch, req(groupBy), 'json')).toString()).toBe((await historyBody(ch, { ...req(groupBy), rollup: null }, 'json')).toString());

  it('forgets them (answered from the facts), then rolls them up again into both tables', async () => {
    expect((await rollupCover(ch, D, D + DAY, Date.now())).days).toEqual([ymd]);
    expect(await migrate(ch)).toContain('0015_history_queue_channel_hourly');
    expect((await rollupCover(ch, D, D + DAY, Date.now())).days).toEqual([]);
    expect([await count('hist_queue_hourly'), await count('hist_queue_channel_hourly')]).toEqual([0, 0]);
    await same('queue');
    await same('channel');
    expect((await rollupSettled(ch, { quietMs: 0 })).map((r) => r.day)).toEqual([ymd]);
    expect((await rollupCover(ch, D, D + DAY, Date.now())).days).toEqual([ymd]);
    // hours 9 and 10 by queue; (9, voice), (9, chat), (10, chat) by queue and channel: each once
    expect([await count('hist_queue_hourly'), await count('hist_queue_channel_hourly')]).toEqual([2, 3]);
    await same('queue');
    await same('channel');
    const body = JSON.parse((await historyBody(ch, req('channel'), 'json')).toString());
    expect(body.rows.map((r: { channel: string; answered: number }) => [r.channel, r.answered])).toEqual([['chat', 1], ['voice', 1], ['chat', 1]]);
    expect(await rollupSettled(ch, { quietMs: 0 })).toEqual([]);
  });
});
