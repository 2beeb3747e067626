// An import stores valid records from their own bytes when JSON.stringify would write
// them so (server/import/event-bytes.ts). The rows ClickHouse stores must be those of the
// events stringified again, as the writer stores them (insertEvents): the tricky lines
// (unicode, escapes, a lone surrogate, bytes that are not UTF-8, number forms, repeated
// and integer-like keys) are imported into one tenant and inserted by the writer's path
// into another, and every column but the tenant is compared.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate, openClickHouse, type ClickHouseClient } from '../../server/db/clickhouse.ts';
import { runImport } from '../../server/import/importer.ts';
import { ndjsonRecords } from '../../server/import/formats.ts';
import { validateEvent } from '../../server/ingest/validate.ts';
import { insertEvents } from '../../pipelines/writer/events-in.ts';
import type { BusEvent } from '../../pipelines/events/schema.ts';
import { tempDir } from '../support/harness.ts';
import { TRICKY, trickyNdjson } from '../support/import-tricky.ts';

const NOW = Date.parse('2026-03-03T00:00:00Z');
let ch: ClickHouseClient;

beforeAll(async () => {
  ch = await openClickHouse({ clickhouse: null, dataDir: tempDir('fw-import-bytes-') });
  await migrate(ch);
});
afterAll(async () => {
  await ch?.close();
});

async function rows(tenant: string) {
  const r = await ch.query({
    query: 'SELECT * EXCEPT tenant FROM events WHERE tenant = {t:String} ORDER BY id',
    query_params: { t: tenant },
    format: 'JSONEachRow',
  });
  return r.json<Record<string, unknown>>();
}

it('imported from the bytes, the tricky events are stored as the writer stores them stringified', async () => {
  async function* body() {
    yield trickyNdjson();
  }
  const s = await runImport(ndjsonRecords(body()), { ch, tenant: 'from-bytes', now: NOW });
  expect(s.rejected, JSON.stringify(s.errors)).toBe(0);
  expect(s.loaded).toBe(TRICKY.length);

  const events: BusEvent[] = [];
  for await (const recs of ndjsonRecords(body())) {
    for (const rec of recs) {
      const r = validateEvent(rec.error === undefined ? rec.value : null, 'stringified', NOW);
      if (!r.ok) throw new Error(r.errors.join('; '));
      events.push(r.event);
    }
  }
  await insertEvents(ch, events);

  const a = await rows('from-bytes');
  const b = await rows('stringified');
  expect(a).toHaveLength(TRICKY.length);
  expect(a).toEqual(b);
  // the stored payloads are the events as posted, whatever their bytes
  const byId = new Map(a.map((r) => [r.id, r]));
  expect(byId.get('t14')!.attrs).toEqual({ s: 'x\ufffdy' }); // the lone surrogate
  expect(byId.get('t02')!.attrs).toEqual({ name: 'Zoë', city: '東京', mood: '😀' });
});
