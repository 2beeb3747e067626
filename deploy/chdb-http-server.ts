// A ClickHouse HTTP endpoint backed by the real ClickHouse engine in chDB: the SQL, the
// table engines, the formats and the errors are ClickHouse's own (chDB is ClickHouse
// built as a library); this file only speaks the HTTP interface around it. It exists for
// a split Floorwatch on ONE machine (several processes need one ClickHouse, and embedded
// chDB lives inside one process) and for tests of the CLICKHOUSE_URL path. In production
// use clickhouse-server (deploy/compose.yaml); this is not a replacement for it: one
// process, no replication, no users or grants beyond one user and password, no HTTP
// sessions, no native protocol.
//
//   npm run clickhouse:local
//   env: CLICKHOUSE_PORT (8123), CLICKHOUSE_HOST (127.0.0.1), CLICKHOUSE_DATA_DIR
//        (./data/clickhouse-server), CLICKHOUSE_USER (default), CLICKHOUSE_PASSWORD (''),
//        CLICKHOUSE_DATABASE (created at start when set), CLICKHOUSE_SESSIONS (2)
//   then Floorwatch with CLICKHOUSE_URL=http://127.0.0.1:8123 and the same user and password.
//
// What it serves is the part of ClickHouse's HTTP interface that @clickhouse/client 1.23
// uses (read from its node_base_connection.ts and socket_pool.ts):
// - GET /ping and GET / without a query → "Ok.\n" (no credentials needed, as ClickHouse);
// - POST / (or GET /, read-only) with the query in `query`, in the body, or both (the URL
//   part first, then a newline, then the body, as ClickHouse joins them); INSERT … FORMAT X
//   with the data after it (the client puts the INSERT in `query` and the rows in the body);
// - credentials from X-ClickHouse-User/X-ClickHouse-Key, Basic auth or user/password params;
// - `param_<name>` bound parameters (text, as the client formats them) in the URL or, with
//   the query, as fields of a multipart/form-data body (the client's use_multipart_params,
//   for parameters too long for a URL); URLs up to 1 MiB, ClickHouse's http_max_uri_size;
// - `database`,
//   `default_format`, `query_id`, and any other parameter as a setting for that request
//   only (HTTP-handler parameters such as wait_end_of_query are not settings and are
//   dropped, as ClickHouse does);
// - request bodies with Content-Encoding gzip, deflate or br; a gzip answer when the
//   request has enable_http_compression=1 and accepts gzip;
// - answers with X-ClickHouse-Query-Id, -Format, -Timezone, -Summary; errors as
//   `Code: N. DB::Exception: … (TYPE)` with X-ClickHouse-Exception-Code and ClickHouse's
//   HTTP status for the code (403 for bad credentials, 404 for an unknown table, …);
// - one statement per request: a multi-statement query is refused, as ClickHouse does.
import crypto from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { openChdb } from '../server/db/clickhouse.ts';

type Connection = Awaited<ReturnType<typeof openChdb>>;

export interface ChdbHttpOptions {
  dataDir: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  /** a database to create at start (Floorwatch's CLICKHOUSE_DATABASE) */
  database?: string;
  /** chDB connections serving requests at once */
  sessions?: number;
}

export interface ChdbHttpServer {
  url: string;
  /** the ClickHouse version of chDB's engine */
  version: string;
  close(): Promise<void>;
}

/** ClickHouse's error codes used here, by name (src/Common/ErrorCodes.cpp). */
const CODES = {
  NOT_IMPLEMENTED: 48,
  SYNTAX_ERROR: 62,
  READONLY: 164,
  REQUIRED_PASSWORD: 194,
  AUTHENTICATION_FAILED: 516,
  UNKNOWN_COMPRESSION_METHOD: 1, // ClickHouse answers an unknown Content-Encoding with UNSUPPORTED_METHOD (1)
  QUERY_IS_TOO_LARGE: 65,
  BAD_ARGUMENTS: 36,
  STD_EXCEPTION: 1001,
} as const;
const TYPE_OF: Record<number, string> = {
  1: 'UNSUPPORTED_METHOD',
  36: 'BAD_ARGUMENTS',
  48: 'NOT_IMPLEMENTED',
  62: 'SYNTAX_ERROR',
  65: 'QUERY_IS_TOO_LARGE',
  164: 'READONLY',
  194: 'REQUIRED_PASSWORD',
  516: 'AUTHENTICATION_FAILED',
  1001: 'STD_EXCEPTION',
};

