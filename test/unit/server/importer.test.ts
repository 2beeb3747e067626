// runImport's duplicate handling with ClickHouse replaced by a fake that records the
// insert bodies: an id repeated inside a batch is dropped at once, one repeated from an
// earlier batch is confirmed at the flush and left out of the body, an id stored before
// (the fake's event_ids) is found by the lookup; loaded + duplicates + rejected = lines.
import { describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { setRawOps } from '../../../server/db/clickhouse.ts';
import { ndjsonRecords } from '../../../server/import/formats.ts';
import { runImport } from '../../../server/import/importer.ts';

const NOW = Date.parse('2026-03-03T00:00:00Z');
const line = (id: string) => `{"id":"${id}","type":"ticket.reopened","time":"2026-03-02T10:00:00.000Z","ticket_id":"k-${id}"}`;

/** `before`: ids stored before the import; what the import inserts is stored too (event_ids). */
function fakeClickHouse(before: string[] = []) {
  const bodies: string[] = [];
  const stored = () => [...before, ...inserted()];
  const ch = {
    async query(q: { query: string; query_params: { ids?: string[] } }) {
      const all = stored();
      const rows = q.query.includes('count()') ? [{ n: all.length }] : (q.query_params.ids ?? []).filter((id) => all.includes(id)).map((id) => [id]);
      return { json: async () => rows };
    },
  } as unknown as ClickHouseClient;
  setRawOps(ch, {
    insert: async (_table, body) => {
      bodies.push(Buffer.from(body as Uint8Array).toString());
    },
  });
  /** the ids of the events inserted, in order */
  const inserted = () => bodies.flatMap((b) => b.trim().split('\n')).flatMap((l) => (JSON.parse(l).m as { id: string }[]).map((e) => e.id));
  return { ch, bodies, inserted };
}

async function* body(ids: string[]) {
  yield Buffer.from(ids.map(line).join('\n') + '\n');
}

describe('runImport duplicates', () => {
  it('drops an id repeated in its batch and one repeated from an earlier batch', async () => {
    const f = fakeClickHouse();
    const ids = ['a', 'b', 'a', 'c', 'd', 'b', 'e', 'a', 'f'];
    const s = await runImport(ndjsonRecords(body(ids)), { ch: f.ch, tenant: 't', now: NOW, batchSize: 3 });
    expect(s).toMatchObject({ lines: 9, loaded: 6, duplicates: 3, rejected: 0 });
    expect(f.inserted()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('leaves out ids stored before the import', async () => {
    const f = fakeClickHouse(['b', 'e']);
    const s = await runImport(ndjsonRecords(body(['a', 'b', 'c', 'd', 'e'])), { ch: f.ch, tenant: 't', now: NOW, batchSize: 2 });
    expect(s).toMatchObject({ lines: 5, loaded: 3, duplicates: 2 });
    expect(f.inserted()).toEqual(['a', 'c', 'd']);
    // the bodies hold whole messages only
    for (const b of f.bodies) for (const l of b.trim().split('\n')) expect(() => JSON.parse(l)).not.toThrow();
  });
});
