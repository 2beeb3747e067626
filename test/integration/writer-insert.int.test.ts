// The embedded byte paths the writer takes (server/db/clickhouse.ts): an insert read from
// a scratch file (INSERT … FROM INFILE) still honours insert_deduplication_token, which
// the writer's retries rely on, and a long `IN {ids:Array(String)}` read from a scratch
// file finds exactly the ids the bound list finds, whatever characters they hold.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/harness.ts';
import { insertRaw, migrate, openClickHouse, queryRaw, type ClickHouseClient } from '../../server/db/clickhouse.ts';
import { eventsInBody, EVENTS_IN_SETTINGS, writeEvents } from '../../pipelines/writer/events-in.ts';
import type { BusEvent } from '../../pipelines/events/schema.ts';

let ch: ClickHouseClient;
const rows = async <T>(query: string) => (await (await ch.query({ query, format: 'JSONEachRow' })).json<T>());
const scratch = () => fs.readdirSync('/dev/shm').filter((f) => f.startsWith(`fw-list-${process.pid}-`) || f.startsWith(`fw-insert-${process.pid}-`));

// a process that died mid-insert (pid 2^22 + 1 is above Linux's pid_max: never alive)
const orphan = '/dev/shm/fw-insert-4194305-1.ndjson';

beforeAll(async () => {
  fs.writeFileSync(orphan, '{"m":[]}\n');
  ch = await openClickHouse({ clickhouse: null, dataDir: tempDir('fw-writer-insert-') });
  await migrate(ch);
});
afterAll(async () => ch?.close());

const ev = (id: string): BusEvent =>
  ({ id, type: 'agent.state', time: '2026-12-07T10:00:00.000Z', agent_id: 'a1', state: 'busy', tenant: 't', ts: 1796637600000, received_at: 1796637600000 }) as BusEvent;

describe('the embedded insert from a scratch file', () => {
  it('removes scratch files of dead processes when chDB is opened', () => {
    expect(fs.existsSync(orphan)).toBe(false);
  });

  it('stores a retried body with the same token once, and leaves no file behind', async () => {
    const body = eventsInBody([writeEvents([ev('d1'), ev('d2')])]);
    for (let i = 0; i < 2; i++) await insertRaw(ch, 'events_in', body, { ...EVENTS_IN_SETTINGS, insert_deduplication_token: 'same' });
    expect(await rows<{ id: string }>("SELECT id FROM events WHERE id LIKE 'd%' ORDER BY id")).toEqual([{ id: 'd1' }, { id: 'd2' }]);
    expect(await rows<{ n: number }>("SELECT count() AS n FROM event_ids WHERE id LIKE 'd%'")).toEqual([{ n: 2 }]);
    await insertRaw(ch, 'events_in', body, { ...EVENTS_IN_SETTINGS, insert_deduplication_token: 'other' });
    expect(await rows<{ n: number }>("SELECT count() AS n FROM events WHERE id LIKE 'd%'")).toEqual([{ n: 4 }]);
    expect(scratch()).toEqual([]);
  });

  it('fails with ClickHouse\'s code for a body it cannot parse', async () => {
    const err = await insertRaw(ch, 'events_in', Buffer.from('{"m":[1]}garbage\n'), { ...EVENTS_IN_SETTINGS }).catch((e) => e);
    expect(String((err as { code?: unknown }).code)).toBe('27');
    expect(scratch()).toEqual([]);
  });
});

describe('a long IN list from a scratch file', () => {
  const tricky = ['tab\there', 'new\nline', 'back\\slash', '\\N', "quo'te", 'dq"', 'cr\rlf', 'ünï-çødé', '', ' lead', 'trail '];
  const stored = [...tricky.filter((s) => s !== ''), ...Array.from({ length: 600 }, (_, i) => `x${i}`)];
  const asked = [...tricky, ...Array.from({ length: 1_500 }, (_, i) => `x${i * 2}`)];

  it('finds exactly what the bound list finds', async () => {
    await ch.insert({ table: 'event_ids', values: stored.map((id) => ({ tenant: 'lt', id, time: 0 })), format: 'JSONEachRow' });
    const sql = 'SELECT id FROM event_ids WHERE tenant = {tenant:String} AND id IN {ids:Array(String)} ORDER BY id FORMAT JSONCompactEachRow';
    const fromFile = new TextDecoder().decode(await queryRaw(ch, sql, { tenant: 'lt', ids: asked }));
    // the same in bound lists short enough to stay bound
    const bound: string[] = [];
    for (let i = 0; i < asked.length; i += 500) bound.push(new TextDecoder().decode(await queryRaw(ch, sql, { tenant: 'lt', ids: asked.slice(i, i + 500) })));
    const ids = (text: string) => text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as [string])[0]);
    const expected = stored.filter((id) => asked.includes(id)).sort();
    expect(ids(fromFile).sort()).toEqual(expected);
    expect(bound.flatMap(ids).sort()).toEqual(expected);
    expect(scratch()).toEqual([]);
  });
});
