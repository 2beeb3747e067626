// The writer prepares batch N+1 (lookup in event_ids) while batch N is still being
// inserted: an id repeated in the very next batch must still be stored once. A fake
// ClickHouse whose inserts are slow makes the overlap certain.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { JsMsg } from '@nats-io/jetstream';
import type { ClickHouseClient } from '@clickhouse/client';
import { EventWriter } from '../../../pipelines/writer/writer.ts';
import { setRawOps } from '../../../server/db/clickhouse.ts';
import { Registry } from '../../../server/metrics.ts';
import type { BusEvent } from '../../../pipelines/events/schema.ts';

function fakeClickHouse() {
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
      const rows = JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body)) as { tenant: string; id: string }[];
      await new Promise((r) => setTimeout(r, 50)); // slow enough for the next lookup to run meanwhile
      for (const r of rows) {
        if (table === 'events') stored.set(r.id, (stored.get(r.id) ?? 0) + 1);
        else ids.add(`${r.tenant}/${r.id}`);
      }
    },
  });
  return { ch, stored };
}

const ev = (id: string): BusEvent =>
  ({ id, type: 'contact.queued', time: '2026-01-01T00:00:00Z', contact_id: 'c', queue: 'q', channel: 'voice', tenant: 't', ts: 1, received_at: 1 }) as BusEvent;
const msg = (seq: number) => ({ seq, subject: 'cc.events.t.contact.queued', ack() {}, working() {} }) as unknown as JsMsg;

describe('EventWriter pipelining', () => {
  it('stores an id repeated in back-to-back batches once', async () => {
    const { ch, stored } = fakeClickHouse();
    const w = new EventWriter({ bus: {} as never, ch, log: pino({ level: 'silent' }), metrics: new Registry(), maxRows: 1_000_000, maxDelayMs: 10_000 });
    const batcher = (w as unknown as { batcher: { add(p: unknown, n: number): Promise<void>; flush(): Promise<void> } }).batcher;
    const ids = (p: string) => Array.from({ length: 5 }, (_, i) => `${p}${i}`);
    void batcher.add({ msg: msg(1), events: ids('a').map(ev) }, 5);
    void batcher.flush();
    void batcher.add({ msg: msg(2), events: [...ids('a'), ...ids('b')].map(ev) }, 10);
    void batcher.flush();
    void batcher.add({ msg: msg(3), events: [...ids('b'), ...ids('c')].map(ev) }, 10);
    await w.flush();
    expect([...stored.keys()].sort()).toEqual([...ids('a'), ...ids('b'), ...ids('c')]);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
  });
});
