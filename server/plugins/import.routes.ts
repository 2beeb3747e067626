// POST /v1/import: bulk import of past events (NDJSON, one JSON array, or CSV; gzip too),
// streamed: the body is read as it arrives and never held whole, so the 5 MiB limit of
// /v1/events does not apply. Events go straight to ClickHouse (server/import/importer.ts),
// not over the bus: live KPIs do not include them. The answer is NDJSON: a progress line
// about once a second, then one summary line; once the upload is read, the history facts
// of the imported range are rebuilt once, then settled days are compacted and rolled up.
import { PassThrough, Transform, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireScope, tenantOf, type Services } from '../context.ts';
import { Errors, unavailable } from '../errors.ts';
import { recordsOf, StreamStop, type ImportFormat } from '../import/formats.ts';
import { runImport, type ImportSummary } from '../import/importer.ts';
import { rebuildRange } from '../../pipelines/history/range-rebuild.ts';
import { compactSettled } from '../history/compact.ts';
import { rollupSettled } from '../history/rollup.ts';

const TYPES: Record<string, ImportFormat> = {
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/json': 'json',
  'text/csv': 'csv',
  'application/csv': 'csv',
};

/** How long the ClickHouse check before reading may take. */
const PING_MS = 5_000;

/**
 * The chunks of a readable stream as an async iterable that, unlike the stream's own,
 * does not destroy the stream when the reader stops early (a body that stops parsing):
 * the socket must stay open for the summary. Errors become StreamStop.
 */
function chunksOf(src: Readable, seen: { bytes: number }, what: string): AsyncIterable<Buffer> {
  const queue: Buffer[] = [];
  let ended = false;
  let error: Error | null = null;
  let discard = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  src.on('data', (c: Buffer) => {
    if (discard) return;
    queue.push(c);
    if (queue.length >= 8) src.pause();
    poke();
  });
  src.on('end', () => {
    ended = true;
    poke();
  });
  src.on('error', (e) => {
    error = e;
    poke();
  });
  return {
    [Symbol.asyncIterator]: () => ({
      async next(): Promise<IteratorResult<Buffer>> {
        for (;;) {
          if (queue.length) {
            const value = queue.shift()!;
            if (queue.length < 4 && src.isPaused()) src.resume();
            seen.bytes += value.length;
            return { value, done: false };
          }
          if (error) throw new StreamStop(0, seen.bytes, `${what}: ${(error as Error).message}`);
          if (ended) return { value: undefined, done: true };
          await new Promise<void>((r) => (wake = r));
        }
      },
      async return(): Promise<IteratorResult<Buffer>> {
        discard = true;
        queue.length = 0;
        src.resume();
        return { value: undefined, done: true };
      },
    }),
  };
}

/** The request body as chunks of text: gunzipped when Content-Encoding says gzip. */
function bodyChunks(req: FastifyRequest, received: { bytes: number }, text: { bytes: number }): AsyncIterable<Buffer> {
  const enc = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (enc === 'identity') return chunksOf(req.raw, text, 'the request body broke off');
  const count = new Transform({
    transform(chunk: Buffer, _e, cb) {
      received.bytes += chunk.length;
      cb(null, chunk);
    },
  });
  const gunzip = zlib.createGunzip();
  req.raw.pipe(count).pipe(gunzip);
  gunzip.on('error', () => {
    // stop feeding the broken stream; the rest of the body is drained
    req.raw.unpipe(count);
    req.raw.resume();
  });
  return chunksOf(gunzip, text, 'the gzip body could not be read');
}

export default async function importRoutes(app: FastifyInstance, { svc }: { svc: Services }) {
  const { ch } = svc;
  const running = new Set<string>();
  const events = svc.metrics.counter('fw_import_events_total', 'events read by POST /v1/import, by result');

  // The raw request stream goes to the handler (req.raw): nothing is buffered here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(Object.keys(TYPES), (_req, _payload, done) => done(null));

  app.post(
    '/import',
    {
      bodyLimit: Number.MAX_SAFE_INTEGER,
      onRequest: requireScope('ingest'),
      schema: {
        summary: 'Bulk import of past events (streamed)',
        description:
          'NDJSON (application/x-ndjson), one JSON array (application/json) or CSV (text/csv; a header row of event ' +
          'fields, attrs as attrs.<key> columns or one JSON attrs column, queues as a JSON array or a|b), optionally ' +
          'Content-Encoding: gzip. Every event is validated as POST /v1/events validates it and stored once by id. ' +
          'The answer is NDJSON: {"progress":{...}} lines, then {"summary":{...}}. Imported events are history: ' +
          'live KPIs do not include them. One import per tenant at a time (409).',
        tags: ['ingestion'],
      },
    },
    async (req, reply) => {
      const tenant = tenantOf(req);
      const mime = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      const format = TYPES[mime];
      const enc = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
      if (enc !== 'identity' && enc !== 'gzip')
        throw Object.assign(new Errors.BadRequest(`Content-Encoding "${enc}" is not supported (gzip or none)`), { statusCode: 415 });
      if (running.has(tenant)) throw new Errors.Conflict(`an import for tenant "${tenant}" is running; wait for its summary`);
      // Before a byte is read: a ClickHouse that does not answer fails the request whole.
      if (!svc.ready()) throw unavailable('the database is not ready (migrations); nothing was read, retry later', 5);
      try {
        const ping = ch.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json());
        await Promise.race([ping, new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), PING_MS).unref())]);
      } catch (err) {
        throw unavailable(`ClickHouse is not answering (${(err as Error).message}); nothing was read, retry later`, 5);
      }
      running.add(tenant);
      const received = { bytes: 0 };
      const text = { bytes: 0 };
      const out = new PassThrough();
      const line = (o: unknown) => {
        if (!out.destroyed) out.write(`${JSON.stringify(o)}\n`);
      };
      reply.code(200).type('application/x-ndjson').header('cache-control', 'no-store').send(out);
      const t0 = performance.now();
      void (async () => {
        let summary: ImportSummary | { error: string; seconds: number };
        try {
          summary = await runImport(recordsOf(format, bodyChunks(req, received, text)), {
            ch,
            tenant,
            bytes: () => text.bytes,
            onProgress: (p) => line({ progress: { ...p, received_bytes: received.bytes || text.bytes } }),
            afterLoad: async (t, from, to) => {
              const r = await rebuildRange(ch, t, from, to);
              req.log.info({ tenant: t, ...r }, 'import: history facts rebuilt for the imported range');
              await compactSettled(ch, { quietMs: 0 });
              await rollupSettled(ch, { quietMs: 0 });
            },
          });
          events.inc({ result: 'loaded' }, summary.loaded);
          events.inc({ result: 'duplicate' }, summary.duplicates);
          events.inc({ result: 'rejected' }, summary.rejected);
          req.log.info({ tenant, ...summary, errors: summary.errors.length }, 'import done');
        } catch (err) {
          req.log.error({ err, tenant }, 'import failed');
          summary = { error: `the import failed: ${(err as Error).message}`, seconds: (performance.now() - t0) / 1000 };
        } finally {
          running.delete(tenant);
        }
        line({ summary: { ...summary, received_bytes: received.bytes || text.bytes } });
        out.end();
        // a body the import stopped reading is drained, so the client sees the summary
        req.raw.unpipe();
        if (!req.raw.readableEnded) req.raw.resume();
      })();
      return reply;
    },
  );
}