/** The HTTP status clickhouse-server gives an exception code (its exceptionCodeToHTTPStatus). */
function httpStatus(code: number): number {
  if (code === 194) return 401;
  if ([192, 193, 497, 516].includes(code)) return 403; // UNKNOWN_USER, WRONG_PASSWORD, ACCESS_DENIED, AUTHENTICATION_FAILED
  // parse errors, SYNTAX_ERROR, BAD_ARGUMENTS, TYPE_MISMATCH, INCORRECT_DATA, column errors
  if ([6, 8, 15, 25, 26, 27, 36, 38, 41, 44, 53, 62, 72, 117].includes(code)) return 400;
  // UNKNOWN_TABLE, _FUNCTION, _IDENTIFIER, _TYPE, _STORAGE, _AGGREGATE_FUNCTION, _FORMAT, _DATABASE, _SETTING
  if ([46, 47, 50, 56, 60, 63, 73, 81, 115].includes(code)) return 404;
  if (code === 65) return 413;
  if (code === 48) return 501;
  if (code === 159) return 408; // TIMEOUT_EXCEEDED
  if (code === 209) return 503; // SOCKET_TIMEOUT
  return 500;
}

class ClickHouseHttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** URL parameters that belong to the HTTP handler, not to the query's settings. */
const HANDLER_PARAMS = new Set([
  'query', 'database', 'default_format', 'user', 'password', 'quota_key', 'query_id', 'stacktrace',
  'buffer_size', 'wait_end_of_query', 'client_protocol_version', 'session_timeout', 'session_check',
  'enable_http_compression', 'http_zlib_compression_level', 'send_progress_in_http_headers',
  'http_headers_progress_interval_ms', 'http_wait_end_of_query', 'http_response_buffer_size',
  'add_http_cors_header', 'cancel_http_readonly_queries_on_client_close',
]);
/** ClickHouse features of the HTTP interface this endpoint does not have: refused rather than ignored. */
const NOT_SUPPORTED: Record<string, string> = {
  session_id: 'HTTP sessions (session_id)',
  role: 'roles',
  compress: 'ClickHouse-compressed answers (compress=1)',
  decompress: 'ClickHouse-compressed request bodies (decompress=1)',
};

const MAX_BODY = 1024 * 1024 * 1024;
/** ClickHouse's default http_max_uri_size: a URL longer than this is refused */
const MAX_URI = 1024 * 1024;

/**
 * The fields of a multipart/form-data body (name → text), as ClickHouse reads them: like
 * URL parameters. A file part would be an external table, which this endpoint lacks.
 */
function formFields(body: Buffer, contentType: string): [string, string][] {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) throw new ClickHouseHttpError(CODES.BAD_ARGUMENTS, 'multipart/form-data without a boundary');
  const delimiter = `--${boundary[1] ?? boundary[2]}`;
  const fields: [string, string][] = [];
  for (const part of body.toString('utf8').split(delimiter).slice(1)) {
    if (part.startsWith('--')) break; // the closing delimiter
    const end = part.indexOf('\r\n\r\n');
    if (end < 0) continue;
    const headers = part.slice(0, end);
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) continue;
    if (/\bfilename=/i.test(headers)) throw new ClickHouseHttpError(CODES.NOT_IMPLEMENTED, 'external tables (file parts of a multipart body) are not supported by this chDB endpoint');
    fields.push([name, part.slice(end + 4).replace(/\r\n$/, '')]);
  }
  return fields;
}
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
// INSERT INTO [TABLE] [db.]table [(columns)] FORMAT Name, then the data
const INSERT_HEAD = /^\s*INSERT\s+INTO\s+(?:TABLE\s+)?([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)\s*(?:\(([\w\s,]*)\))?\s*FORMAT\s+([A-Za-z]\w*)[^\S\n]*\n?/i;

/** A SQL string literal of `s` (ClickHouse's backslash escapes). */
const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** True when `sql` holds a second statement after a `;` (outside strings, quoted names and comments). */
export function isMultiStatement(sql: string): boolean {
  let ended = false;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      if (ended) return true;
      for (i++; i < sql.length && sql[i] !== c; i++) if (sql[i] === '\\') i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === ';') {
      ended = true;
    } else if (ended && !/\s/.test(c)) {
      return true;
    }
  }
  return false;
}

