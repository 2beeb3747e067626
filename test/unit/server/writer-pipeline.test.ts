// The writer prepares batch N+1 (lookup in event_ids) while batch N is still being
// inserted: an id repeated in the very next batch must still be stored once. A fake
// ClickHouse whose inserts are slow makes the overlap certain.
import { describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import type { JsMsg } from '@nats-io/jetstream';
import type { ClickHouseClient } from '@clickhouse/client';
import { EventWriter, pendingOf } from '../../../pipelines/writer/writer.ts';
import { setRawOps } from '../../../server/db/clickhouse.ts';
import { Registry } from '../../../server/metrics.ts';
import type { BusEvent } from '../../../pipelines/events/schema.ts';

function fakeClickHouse(reject: (events: BusEvent[]) => Error | null = () => null) {
  const ids = new Set<string>();
  const stored = new Map<string, number>();
  const ch = {
    async query(p: { query_params: { tenant: string; ids: string[] } }) {
      const found = p.query_params.ids.filter((id) => ids.has(`${p.query_params.tenant}/${id}`));
      return { json: async () => found.map((id) => [id]) };
    },
  } as unknown as ClickHouseClient;
  setRawOps(ch, {
    async insert(table, body) {
      // one line {"m":[...events]} per message (pipelines/writer/events-in.ts)
      const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
      const rows = text.split('\n').filter(Boolean).flatMap((l) => (JSON.parse(l) as { m: BusEvent[] }).m);
      await new Promise((r) => setTimeout(r, 50)); // slow enough for the next lookup to run meanwhile
      expect(table).toBe('events_in');
      const err = reject(rows);
      if (err) throw err;
      for (const r of rows) {
        stored.set(r.id, (stored.get(r.id) ?? 0) + 1);
        ids.add(`${r.tenant}/${r.id}`);
      }
    },
  });
  return { ch, stored };
}

const ev = (id: string): BusEvent =>
  ({ id, type: 'contact.queued', time: '2026-01-01T00:00:00Z', contact_id: 'c', queue: 'q', channel: 'voice', tenant: 't', ts: 1, received_at: 1 }) as BusEvent;
const acked: number[] = [];
/** A message as the writer takes it; `header` adds the Fw-Ids header ingestion sends, so the body is never parsed. */
const pending = (seq: number, events: BusEvent[], header = seq % 2 === 0) =>
  pendingOf({
    seq, subject: 'cc.events.t.contact.queued', data: Buffer.from(JSON.stringify(events)),
    headers: header ? { get: (k: string) => (k === 'Fw-Ids' ? JSON.stringify(events.map((e) => e.id)) : '') } : undefined,
    ack() { acked.push(seq); }, working() {}, nak() {},
  } as unknown as JsMsg)!;

describe('EventWriter pipelining', () => {
  it('stores an id repeated in back-to-back batches once', async () => {
    const { ch, stored } = fakeClickHouse();
    const w = new EventWriter({ bus: {} as never, ch, log: pino({ level: 'silent' }), metrics: new Registry(), maxRows: 1_000_000, maxDelayMs: 10_000 });
    const batcher = (w as unknown as { batcher: { add(p: unknown, n: number): Promise<void>; flush(): Promise<void> } }).batcher;
    const ids = (p: string) => Array.from({ length: 5 }, (_, i) => `${p}${i}`);
    void batcher.add(pending(1, ids('a').map(ev)), 5);
    void batcher.flush();
    void batcher.add(pending(2, [...ids('a'), ...ids('b')].map(ev)), 10);
    void batcher.flush();
    void batcher.add(pending(3, [...ids('b'), ...ids('c')].map(ev)), 10);
    await w.flush();
    expect([...stored.keys()].sort()).toEqual([...ids('a'), ...ids('b'), ...ids('c')]);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
  });
});

describe('EventWriter with the ids header', () => {
  it('stores a message whose ids are all new without parsing its body, and drops repeats within a batch', async () => {
    const { ch, stored } = fakeClickHouse();
    const w = new EventWriter({ bus: {} as never, ch, log: pino({ level: 'silent' }), metrics: new Registry(), maxRows: 1_000_000, maxDelayMs: 10_000 });
    const batcher = (w as unknown as { batcher: { add(p: unknown, n: number): Promise<void> } }).batcher;
    const clean = pending(20, [ev('h1'), ev('h2')], true);
    const repeats = pending(22, [ev('h3'), ev('h2'), ev('h3'), ev('h4')], true);
    expect(clean.events).toBeNull();
    void batcher.add(clean, 2);
    void batcher.add(repeats, 4);
    await w.flush();
    expect([...stored.entries()].sort()).toEqual([['h1', 1], ['h2', 1], ['h3', 1], ['h4', 1]]);
    expect(clean.events).toBeNull(); // its bytes went to ClickHouse as they came
    expect(repeats.events).not.toBeNull(); // decoded to drop h2 and the second h3
  });
});

describe('EventWriter and a message ClickHouse rejects', () => {
  it('stores the rest of the batch and dead-letters only that message (chDB error codes)', async () => {
    // embedded chDB names the call in `code` and puts ClickHouse's number in clickhouseCode
    const { ch, stored } = fakeClickHouse((rows) =>
      rows.some((r) => r.id === 'bad') ? Object.assign(new Error('Code: 395. DB::Exception: events_in: …'), { code: 'CHDB_INSERT', clickhouseCode: 395 }) : null,
    );
    const dead: { subject: string; reason: string | undefined }[] = [];
    const bus = { js: { publish: async (subject: string, _d: Uint8Array, o: { headers: { get(k: string): string } }) => void dead.push({ subject, reason: o.headers.get('Fw-Reason') }) } };
    const w = new EventWriter({ bus: bus as never, ch, log: pino({ level: 'silent' }), metrics: new Registry(), maxRows: 1_000_000, maxDelayMs: 10_000 });
    const batcher = (w as unknown as { batcher: { add(p: unknown, n: number): Promise<void> } }).batcher;
    acked.length = 0;
    void batcher.add(pending(11, [ev('g1'), ev('g2')]), 2);
    void batcher.add(pending(12, [ev('bad')]), 1);
    void batcher.add(pending(13, [ev('g3')]), 1);
    await w.flush();
    expect([...stored.keys()].sort()).toEqual(['g1', 'g2', 'g3']);
    expect(dead).toEqual([{ subject: 'cc.dlq.t', reason: expect.stringMatching(/Code: 395/) }]);
    expect(acked.sort()).toEqual([11, 12, 13]);
  });
});

describe('EventWriter and a ClickHouse server that is down', () => {
  it('keeps retrying for as long as the server cannot be reached, and dead-letters nothing for it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let refused = 0;
      // @clickhouse/client's error for a server that is not there: Node's, code ECONNREFUSED
      const { ch, stored } = fakeClickHouse(() =>
        refused++ < 80 ? Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }) : null,
      );
      const dead: string[] = [];
      const bus = { js: { publish: async (subject: string) => void dead.push(subject) } };
      const w = new EventWriter({ bus: bus as never, ch, log: pino({ level: 'silent' }), metrics: new Registry(), maxRows: 1_000_000, maxDelayMs: 10_000 });
      const batcher = (w as unknown as { batcher: { add(p: unknown, n: number): Promise<void> } }).batcher;
      acked.length = 0;
      void batcher.add(pending(31, [ev('down-1'), ev('down-2')]), 2);
      const flushed = w.flush();
      // 80 refusals at up to 5 s apart: over six minutes of a server down
      for (let i = 0; i < 200 && stored.size === 0; i++) await vi.advanceTimersByTimeAsync(5_000);
      await flushed;
      expect(refused).toBe(81);
      expect(dead).toEqual([]);
      expect([...stored.entries()].sort()).toEqual([['down-1', 1], ['down-2', 1]]);
      expect(acked).toEqual([31]);
    } finally {
      vi.useRealTimers();
    }
  });
});
