// The import's insert body from the records' own bytes (server/import/event-bytes.ts)
// must be byte for byte the body of the events stringified again (writeEvents, as before
// and as the writer does): the canonical lines are copied, every other one stringified.
import { describe, expect, it } from 'vitest';
import { EventBytes } from '../../../server/import/event-bytes.ts';
import { JsonArraySplitter, ndjsonRecords, type ImportRecord } from '../../../server/import/formats.ts';
import { validateEvent } from '../../../server/ingest/validate.ts';
import { eventsInBody, writeEvents } from '../../../pipelines/writer/events-in.ts';
import type { BusEvent } from '../../../pipelines/events/schema.ts';
import { TRICKY, trickyNdjson } from '../../support/import-tricky.ts';

const NOW = Date.parse('2026-03-03T00:00:00Z');
const TENANT = 'acme';

async function* chunked(buf: Buffer, size: number) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function recordsOf(buf: Buffer, size: number): Promise<ImportRecord[]> {
  const out: ImportRecord[] = [];
  for await (const rs of ndjsonRecords(chunked(buf, size))) out.push(...rs);
  return out;
}

/** The record validated (a copy: validation stamps the object it is given). */
function valid(rec: ImportRecord): BusEvent {
  if (rec.error !== undefined) throw new Error(`line ${rec.line}: ${rec.error}`);
  const r = validateEvent(structuredClone(rec.value), TENANT, NOW);
  if (!r.ok) throw new Error(`line ${rec.line}: ${r.errors.join('; ')}`);
  return r.event;
}

/** The body as the importer wrote it before: the validated events stringified, perMessage to a line. */
function reference(recs: ImportRecord[], perMessage: number): Buffer {
  const events = recs.map(valid);
  const arrays: Uint8Array[] = [];
  for (let i = 0; i < events.length; i += perMessage) arrays.push(writeEvents(events.slice(i, i + perMessage)));
  return Buffer.from(eventsInBody(arrays));
}

function fromBytes(recs: ImportRecord[], perMessage: number): { body: Buffer; copied: number } {
  const b = new EventBytes(TENANT, NOW, perMessage, 64); // small: the buffer grows on the way
  for (const r of recs) b.add(valid(r), (r as { src?: Uint8Array }).src, (r as { start?: number }).start, (r as { end?: number }).end);
  const copied = b.copied;
  return { body: Buffer.from(b.body()), copied };
}

describe('EventBytes', () => {
  it.each(TRICKY.map((t) => [t.name, t] as const))('%s: same bytes as stringified, copied only when canonical', async (_name, t) => {
    const line = Buffer.isBuffer(t.line) ? t.line : Buffer.from(t.line);
    const recs = await recordsOf(Buffer.concat([line, Buffer.from('\n')]), 1 << 16);
    const ref = reference(recs, 500);
    const { body, copied } = fromBytes(recs, 500);
    expect(body.toString('latin1')).toBe(ref.toString('latin1'));
    expect(copied).toBe(t.copied ? 1 : 0);
  });

  it.each([1, 7, 64, 1 << 16])('a file of them, in chunks of %i bytes, 3 events to a message, CRLF lines', async (size) => {
    const recs = await recordsOf(trickyNdjson(), size);
    expect(recs).toHaveLength(TRICKY.length);
    const { body, copied } = fromBytes(recs, 3);
    expect(body.equals(reference(recs, 3))).toBe(true);
    expect(copied).toBe(TRICKY.filter((t) => t.copied).length);
  });

  it('leaves out dropped events (duplicates) and keeps the messages whole', async () => {
    const recs = await recordsOf(trickyNdjson(), 1 << 16);
    const drop = new Set([0, 4, 5, 6, recs.length - 1]);
    const b = new EventBytes(TENANT, NOW, 3);
    for (const r of recs) b.add(valid(r), (r as { src?: Uint8Array }).src, (r as { start?: number }).start, (r as { end?: number }).end);
    const body = Buffer.from(b.body(drop));
    expect(body.equals(reference(recs.filter((_, i) => !drop.has(i)), 3))).toBe(true);
    // and the next batch starts afresh
    b.add(valid(recs[1]), (recs[1] as { src?: Uint8Array }).src, (recs[1] as { start?: number }).start, (recs[1] as { end?: number }).end);
    expect(Buffer.from(b.body()).equals(reference([recs[1]], 3))).toBe(true);
  });

  it('JSON array elements, compact and pretty-printed, give the same bytes', () => {
    const lines = TRICKY.filter((t) => !Buffer.isBuffer(t.line)).map((t) => t.line as string);
    for (const text of [`[${lines.join(',')}]`, `[\n  ${lines.join(' ,\n  ')}\n]\n`]) {
      const s = new JsonArraySplitter();
      const recs = s.push(Buffer.from(text));
      s.end();
      expect(recs).toHaveLength(lines.length);
      const { body } = fromBytes(recs, 500);
      expect(body.equals(reference(recs, 500))).toBe(true);
    }
  });

  it('records without bytes (CSV) are stringified', async () => {
    const recs = (await recordsOf(trickyNdjson(), 1 << 16)).map((r) => ({ line: r.line, value: (r as { value: unknown }).value }));
    const { body, copied } = fromBytes(recs, 500);
    expect(copied).toBe(0);
    expect(body.equals(reference(recs, 500))).toBe(true);
  });

  it('an empty batch has an empty body', () => {
    expect(new EventBytes(TENANT, NOW, 500).body().length).toBe(0);
  });
});
