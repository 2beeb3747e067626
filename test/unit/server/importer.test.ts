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

/**
 * `before`: ids stored before the import; what the import inserts is stored too (event_ids).
 * `fromFile`: the client inserts from files (embedded chDB), failing as `failures` says:
 * each entry is how many of the body's events get in before that attempt throws.
 */
function fakeClickHouse(before: string[] = [], fromFile = false, failures: number[] = []) {
  const bodies: string[] = [];
  const stored = () => [...before, ...inserted()];
  const ch = {
    async query(q: { query: string; query_params: { ids?: string[] } }) {
      const all = stored();
      const rows = q.query.includes('count()') ? [{ n: all.length }] : (q.query_params.ids ?? []).filter((id) => all.includes(id)).map((id) => [id]);
      return { json: async () => rows };
    },
  } as unknown as ClickHouseClient;
  const store = (body: Uint8Array, upTo = Infinity) => {
    const lines = Buffer.from(body).toString().trim().split('\n');
    const events = lines.flatMap((l) => JSON.parse(l).m as object[]).slice(0, upTo);
    bodies.push(JSON.stringify({ m: events }) + '\n');
  };
  setRawOps(ch, {
    insert: async (_table, body) => store(body as Uint8Array),
    ...(fromFile
      ? {
          insertFromFile: async (_table: string, _structure: string, body: Uint8Array) => {
            const fail = failures.shift();
            if (fail === undefined) return store(body);
            if (fail > 0) store(body, fail);
            throw new Error('insert broke');
          },
        }
      : {}),
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
  });
});

describe('runImport inserting from files (no dedup token)', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  it('tries again when nothing of the batch got in', async () => {
    const f = fakeClickHouse([], true, [0, 0]);
    const s = await runImport(ndjsonRecords(body(ids)), { ch: f.ch, tenant: 't', now: NOW, batchSize: 3 });
    expect(s).toMatchObject({ loaded: 5, duplicates: 0 });
    expect(f.inserted()).toEqual(ids);
  });

  it('takes a batch that got in whole despite the error as stored', async () => {
    const f = fakeClickHouse([], true, [3]);
    const s = await runImport(ndjsonRecords(body(ids)), { ch: f.ch, tenant: 't', now: NOW, batchSize: 3 });
    expect(s).toMatchObject({ loaded: 5 });
    expect(f.inserted()).toEqual(ids);
  });

  it('stops when part of a batch got in, and never stores an id twice', async () => {
    const f = fakeClickHouse([], true, [2]);
    await expect(runImport(ndjsonRecords(body(ids)), { ch: f.ch, tenant: 't', now: NOW, batchSize: 3, inflight: 1 })).rejects.toThrow(
      /an insert of 3 events failed \(insert broke\) and 2 of them are stored: import the file again/,
    );
    expect(f.inserted()).toEqual(['a', 'b']);
    // the re-run stores the rest
    const s = await runImport(ndjsonRecords(body(ids)), { ch: f.ch, tenant: 't', now: NOW, batchSize: 3 });
    expect(s).toMatchObject({ loaded: 3, duplicates: 2 });
    expect(f.inserted().sort()).toEqual(ids);
  });

  it('with several inserts in flight, a batch that partly got in stops the import too, and a re-run stores each id once', async () => {
    const f = fakeClickHouse([], true, [2]);
    await expect(runImport(ndjsonRecords(body(ids)), { ch: f.ch, tenant: 't', now: NOW, batchSize: 3, inflight: 3 })).rejects.toThrow(
      /an insert of 3 events failed \(insert broke\) and 2 of them are stored: import the file again/,
    );
    // the later batch may have gone in meanwhile; the re-run stores only what is missing
    const first = f.inserted();
    expect(first.slice(0, 2)).toEqual(['a', 'b']);
    const s = await runImport(ndjsonRecords(body(ids)), { ch: f.ch, tenant: 't', now: NOW, batchSize: 3, inflight: 3 });
    expect(s.loaded + s.duplicates).toBe(ids.length);
    expect(s.loaded).toBe(ids.length - first.length);
    expect(f.inserted().sort()).toEqual(ids);
  });
});
