// npm run import -- [--url URL] [--key KEY] [--format ndjson|json|csv] [--json] FILE
// Streams a file of past events to POST /v1/import of a running Floorwatch. The format
// comes from the extension (.ndjson/.jsonl, .json, .csv; optionally .gz, sent as it is
// with Content-Encoding: gzip) or --format. URL and key also from FLOORWATCH_URL and
// FLOORWATCH_KEY (an ingest key; the events go to its tenant).
// On a terminal one line keeps updating (bytes sent, events/s, ETA); otherwise a plain
// progress line every 5 s. Then the summary and every bad line reported (line, field,
// reason). --json prints the server's summary object as one JSON line instead.
// Exit codes: 0 every record loaded or already stored; 1 some records were rejected or
// the file could not be read to its end (the rest is loaded); 2 usage error; 3 the import
// did not run or failed (unreachable, 4xx/5xx, a failed summary).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const USAGE = 'usage: npm run import -- [--url URL] [--key KEY] [--format ndjson|json|csv] [--json] FILE';
const MIME = { ndjson: 'application/x-ndjson', json: 'application/json', csv: 'text/csv' } as const;
type Format = keyof typeof MIME;

function usage(msg: string): never {
  console.error(`import: ${msg}\n${USAGE}`);
  process.exit(2);
}

