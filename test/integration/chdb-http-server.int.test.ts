// deploy/chdb-http-server.ts as @clickhouse/client and curl-like callers see it: the part of
// ClickHouse's HTTP interface Floorwatch's CLICKHOUSE_URL path uses (queries, bound
// parameters, settings for one request, inserts with gzip bodies, the summary header),
// credentials checked, and errors that the client parses into ClickHouse's codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { clickhouseErrorCode, insertRaw, migrate, migrationVersions, queryRaw } from '../../server/db/clickhouse.ts';
import { tempDir } from '../support/harness.ts';
import { startClickHouseServer, type TestClickHouse } from '../support/clickhouse-server.ts';

let ch: TestClickHouse;
let client: ClickHouseClient;
const dataDir = tempDir('fw-chhttp-');
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

async function call(query: string | null, init: { method?: string; headers?: Record<string, string>; body?: string; params?: Record<string, string> } = {}) {
  const u = new URL(ch.url);
  if (query !== null) u.searchParams.set('query', query);
  for (const [k, v] of Object.entries(init.params ?? {})) u.searchParams.set(k, v);
  const res = await fetch(u, { method: init.method ?? (init.body ? 'POST' : 'GET'), headers: init.headers ?? { authorization: basic(ch.user, ch.password) }, body: init.body });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function clientError(p: Promise<unknown>) {
  const err = await p.then(() => null, (e: unknown) => e as Error & { type?: string });
  expect(err, 'the call should have failed').not.toBeNull();
  return { code: clickhouseErrorCode(err), type: err!.type, message: err!.message };
}

beforeAll(async () => {
  ch = await startClickHouseServer({ dataDir });
  client = createClient({ url: ch.url, username: ch.user, password: ch.password, compression: { request: true, response: true }, log: { level: ClickHouseLogLevel.OFF } });
}, 90_000);
afterAll(async () => {
  await client?.close();
  await ch?.stop();
});

describe('health and credentials', () => {
  it('answers /ping and GET / with "Ok." without credentials, as ClickHouse does', async () => {
    for (const p of ['/ping', '/']) {
      const r = await fetch(new URL(p, ch.url));
      expect([r.status, await r.text()]).toEqual([200, 'Ok.\n']);
    }
  });

  it('refuses a query without credentials (194, 401) or with a wrong password or user (516, 403)', async () => {
    const none = await call('SELECT 1', { headers: {} });
    expect(none.status).toBe(401);
    expect(none.headers.get('x-clickhouse-exception-code')).toBe('194');
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    for (const headers of <Record<string, string>[]>[
      { authorization: basic(ch.user, 'wrong') },
      { authorization: basic('intruder', ch.password) },
      { 'x-clickhouse-user': ch.user, 'x-clickhouse-key': 'wrong' },
    ]) {
      const r = await call('SELECT 1', { headers });
      expect(r.status).toBe(403);
      expect(r.headers.get('x-clickhouse-exception-code')).toBe('516');
      expect(r.text).toMatch(/^Code: 516\. DB::Exception: .*Authentication failed.*\(AUTHENTICATION_FAILED\)/);
    }
    const wrongParams = await call('SELECT 1', { headers: {}, params: { user: ch.user, password: 'wrong' } });
    expect(wrongParams.status).toBe(403);
  });

  it('takes the right credentials from Basic auth, X-ClickHouse-User/Key or user/password parameters', async () => {
    expect((await call('SELECT 41 + 1')).text).toBe('42\n');
    expect((await call('SELECT 42', { headers: { 'x-clickhouse-user': ch.user, 'x-clickhouse-key': ch.password } })).text).toBe('42\n');
    expect((await call('SELECT 42', { headers: {}, params: { user: ch.user, password: ch.password } })).text).toBe('42\n');
  });

  it('gives @clickhouse/client a ClickHouseError with the code for a wrong password, and ping({select}) fails', async () => {
    const bad = createClient({ url: ch.url, username: ch.user, password: 'wrong', log: { level: ClickHouseLogLevel.OFF } });
    try {
      expect(await clientError(bad.query({ query: 'SELECT 1' }))).toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
      expect((await bad.ping({ select: true })).success).toBe(false);
    } finally {
      await bad.close();
    }
  });
});

describe('errors', () => {
  it('answers an unknown table with 404 and code 60, which the client parses', async () => {
    const r = await call('SELECT * FROM no_such_table');
    expect(r.status).toBe(404);
    expect(r.headers.get('x-clickhouse-exception-code')).toBe('60');
    expect(r.text).toMatch(/^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\)/);
    expect(await clientError(client.query({ query: 'SELECT * FROM no_such_table', format: 'JSONEachRow' }))).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
  });

  it('answers a syntax error with 400, code 62', async () => {
    const r = await call('SELEC 1');
    expect([r.status, r.headers.get('x-clickhouse-exception-code')]).toEqual([400, '62']);
    expect(await clientError(client.command({ query: 'CREATE TABLE (' }))).toMatchObject({ code: '62', type: 'SYNTAX_ERROR' });
  });

  it('refuses several statements in one request, as ClickHouse does (a ";" in a string is no second statement)', async () => {
    const r = await call(null, { body: 'SELECT 1; DROP TABLE x' });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/Multi-statements are not allowed/);
    expect((await call(null, { body: "SELECT 'a;b' -- c; d\n;" })).text).toBe('a;b\n');
  });

  it('refuses a modifying query over GET (READONLY) and an unknown setting (115, 404)', async () => {
    const r = await call('CREATE TABLE g (a UInt8) ENGINE = Memory');
    expect(r.headers.get('x-clickhouse-exception-code')).toBe('164');
    expect(r.text).toMatch(/readonly/);
    const s = await call('SELECT 1', { params: { no_such_setting: '1' } });
    expect([s.status, s.headers.get('x-clickhouse-exception-code')]).toEqual([404, '115']);
  });

  it('refuses what it does not have (HTTP sessions) with 501 rather than ignoring it', async () => {
    const r = await call('SELECT 1', { params: { session_id: 'abc' } });
    expect([r.status, r.headers.get('x-clickhouse-exception-code')]).toEqual([501, '48']);
  });

  it('answers an unknown path with an error, not "Ok."', async () => {
    const r = await fetch(new URL('/play', ch.url), { headers: { authorization: basic(ch.user, ch.password) } });
    expect(r.status).not.toBe(200);
    expect(r.headers.get('x-clickhouse-exception-code')).not.toBeNull();
  });
});

