// One ClickHouse client for every role: embedded chDB by default, a server when
// CLICKHOUSE_URL is set. The SQL and the client code are the same for both.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ClickHouseLogLevel, createClient, SupportedJSONFormats, SupportedRawFormats, type ClickHouseClient } from '@clickhouse/client';
import type { ChdbConnection } from 'chdb/connection';
import type { Config } from '../config.ts';

export type { ClickHouseClient };

const SQL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sql');

export async function openClickHouse(config: Pick<Config, 'clickhouse' | 'dataDir'>): Promise<ClickHouseClient> {
  const settings = {
    date_time_input_format: 'best_effort' as const,
    output_format_json_quote_64bit_integers: 0 as const,
  };
  if (config.clickhouse) {
    const { url, user } = config.clickhouse;
    const client = createClient({
      url,
      username: user,
      password: config.clickhouse.password,
      database: config.clickhouse.database,
      clickhouse_settings: settings,
      request_timeout: 30_000,
      // Bound parameters too long for a URL (the writer's id lookups bind thousands of ids)
      // go in a multipart body; a server refuses a URL past 1 MiB, Node's HTTP past 16 KiB.
      use_multipart_params_auto: true,
      // Every failed call reaches its caller, which logs it; the client's own logger
      // would print each one again to the console over several lines.
      log: { level: ClickHouseLogLevel.OFF },
    });
    // A query, not /ping (which a server answers without credentials): start-up stops
    // here with one line when the server is not there or refuses the user.
    const ping = await client.ping({ select: true });
    if (!ping.success) {
      await client.close();
      throw new Error(serverProblem(url, user, ping.error));
    }
    return client;
  }
  const connection = await openChdb(path.join(config.dataDir, 'clickhouse'));
  await removeOrphanScratch();
  const client = createClient({ connection, clickhouse_settings: settings } as Parameters<typeof createClient>[0]);
  /** chDB's raw insert: the body handed over inline (chDB reads it slowly, see `insert`) */
  const inline: RawOps['insert'] = async (table, values, settings) => {
    await connection.chdb.rawInsert({
      table,
      values, // string or bytes: chDB takes either without copying
      format: 'JSONEachRow',
      settings: { date_time_input_format: 'best_effort', ...settings },
    });
  };
  /**
   * Runs the statement `sql(file)` on the body written to a scratch file, removed after;
   * inline through chDB's raw insert when the file cannot be written (no room: a
   * container's /dev/shm is often 64 MB).
   */
  const viaScratch = async (
    table: string,
    body: string | Uint8Array,
    settings: Record<string, string | number>,
    sql: (file: string) => string,
  ): Promise<void> => {
    const file = path.join(scratchDir(), `fw-insert-${process.pid}-${++scratchFiles}.ndjson`);
    try {
      await fs.promises.writeFile(file, body);
    } catch {
      await fs.promises.rm(file, { force: true });
      return inline(table, body, settings);
    }
    try {
      await client.command({ query: sql(file) });
    } finally {
      await fs.promises.rm(file, { force: true });
    }
  };
  const settingsClause = (settings: Record<string, string | number>) =>
    Object.entries({ date_time_input_format: 'best_effort', ...settings })
      .map(([k, v]) => `${identifier(k)} = ${typeof v === 'number' ? v : stringLiteral(v)}`)
      .join(', ');
  /**
   * `INSERT … FROM INFILE` of a scratch file: an insert of its own like the inline one
   * (insert_deduplication_token holds, unlike `INSERT … SELECT FROM file()`), whose
   * bytes chDB reads more cheaply. With one parsing thread (EVENTS_IN_SETTINGS) a writer
   * batch of 20,000 events, merges stopped, cost 3.8–7.2 µs of process CPU per event
   * against 6.1–10.7 inline (2026-12-07, load 8–11; with parallel parsing the file gained
   * nothing).
   */
  const insert: RawOps['insert'] = (table, values, settings) =>
    viaScratch(table, values, settings, (file) =>
      `INSERT INTO ${identifier(table)} FROM INFILE ${stringLiteral(file)} SETTINGS ${settingsClause(settings)} FORMAT JSONEachRow`);
  setRawOps(client, {
    insert,
    query: async (sql, params) => {
      const lists = await listFiles(sql, params);
      try {
        const r = await client.exec({ query: lists.sql, query_params: lists.params });
        return await streamBytes(r.stream);
      } finally {
        await lists.remove();
      }
    },
    insertFromFile: (table, structure, body, settings) =>
      viaScratch(table, body, settings, (file) =>
        `INSERT INTO ${identifier(table)} SELECT * FROM file(${stringLiteral(file)}, 'JSONEachRow', ${stringLiteral(structure)}) SETTINGS ${settingsClause(settings)}`),
  });
  return client;
}