/** The first keyword of a query, for the read-only check of GET. */
const firstWord = (sql: string) => /^\s*(?:\(\s*)*([A-Za-z]+)/.exec(sql.replace(/^\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, ''))?.[1]?.toUpperCase() ?? '';
/** Statements that change something: refused over GET, which ClickHouse runs read-only. */
const MODIFYING = new Set([
  'INSERT', 'CREATE', 'ALTER', 'DROP', 'TRUNCATE', 'RENAME', 'EXCHANGE', 'OPTIMIZE', 'SYSTEM', 'DETACH', 'ATTACH',
  'DELETE', 'UPDATE', 'UNDROP', 'GRANT', 'REVOKE', 'KILL', 'BACKUP', 'RESTORE', 'SET', 'USE',
]);

function contentType(format: string): string {
  if (/^JSON/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^(TSV|TabSeparated)/i.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (/^CSV/i.test(format)) return 'text/csv; charset=UTF-8';
  return 'text/plain; charset=UTF-8';
}

/** A bounded queue of connections, each used by one request at a time (settings and params are per connection). */
class Pool {
  private waiting: ((c: Connection) => void)[] = [];
  constructor(private idle: Connection[]) {}
  async use<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
    const c = this.idle.pop() ?? (await new Promise<Connection>((r) => this.waiting.push(r)));
    try {
      return await fn(c);
    } finally {
      const next = this.waiting.shift();
      if (next) next(c);
      else this.idle.push(c);
    }
  }
}

/** Runs one at a time, in arrival order. */
class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(fn);
    this.tail = p.catch(() => {});
    return p;
  }
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const enc = (req.headers['content-encoding'] ?? '').toLowerCase().trim();
  let src: NodeJS.ReadableStream = req;
  if (enc === 'gzip' || enc === 'x-gzip') src = req.pipe(zlib.createGunzip());
  else if (enc === 'deflate') src = req.pipe(zlib.createInflate());
  else if (enc === 'br') src = req.pipe(zlib.createBrotliDecompress());
  else if (enc !== '' && enc !== 'identity')
    throw new ClickHouseHttpError(CODES.UNKNOWN_COMPRESSION_METHOD, `Unknown HTTP compression method: ${enc}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of src as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new ClickHouseHttpError(CODES.QUERY_IS_TOO_LARGE, `Request body is larger than ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

const sha = (s: string) => crypto.createHash('sha256').update(s).digest();

export async function startChdbHttpServer(o: ChdbHttpOptions): Promise<ChdbHttpServer> {
  const user = o.user || 'default';
  const passwordHash = sha(o.password ?? '');
  const conns: Connection[] = [];
  for (let i = 0; i < Math.max(1, o.sessions ?? 2); i++) conns.push(await openChdb(o.dataDir));
  const info = await conns[0].chdb.queryAsync('SELECT version() AS v, timezone() AS tz', { format: 'JSONEachRow' });
  const { v: version, tz: timezone } = info.json<{ v: string; tz: string }>();
  if (o.database && o.database !== 'default') {
    if (!IDENT.test(o.database)) throw new Error(`CLICKHOUSE_DATABASE=${o.database} is not a plain name`);
    await conns[0].chdb.queryAsync(`CREATE DATABASE IF NOT EXISTS ${o.database}`);
  }
  const pool = new Pool(conns);
  // Bound parameters are set on a connection just before its query. chDB serialises its own
  // bound queries process-wide (its parameter state is not isolated between connections
  // under concurrency); requests with parameters take the same precaution here.
  const paramLock = new Lock();
  const display = os.hostname();

  const fail = (code: number, message: string) => {
    throw new ClickHouseHttpError(code, `Code: ${code}. DB::Exception: ${message}. (${TYPE_OF[code] ?? 'UNKNOWN_EXCEPTION'}) (version ${version} (chdb))`);
  };

  function authenticate(req: http.IncomingMessage, url: URL): void {
    let name: string | undefined;
    let password: string | undefined;
    const hUser = req.headers['x-clickhouse-user'];
    const hKey = req.headers['x-clickhouse-key'];
    const basic = /^Basic\s+(\S+)/i.exec(req.headers.authorization ?? '');
    if (hUser !== undefined || hKey !== undefined) {
      name = String(hUser ?? 'default');
      password = String(hKey ?? '');
    } else if (basic) {
      const d = Buffer.from(basic[1], 'base64').toString('utf8');
      const i = d.indexOf(':');
      name = i < 0 ? d : d.slice(0, i);
      password = i < 0 ? '' : d.slice(i + 1);
    } else if (url.searchParams.has('user') || url.searchParams.has('password')) {
      name = url.searchParams.get('user') ?? 'default';
      password = url.searchParams.get('password') ?? '';
    }
    const given = name === undefined ? { name: 'default', password: '' } : { name, password: password ?? '' };
    const ok = given.name === user && crypto.timingSafeEqual(sha(given.password), passwordHash);
    if (ok) return;
    if (name === undefined) fail(CODES.REQUIRED_PASSWORD, `${user}: Authentication required: no user or password given`);
    fail(CODES.AUTHENTICATION_FAILED, `${given.name}: Authentication failed: password is incorrect, or there is no user with such name`);
  }

  interface Answer {
    body: Uint8Array;
    format: string;
    summary: { read_rows: number; read_bytes: number; written_rows: number; written_bytes: number; result_rows: number; elapsed: number };
  }

  async function run(req: http.IncomingMessage, url: URL): Promise<Answer> {
    let body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
    const sp = new URLSearchParams(url.searchParams);
    if (/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
      // the form's fields are parameters like the URL's, the query among them; the body holds nothing else
      for (const [k, v] of formFields(body, req.headers['content-type']!)) sp.append(k, v);
      body = Buffer.alloc(0);
    }
    for (const [k, what] of Object.entries(NOT_SUPPORTED)) {
      const v = sp.get(k);
      if (v !== null && v !== '' && v !== '0') fail(CODES.NOT_IMPLEMENTED, `${what} are not supported by this chDB endpoint; use clickhouse-server`);
    }
    const database = sp.get('database') || 'default';
    if (!IDENT.test(database)) fail(CODES.BAD_ARGUMENTS, `Invalid database name ${JSON.stringify(database)}`);
    const settings: [string, string][] = [];
    const params: [string, string][] = [];
    for (const [k, v] of sp) {
      if (k.startsWith('param_')) params.push([k.slice(6), v]);
      else if (!HANDLER_PARAMS.has(k) && !(k in NOT_SUPPORTED)) {
        if (!IDENT.test(k)) fail(CODES.BAD_ARGUMENTS, `Invalid setting name ${JSON.stringify(k)}`);
        settings.push([k, v]);
      }
    }
    for (const [k] of params) if (!IDENT.test(k)) fail(CODES.BAD_ARGUMENTS, `Invalid parameter name ${JSON.stringify(k)}`);
    const urlQuery = sp.get('query') ?? '';
    const full = urlQuery && body.length ? Buffer.concat([Buffer.from(`${urlQuery}\n`), body]) : urlQuery ? Buffer.from(urlQuery) : body;
    if (full.length === 0) fail(CODES.SYNTAX_ERROR, 'Empty query');
    const defaultFormat = sp.get('default_format') || 'TabSeparated';

    // INSERT … FORMAT X with the rows after it: chDB's raw insert takes the bytes as they are.
    const head = full.subarray(0, 4096).toString('latin1');
    const ins = INSERT_HEAD.exec(head);
    if (ins) {
      if (req.method !== 'POST') fail(CODES.READONLY, 'Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries');
      const data = full.subarray(ins[0].length);
      const table = ins[1].includes('.') ? ins[1] : `${database}.${ins[1]}`;
      const columns = ins[2]?.split(',').map((c) => c.trim()).filter(Boolean);
      const summary = { read_rows: 0, read_bytes: 0, written_rows: 0, written_bytes: 0, result_rows: 0, elapsed: 0 };
      if (data.length === 0 || data.toString('latin1').trim() === '') return { body: new Uint8Array(0), format: ins[3], summary };
      const s = Object.fromEntries(settings.map(([k, v]) => [k, /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v]));
      const r = await pool.use((c) => c.chdb.rawInsert({ table, columns, values: data, format: ins[3] as 'JSONEachRow', settings: s }));
      return { body: new Uint8Array(0), format: ins[3], summary: { ...summary, written_rows: r.rowsWritten, written_bytes: r.bytesWritten, elapsed: r.elapsed } };
    }

    const sql = full.toString('utf8');
    if (isMultiStatement(sql)) fail(CODES.SYNTAX_ERROR, 'Multi-statements are not allowed');
    if (req.method !== 'POST' && MODIFYING.has(firstWord(sql)))
      fail(CODES.READONLY, 'Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries');
    const value = (v: string) => (/^-?\d+(\.\d+)?$/.test(v) ? v : literal(v));
    const setParams = params.length ? `SET ${params.map(([k, v]) => `param_${k} = ${literal(v)}`).join(', ')}` : '';
    const changed = settings.map(([k]) => k);
    const prefix = [`USE ${database}`];
    // A server parses the parameters (and INSERT data) apart from the query, out of
    // max_query_size's reach (256 KiB); here they are part of the text chDB parses.
    if (sql.length + setParams.length > 200_000) {
      prefix.push(`SET max_query_size = ${MAX_BODY}`);
      changed.push('max_query_size');
    }
    if (settings.length) prefix.push(`SET ${settings.map(([k, v]) => `${k} = ${value(v)}`).join(', ')}`);
    if (setParams) prefix.push(setParams);
    const exec = () =>
      pool.use(async (c) => {
        try {
          return await c.chdb.queryAsync(`${prefix.join('; ')}; ${sql}`, { format: defaultFormat });
        } finally {
          // settings are per request: the connection goes back as it came
          if (changed.length) await c.chdb.queryAsync(`SET ${[...new Set(changed)].map((k) => `${k} = DEFAULT`).join(', ')}`).catch(() => {});
        }
      });
    const r = await (params.length ? paramLock.run(exec) : exec());
    const format = /\bFORMAT\s+([A-Za-z]\w*)(?![\s\S]*\bFORMAT\b)/i.exec(sql)?.[1] ?? defaultFormat;
    const bytes = r.bytes();
    return {
      body: bytes,
      format,
      summary: { read_rows: r.rowsRead, read_bytes: r.bytesRead, written_rows: 0, written_bytes: 0, result_rows: r.rowsRead, elapsed: r.elapsed },
    };
  }

  const server = http.createServer({ maxHeaderSize: MAX_URI + 64 * 1024 }, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const queryId = url.searchParams.get('query_id') || crypto.randomUUID();
      res.setHeader('X-ClickHouse-Server-Display-Name', display);
      res.setHeader('X-ClickHouse-Query-Id', queryId);
      res.setHeader('X-ClickHouse-Timezone', timezone);
      try {
        const health = url.pathname === '/ping' || (url.pathname === '/' && !url.searchParams.has('query') && req.method !== 'POST');
        if (health && (req.method === 'GET' || req.method === 'HEAD')) {
          req.resume();
          res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
          return;
        }
        if ((req.url ?? '').length > MAX_URI) fail(CODES.BAD_ARGUMENTS, `URI is longer than ${MAX_URI} bytes (http_max_uri_size)`);
        if (url.pathname !== '/') fail(CODES.BAD_ARGUMENTS, `There is no handle ${url.pathname}. Use / or /ping for health checks`);
        if (req.method !== 'GET' && req.method !== 'POST') fail(CODES.NOT_IMPLEMENTED, `HTTP method ${req.method} is not supported`);
        authenticate(req, url);
        const a = await run(req, url);
        const s = a.summary;
        const summary = JSON.stringify({
          read_rows: String(s.read_rows), read_bytes: String(s.read_bytes),
          written_rows: String(s.written_rows), written_bytes: String(s.written_bytes),
          total_rows_to_read: '0', result_rows: String(s.result_rows), result_bytes: String(a.body.length),
          elapsed_ns: String(Math.round(s.elapsed * 1e9)),
        });
        let body: Uint8Array = a.body;
        const headers: Record<string, string> = { 'Content-Type': contentType(a.format), 'X-ClickHouse-Format': a.format, 'X-ClickHouse-Summary': summary };
        if (url.searchParams.get('enable_http_compression') === '1' && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
          body = zlib.gzipSync(body);
          headers['Content-Encoding'] = 'gzip';
        }
        res.writeHead(200, headers).end(body);
      } catch (err) {
        const e = err as { clickhouseCode?: number; code?: unknown; message?: string };
        const code = err instanceof ClickHouseHttpError ? err.code : typeof e.clickhouseCode === 'number' ? e.clickhouseCode : CODES.STD_EXCEPTION;
        let message = String(e.message ?? err);
        if (!/^Code: \d+\./.test(message)) message = `Code: ${code}. DB::Exception: ${message}. (${TYPE_OF[code] ?? 'STD_EXCEPTION'}) (version ${version} (chdb))`;
        // ClickHouse's own errors are the caller's to handle; anything else is ours to see
        if (code === CODES.STD_EXCEPTION) console.error(`chdb-http-server: ${message.split('\n')[0]}`);
        req.resume();
        if (res.headersSent) return void res.destroy();
        const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': String(code) };
        if (code === CODES.REQUIRED_PASSWORD) headers['WWW-Authenticate'] = 'Basic realm="ClickHouse server HTTP API"';
        res.writeHead(httpStatus(code), headers).end(`${message}\n`);
      }
    })();
  });
  // above @clickhouse/client's idle socket TTL (2.5 s), so it never reuses a socket being closed
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 8123, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as { port: number; address: string };
  return {
    url: `http://${addr.address}:${addr.port}`,
    version,
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeIdleConnections();
      });
      for (const c of conns) await c.close();
    },
  };
}