describe('queries and inserts through @clickhouse/client', () => {
  it('binds parameters as ClickHouse does: strings with quotes, backslashes, tabs and newlines, arrays, numbers', async () => {
    const odd = ["it's", 'back\\slash', 'tab\tnew\nline', "é'\\'ü", '😀', ''];
    const r = await client.query({
      query: 'SELECT {s:String} AS s, {xs:Array(String)} AS xs, {n:UInt64} + 1 AS n, {f:Float64} AS f',
      query_params: { s: odd[0], xs: odd, n: 41, f: 0.25 },
      format: 'JSONEachRow',
    });
    expect(await r.json()).toEqual([{ s: odd[0], xs: odd, n: 42, f: 0.25 }]);
    for (const s of odd) {
      const one = await client.query({ query: 'SELECT {s:String} AS s', query_params: { s }, format: 'JSONEachRow' });
      expect(await one.json()).toEqual([{ s }]);
    }
  });

  it('takes parameters too long for a URL: in a multipart body (20,000 ids), and in URLs up to 1 MiB as ClickHouse does', async () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `0b5e6f7a-1c2d-4e3f-8a9b-${String(i).padStart(12, '0')}`);
    const q = { query: 'SELECT length({ids:Array(String)}) AS n, {ids:Array(String)}[-1] AS last, {t:String} AS t', format: 'JSONEachRow' as const };
    const multipart = await client.query({ ...q, query_params: { ids, t: "it's" }, use_multipart_params: true });
    expect(await multipart.json()).toEqual([{ n: 20_000, last: ids.at(-1), t: "it's" }]);
    // exec() puts them in the URL: 1,000 ids are ~50 KB, past Node's default 16 KiB for a request head
    const inUrl = await client.exec({ query: `${q.query} FORMAT JSONEachRow`, query_params: { ids: ids.slice(0, 1_000), t: 'x' } });
    let text = '';
    for await (const c of inUrl.stream) text += c;
    expect(JSON.parse(text)).toEqual({ n: 1_000, last: ids[999], t: 'x' });
    const tooLong = await call('SELECT 1', { params: { param_x: 'y'.repeat(1024 * 1024 + 10) } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toMatch(/^Code: 36\. .*http_max_uri_size/);
  });

  it('keeps concurrent requests apart: each gets its own parameters and settings', async () => {
    const got = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const r = await client.query({
          query: "SELECT {i:UInt32} AS i, getSetting('max_threads') AS t",
          query_params: { i },
          clickhouse_settings: { max_threads: (i % 3) + 1 },
          format: 'JSONEachRow',
        });
        return (await r.json<{ i: number; t: number }>())[0];
      }),
    );
    expect(got).toEqual(Array.from({ length: 24 }, (_, i) => ({ i, t: (i % 3) + 1 })));
  });

  it('applies settings to their request only', async () => {
    const get = async (s?: Record<string, number>) =>
      (await (await client.query({ query: "SELECT getSetting('max_block_size') AS v", format: 'JSONEachRow', clickhouse_settings: s })).json<{ v: number }>())[0].v;
    const before = await get();
    expect(await get({ max_block_size: 1234 })).toBe(1234);
    expect(await get()).toBe(before);
  });

  it('inserts JSONEachRow (gzip body), reports written rows in the summary, and drops a repeated deduplication token', async () => {
    await client.command({
      query: `CREATE TABLE ev (id String, t DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY id
              SETTINGS non_replicated_deduplication_window = 100`,
    });
    const rows = [{ id: "a'1", t: '2026-11-24T10:00:00.250Z' }, { id: 'b\\2', t: '2026-11-24T10:00:01Z' }];
    const settings = { date_time_input_format: 'best_effort' as const, insert_deduplication_token: 'tok-1' };
    const first = await client.insert({ table: 'ev', values: rows, format: 'JSONEachRow', clickhouse_settings: settings });
    expect(first.summary?.written_rows).toBe('2');
    await client.insert({ table: 'ev', values: rows, format: 'JSONEachRow', clickhouse_settings: settings });
    const r = await client.query({ query: 'SELECT id, toUnixTimestamp64Milli(t) AS ms FROM ev ORDER BY id', format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
    expect(await r.json()).toEqual([
      { id: "a'1", ms: Date.parse('2026-11-24T10:00:00.250Z') },
      { id: 'b\\2', ms: Date.parse('2026-11-24T10:00:01Z') },
    ]);
  });

  it('takes a whole INSERT … FORMAT with its rows in the body, and INSERT … VALUES', async () => {
    await client.command({ query: 'CREATE TABLE body_ins (a String, n UInt8) ENGINE = MergeTree ORDER BY a' });
    const r = await call(null, { body: 'INSERT INTO body_ins FORMAT JSONEachRow\n{"a":"x;y","n":1}\n{"a":"z","n":2}\n' });
    expect(r.status, r.text).toBe(200);
    await client.command({ query: "INSERT INTO body_ins VALUES ('v;w', 3)" });
    expect((await call('SELECT a, n FROM body_ins ORDER BY n FORMAT CSV')).text).toBe('"x;y",1\n"z",2\n"v;w",3\n');
  });

  it('answers in the asked format with its headers', async () => {
    const r = await call('SELECT 1 AS one FORMAT JSONEachRow');
    expect(r.text).toBe('{"one":1}\n');
    expect(r.headers.get('x-clickhouse-format')).toBe('JSONEachRow');
    expect(r.headers.get('content-type')).toMatch(/json/);
    expect(JSON.parse(r.headers.get('x-clickhouse-summary')!)).toMatchObject({ read_rows: '1', result_rows: '1' });
    expect((await call('SELECT 1 AS one', { params: { default_format: 'JSONCompact' } })).text).toMatch(/"data":\s*\[\s*\[1\]/);
  });

  it("creates CLICKHOUSE_DATABASE at start; Floorwatch's migrations and raw inserts with `database` land there", async () => {
    const other = await startClickHouseServer({ database: 'fw' });
    const fw = createClient({ url: other.url, username: other.user, password: other.password, database: 'fw', log: { level: ClickHouseLogLevel.OFF } });
    const outside = other.client();
    try {
      expect(await migrate(fw)).toEqual(migrationVersions());
      await insertRaw(fw, 'events_in', Buffer.from('{"m":[{"id":"db-1","tenant":"t","type":"contact.queued","time":"2026-11-24T10:00:00Z","contact_id":"c","queue":"q","channel":"chat"}]}\n'), { input_format_json_read_arrays_as_strings: 1 });
      expect(new TextDecoder().decode(await queryRaw(fw, 'SELECT id, currentDatabase() AS db FROM events FORMAT JSONEachRow'))).toBe('{"id":"db-1","db":"fw"}\n');
      const where = await outside.query({ query: "SELECT database, count() AS n FROM system.tables WHERE name = 'events' AND database != 'system' GROUP BY database", format: 'JSONEachRow' });
      expect((await where.json<{ database: string; n: number }>()).map((r) => r.database)).toEqual(['fw']);
    } finally {
      await fw.close();
      await outside.close();
      await other.stop();
    }
  }, 90_000);

  it('keeps its data across a restart on the same directory', async () => {
    await ch.stop();
    ch = await startClickHouseServer({ dataDir, user: ch.user, password: ch.password });
    await client.close();
    client = createClient({ url: ch.url, username: ch.user, password: ch.password, log: { level: ClickHouseLogLevel.OFF } });
    const r = await client.query({ query: 'SELECT count() AS n FROM ev', format: 'JSONEachRow' });
    expect(Number((await r.json<{ n: unknown }>())[0].n)).toBe(2);
  }, 90_000);
});