let scratchFiles = 0;
let scratch: string | null = null;
/** Where insert bodies wait for chDB to read them: memory (/dev/shm) when there is one. */
function scratchDir(): string {
  if (scratch === null) {
    try {
      fs.accessSync('/dev/shm', fs.constants.W_OK);
      scratch = '/dev/shm';
    } catch {
      scratch = os.tmpdir();
    }
  }
  return scratch;
}
/** Scratch files of processes that died before removing them (a SIGKILL mid-insert). */
async function removeOrphanScratch(): Promise<void> {
  const dir = scratchDir();
  const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const m = /^fw-(?:insert|list)-(\d+)-\d+\.(?:ndjson|tsv)$/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') await fs.promises.rm(path.join(dir, name), { force: true });
    }
  }
}

/** An `IN {name:Array(String)}` list at least this long is handed to chDB as a scratch file. */
const LIST_FILE_MIN = 1_000;
const IN_STRING_LIST = /\bIN\s*\{(\w+):Array\(String\)\}/g;
/** A String as a TabSeparated field (`\\` first, so no `\N` or other escape survives unescaped). */
const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const tsvField = (v: string) => (/[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => TSV_ESCAPES[c]) : v);

/**
 * Embedded chDB: each long `IN {name:Array(String)}` of `sql` read from a scratch file
 * instead of bound. A bound Array(String) costs ~1.7 µs of CPU per element before the
 * query reads a row (0.4–0.8 of it formatting the literal in JavaScript on the main
 * thread, the rest parsing it back); the writer binds 20,000 ids per batch. Its lookup
 * against 1–4 M stored ids: 2.1–5.5 µs per id bound, 1.1–2.2 from a file (2026-12-07).
 * Membership is the same; a list that cannot be written (no room) stays bound.
 */
async function listFiles(sql: string, params: Record<string, unknown>) {
  const files: string[] = [];
  const writes: Promise<void>[] = [];
  const used = new Set<string>();
  const out = sql.replace(IN_STRING_LIST, (whole, name: string) => {
    const v = params[name];
    if (!Array.isArray(v) || v.length < LIST_FILE_MIN || !v.every((x) => typeof x === 'string')) return whole;
    const file = path.join(scratchDir(), `fw-list-${process.pid}-${++scratchFiles}.tsv`);
    files.push(file);
    used.add(name);
    writes.push(fs.promises.writeFile(file, (v as string[]).map(tsvField).join('\n') + '\n'));
    return `IN (SELECT v FROM file(${stringLiteral(file)}, 'TabSeparated', 'v String'))`;
  });
  const remove = async () => {
    await Promise.all(files.map((f) => fs.promises.rm(f, { force: true })));
  };
  if (files.length === 0) return { sql, params, remove };
  try {
    await Promise.all(writes);
  } catch {
    await remove();
    return { sql, params, remove: async () => {} };
  }
  const rest = Object.fromEntries(Object.entries(params).filter(([k]) => !used.has(k) || out.includes(`{${k}:`)));
  return { sql: out, params: rest, remove };
}

async function streamBytes(stream: AsyncIterable<unknown>): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

const identifier = (s: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) throw new Error(`not an identifier: ${s}`);
  return s;
};
const stringLiteral = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * A connection to embedded chDB (the ClickHouse engine in this process) on a data
 * directory: what Floorwatch runs on without CLICKHOUSE_URL, and what
 * deploy/chdb-http-server.ts serves over HTTP. One data directory per process; several
 * connections may share it. Loaded lazily: the engine is a large native module that a
 * ClickHouse server deployment never needs.
 */