interface Args {
  url: string;
  key: string;
  format: Format;
  gzip: boolean;
  file: string;
  json: boolean;
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Args | string {
  const opts: Record<string, string> = {};
  const rest: string[] = [];
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const [k, v] = eq > 0 ? [a.slice(2, eq), a.slice(eq + 1)] : [a.slice(2), argv[++i]];
      if (!['url', 'key', 'format'].includes(k)) return `unknown option --${k}`;
      if (v === undefined) return `--${k} needs a value`;
      opts[k] = v;
    } else rest.push(a);
  }
  if (rest.length !== 1) return rest.length ? 'one FILE only' : 'FILE is missing';
  const file = rest[0];
  const gzip = /\.gz$/i.test(file);
  const base = file.replace(/\.gz$/i, '').toLowerCase();
  const ext = base.endsWith('.ndjson') || base.endsWith('.jsonl') ? 'ndjson' : base.endsWith('.json') ? 'json' : base.endsWith('.csv') ? 'csv' : null;
  const format = (opts.format ?? ext) as Format | null;
  if (!format) return 'cannot tell the format from the file name: use --format ndjson|json|csv';
  if (!(format in MIME)) return `--format must be ndjson, json or csv (got ${format})`;
  const url = opts.url ?? env.FLOORWATCH_URL ?? 'http://127.0.0.1:3000';
  const key = opts.key ?? env.FLOORWATCH_KEY;
  if (!key) return 'an ingest key is needed: --key KEY or FLOORWATCH_KEY';
  return { url, key, format, gzip, file, json };
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
function bytes(b: number): string {
  return b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(0)} kB`;
}
function dur(s: number): string {
  if (!Number.isFinite(s)) return '?';
  s = Math.max(0, Math.round(s));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

interface Summary {
  lines: number;
  loaded: number;
  duplicates: number;
  rejected: number;
  errors: { line: number; field: string; reason: string }[];
  from: string | null;
  to: string | null;
  seconds: number;
  events_per_s: number;
  rebuild_seconds: number;
  stopped?: { line: number; byte: number; reason: string };
  error?: string;
}

async function main() {
  const a = parseArgs(process.argv.slice(2), process.env);
  if (typeof a === 'string') usage(a);
  let size: number;
  try {
    size = fs.statSync(a.file).size;
  } catch (err) {
    usage(`cannot read ${a.file}: ${(err as Error).message}`);
  }
  const u = new URL('/v1/import', a.url);
  const tty = process.stderr.isTTY;
  const t0 = performance.now();
  let sent = 0;
  let last: Record<string, number> = {};
  let lastPlain = 0;
  const show = (final = false) => {
    const s = (performance.now() - t0) / 1000;
    const pct = size ? (100 * sent) / size : 100;
    const eta = sent > 0 && sent < size ? ((size - sent) * s) / sent : sent >= size ? 0 : NaN;
    const text =
      `${pct.toFixed(1).padStart(5)}% ${bytes(sent)}/${bytes(size)}  ${n(last.events_per_s ?? 0)} events/s  ` +
      `loaded ${n(last.loaded ?? 0)}  dup ${n(last.duplicates ?? 0)}  bad ${n(last.rejected ?? 0)}  ` +
      (sent >= size ? (final ? '' : 'upload done, finishing') : `ETA ${dur(eta)}`);
    if (tty) process.stderr.write(`\r${text.padEnd(110)}${final ? '\n' : ''}`);
    else if (final || performance.now() - lastPlain > 5_000) {
      lastPlain = performance.now();
      process.stderr.write(`import: ${text}\n`);
    }
  };
  const mod = u.protocol === 'https:' ? https : http;
  const result = await new Promise<{ status: number; summary: Summary | null; body: string }>((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${a.key}`,
          'content-type': MIME[a.format],
          ...(a.gzip ? { 'content-encoding': 'gzip' } : {}),
          'content-length': String(size),
        },
      },
      (res) => {
        let buf = '';
        let body = '';
        let summary: Summary | null = null;
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (res.statusCode !== 200) {
            body += d;
            return;
          }
          buf += d;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const l = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (!l.trim()) continue;
            const m = JSON.parse(l) as { progress?: Record<string, number>; summary?: Summary };
            if (m.progress) {
              last = m.progress;
              show();
            } else if (m.summary) summary = m.summary;
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, summary, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const file = fs.createReadStream(a.file, { highWaterMark: 1 << 20 });
    file.on('data', (c) => {
      sent += c.length;
      if (!req.write(c)) file.pause();
    });
    req.on('drain', () => file.resume());
    file.on('end', () => req.end());
    file.on('error', reject);
    const timer = setInterval(() => show(), 1000);
    req.on('close', () => clearInterval(timer));
  }).catch((err: Error) => {
    console.error(`import: could not reach ${u.origin}: ${err.message}`);
    process.exit(3);
  });
  if (result.status !== 200) {
    if (tty) process.stderr.write('\n');
    let detail = result.body;
    try {
      detail = JSON.parse(result.body).detail ?? detail;
    } catch {
      /* not problem+json */
    }
    console.error(`import: the server answered ${result.status}: ${detail}`);
    process.exit(3);
  }
  const s = result.summary;
  if (s) last = { ...last, loaded: s.loaded, duplicates: s.duplicates, rejected: s.rejected, events_per_s: s.events_per_s };
  show(true);
  if (!s || s.error) {
    console.error(`import: ${s?.error ?? 'the server sent no summary'}`);
    process.exit(3);
  }
  if (a.json) console.log(JSON.stringify(s));
  else {
    console.log(
      `import: ${n(s.lines)} records read: ${n(s.loaded)} loaded, ${n(s.duplicates)} already stored, ${n(s.rejected)} rejected; ` +
        `${n(s.events_per_s)} events/s over ${s.seconds.toFixed(1)} s` +
        (s.from ? `; events from ${s.from} to ${s.to}; history rebuilt in ${s.rebuild_seconds.toFixed(1)} s` : ''),
    );
    for (const e of s.errors) console.log(`  line ${e.line}: ${e.field}: ${e.reason}`);
    if (s.rejected > s.errors.length) console.log(`  … and ${n(s.rejected - s.errors.length)} more rejected`);
    if (s.stopped) console.log(`import: reading stopped at line ${s.stopped.line} (byte ${s.stopped.byte}): ${s.stopped.reason}`);
  }
  process.exit(s.rejected > 0 || s.stopped ? 1 : 0);
}

if (process.argv[1] && /cli[\\/]import\.ts$/.test(process.argv[1])) void main();