async function main(): Promise<void> {
  const env = process.env;
  const port = Number(env.CLICKHOUSE_PORT ?? 8123);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`clickhouse:local: CLICKHOUSE_PORT=${env.CLICKHOUSE_PORT} is not a port`);
    process.exit(2);
  }
  const sessions = Number(env.CLICKHOUSE_SESSIONS ?? 2);
  if (!Number.isInteger(sessions) || sessions < 1 || sessions > 64) {
    console.error(`clickhouse:local: CLICKHOUSE_SESSIONS=${env.CLICKHOUSE_SESSIONS} is not valid: expected 1 to 64`);
    process.exit(2);
  }
  const dataDir = path.resolve(env.CLICKHOUSE_DATA_DIR || 'data/clickhouse-server');
  let srv: ChdbHttpServer;
  try {
    srv = await startChdbHttpServer({
      dataDir,
      host: env.CLICKHOUSE_HOST || '127.0.0.1',
      port,
      user: env.CLICKHOUSE_USER,
      password: env.CLICKHOUSE_PASSWORD,
      database: env.CLICKHOUSE_DATABASE,
      sessions,
    });
  } catch (err) {
    console.error(`clickhouse:local: start-up failed: ${(err as Error).message.split('\n')[0]}`);
    process.exit(1);
  }
  // Printed on one line: scripts and test/support/clickhouse-server.ts wait for it.
  console.log(`ClickHouse HTTP interface (chDB engine, ClickHouse ${srv.version}) on ${srv.url}, data in ${dataDir}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await srv.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