export async function openChdb(dir: string): Promise<ChdbConnection> {
  const { createChdbConnection } = await import('chdb/connection');
  fs.mkdirSync(dir, { recursive: true });
  return createChdbConnection({ path: dir });
}

/**
 * Byte paths of a client that bypass @clickhouse/client's (de)serialisation: embedded
 * chDB's own insert and query, or a worker thread's proxy to the main thread's client.
 * A ClickHouse server client has none and uses the HTTP client's streams.
 */
export interface RawOps {
  insert(table: string, body: string | Uint8Array, settings: Record<string, string | number>): Promise<void>;
  query?(sql: string, params: Record<string, unknown>): Promise<Uint8Array>;
  /**
   * Embedded chDB only: the body written to a scratch file and read by `INSERT … SELECT
   * FROM file()`, whose columns `structure` names. chDB reads an inline body's bytes
   * slowly (1.6 µs per import event into `events_in`, against 0.4 from a file), but an
   * INSERT … SELECT ignores insert_deduplication_token: a caller must make its own retry safe.
   */
  insertFromFile?(table: string, structure: string, body: Uint8Array, settings: Record<string, string | number>): Promise<void>;
}
const rawOps = new WeakMap<ClickHouseClient, RawOps>();

export function setRawOps(ch: ClickHouseClient, ops: RawOps): void {
  rawOps.set(ch, ops);
}

/**
 * Inserts rows as JSONEachRow. Embedded (or from a role thread), the body goes to chDB's
 * raw insert (the client's generic path builds one SQL string of the whole body: measured
 * 22k rows/s against 56k here); against a server, the ordinary client insert.
 */
export async function insertRows(
  ch: ClickHouseClient,
  table: string,
  rows: readonly object[],
  settings: Record<string, string | number> = {},
): Promise<void> {
  if (rows.length === 0) return;
  const raw = rawOps.get(ch);
  if (raw) {
    await raw.insert(table, jsonEachRowBody(rows), settings);
    return;
  }
  await ch.insert({ table, values: rows as object[], format: 'JSONEachRow', clickhouse_settings: settings });
}

/**
 * A JSONEachRow insert body: ClickHouse's JSONEachRow input also takes one JSON array of
 * the row objects, and one JSON.stringify of the array costs 1.75 µs per (history fact)
 * row against 2.9–3.9 µs for one stringify per row joined by newlines
 * (tmp-prof/jsonbench.ts).
 */
export function jsonEachRowBody(rows: readonly object[]): string {
  return JSON.stringify(rows);
}

/** Inserts a body already serialised as JSONEachRow (e.g. built in another thread). */
export async function insertRaw(
  ch: ClickHouseClient,
  table: string,
  body: Uint8Array,
  settings: Record<string, string | number> = {},
): Promise<void> {
  const raw = rawOps.get(ch);
  if (raw) return raw.insert(table, body, settings);
  const r = await ch.exec({ query: `INSERT INTO ${table} FORMAT JSONEachRow`, values: Readable.from([body]), clickhouse_settings: settings });
  r.stream.resume();
}

const CLIENT_FORMATS = new Set<string>([...SupportedJSONFormats, ...SupportedRawFormats]);
/** `… FORMAT Name [SETTINGS …]` at the end of a query */
const TRAILING_FORMAT = /\bFORMAT\s+([A-Za-z]\w*)(\s+SETTINGS\s[\s\S]*?)?\s*;?\s*$/i;

/** insertFromFile of the client's raw ops, when it has one (embedded chDB). */
export function fileInsert(ch: ClickHouseClient): RawOps['insertFromFile'] | undefined {
  return rawOps.get(ch)?.insertFromFile;
}

/** Runs a query (its FORMAT clause included) and returns ClickHouse's output bytes, undecoded. */
export async function queryRaw(ch: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<Uint8Array> {
  const raw = rawOps.get(ch);
  if (raw?.query) return raw.query(query, params);
  const f = TRAILING_FORMAT.exec(query);
  if (!raw && f && CLIENT_FORMATS.has(f[1]) && JSON.stringify(params).length > 2_048) {
    // A server's client (embedded chDB has raw ops and no URL): exec() always puts the
    // parameters in the URL; query() sends long ones in the body
    // (use_multipart_params_auto), but it adds the FORMAT clause itself.
    const rs = await ch.query({ query: query.slice(0, f.index) + (f[2] ?? ''), format: f[1] as 'JSON', query_params: params });
    return Buffer.from(await rs.text());
  }
  const r = await ch.exec({ query, query_params: params });
  return streamBytes(r.stream);
}

const AUTH_CODES = new Set(['192', '193', '194', '516']); // UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, AUTHENTICATION_FAILED
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True when a call failed because a ClickHouse server could not be reached or did not
 * answer in time (it is down, restarting, or the network is): the request may be sent
 * again later. Errors ClickHouse itself answered with are not.
 */
export function clickhouseUnreachable(err: unknown): boolean {
  const code = clickhouseErrorCode(err);
  return NETWORK_CODES.has(code) || (code === '' && /^Timeout error\.|socket hang up/.test((err as Error)?.message ?? ''));
}

/** One line saying why a ClickHouse server cannot be used, and what to check. */
function serverProblem(url: string, user: string, err: unknown): string {
  const code = clickhouseErrorCode(err);
  const message = ((err as Error)?.message ?? String(err)).split('\n')[0].trim();
  if (AUTH_CODES.has(code))
    return `ClickHouse at ${url} refused user "${user}" (${message.replace(/\.\s*$/, '')}): check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD`;
  if (clickhouseUnreachable(err))
    return `ClickHouse at ${url} is not reachable (${code || message}): is the server running, and is CLICKHOUSE_URL right?`;
  return `ClickHouse at ${url} failed: ${code ? `code ${code}: ` : ''}${message}`;
}

/**
 * ClickHouse's numeric error code of a failed call, as a string ('' when there is none):
 * embedded chDB's errors carry it as `clickhouseCode` (their `code` names the call,
 * e.g. CHDB_INSERT), the server client's as `code`.
 */
export function clickhouseErrorCode(err: unknown): string {
  const e = err as { clickhouseCode?: number; code?: string | number } | null;
  const c = e?.clickhouseCode ?? e?.code;
  return c === undefined || c === null ? '' : String(c);
}

/** Splits a migration file into statements (`;` at the end of a line ends one). */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

export interface MigrationOptions {
  eventsTtlDays?: number;
}

/** The migrations, sql/NNNN_*.sql without the extension, in the order they apply. */
export function migrationVersions(): string[] {
  return fs
    .readdirSync(SQL_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((f) => f.replace(/\.sql$/, ''));
}

/** Applies sql/NNNN_*.sql in order, once each, recorded in schema_migrations. */
export async function migrate(ch: ClickHouseClient, opts: MigrationOptions = {}): Promise<string[]> {
  await ch.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations (version String, applied_at DateTime DEFAULT now())
            ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const done = new Set(
    (await (await ch.query({ query: 'SELECT version FROM schema_migrations FINAL', format: 'JSONEachRow' })).json<{
      version: string;
    }>()).map((r) => r.version),
  );
  const applied: string[] = [];
  for (const version of migrationVersions()) {
    if (done.has(version)) continue;
    for (const stmt of splitStatements(fs.readFileSync(path.join(SQL_DIR, `${version}.sql`), 'utf8'))) {
      await ch.command({ query: stmt });
    }
    await ch.insert({ table: 'schema_migrations', values: [{ version }], format: 'JSONEachRow' });
    applied.push(version);
  }
  if (opts.eventsTtlDays && opts.eventsTtlDays > 0) {
    // TTL is a setting, not a migration: it may change between starts.
    await ch.command({
      query: `ALTER TABLE events MODIFY TTL toDateTime(time) + toIntervalDay(${Math.floor(opts.eventsTtlDays)})`,
    });
  }
  return applied;
}
