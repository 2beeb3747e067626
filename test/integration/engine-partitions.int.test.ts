// The live engine partitioned by tenant (pipelines/live/partition.ts), on a real
// nats-server: one engine for every tenant saves a snapshot and goes on without saving
// again (as if SIGKILLed), a tenant appears after that save, then two engines take a
// partition each (N = 1 → 2), and later one engine takes them all again (N = 2 → 1).
// Every tenant's KPIs must equal those of the pure engine fed the same events once, and
// exactly one engine answers a gateway's "everything now" request for each tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createInbox } from '@nats-io/transport-node';
import { Bus } from '../../pipelines/bus/bus.ts';
import { EVENTS_STREAM } from '../../pipelines/bus/subjects.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import type { BusEvent } from '../../pipelines/events/schema.ts';
import { TenantEngine } from '../../pipelines/engine/index.ts';
import { EngineRunner, KPI_REQUEST_SUBJECT, type SnapshotStore } from '../../pipelines/live/engine-runner.ts';
import { partitionOf, type PartitionAssignment } from '../../pipelines/live/partition.ts';
import { toMessages } from '../../server/ingest/publish.ts';
import { eventually, startTestNats } from '../support/harness.ts';
import { EXPECTED, matchesTable, shiftedExample } from '../support/worked-example.ts';

const NOW = Math.floor(Date.now() / 1000) * 1000;
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const config = { timeZone: () => 'UTC', policies: () => ({}), onChange: () => {} };

/** engine_snapshots as ClickHouse keeps it: ReplacingMergeTree(seq) by tenant, read FINAL */
class MemoryStore implements SnapshotStore {
  rows = new Map<string, { tenant: string; seq: number; state: string }>();
  private enc = new TextEncoder();
  async list() {
    return this.enc.encode([...this.rows.values()].map((r) => JSON.stringify({ tenant: r.tenant, seq: r.seq }) + '\n').join(''));
  }
  async load(tenants: string[]) {
    return this.enc.encode(tenants.flatMap((t) => (this.rows.has(t) ? [JSON.stringify(this.rows.get(t)) + '\n'] : [])).join(''));
  }
  async save(body: Uint8Array) {
    for (const line of new TextDecoder().decode(body).split('\n').filter(Boolean)) {
      const r = JSON.parse(line) as { tenant: string; seq: number; state: string };
      const old = this.rows.get(r.tenant);
      if (!old || old.seq <= r.seq) this.rows.set(r.tenant, { tenant: r.tenant, seq: r.seq, state: r.state });
    }
  }
}

// Six tenants, three in each partition of two; one more appears after the first save.
const names = Array.from({ length: 40 }, (_, i) => `part-${i}`);
const TENANTS = [...names.filter((t) => partitionOf(t, 2) === 0).slice(0, 3), ...names.filter((t) => partitionOf(t, 2) === 1).slice(0, 3)];
const LATE = names.filter((t) => partitionOf(t, 2) === 1)[3];

const eventsOf = (tenant: string): BusEvent[] =>
  shiftedExample(NOW, `${tenant}:`).map((e) => ({ ...e, tenant, ts: Date.parse(e.time), received_at: NOW }) as BusEvent);
const all = new Map([...TENANTS, LATE].map((t) => [t, eventsOf(t)]));

let nats: PrivateNats;
let bus: Bus;
const store = new MemoryStore();
const runners: EngineRunner[] = [];

async function publish(tenant: string, events: BusEvent[]) {
  await bus.publishAll(toMessages(tenant, events));
}

async function startEngine(partitions: PartitionAssignment, publishKpis = true): Promise<EngineRunner> {
  const r = new EngineRunner({ bus, store, log, config, partitions, publish: publishKpis, now: () => NOW });
  await r.start();
  runners.push(r);
  return r;
}

async function caughtUp(...rs: EngineRunner[]) {
  const last = (await bus.jsm.streams.info(EVENTS_STREAM)).state.last_seq;
  await eventually(() => rs.every((r) => r.status().seq >= last), 20_000);
}

/** every scope's snapshot, in scope order (the order scopes were first seen in varies) */
const canonical = (e: TenantEngine) =>
  JSON.stringify(e.snapshotAll(NOW).sort((a, b) => (a.scope < b.scope ? -1 : 1)));

/** what the pure engine makes of every event of the tenant, once */
function reference(tenant: string): string {
  const e = new TenantEngine({ tenant, timeZone: 'UTC', policies: {} });
  for (const ev of all.get(tenant)!) e.apply(ev);
  return canonical(e);
}

/** how many engines answer the gateway's warm-up request for the tenant */
async function answers(tenant: string): Promise<number> {
  const inbox = createInbox();
  let n = 0;
  const sub = bus.nc.subscribe(inbox, { callback: () => void n++ });
  bus.nc.publish(KPI_REQUEST_SUBJECT(tenant), new Uint8Array(), { reply: inbox });
  await new Promise((r) => setTimeout(r, 500));
  sub.unsubscribe();
  return n;
}

beforeAll(async () => {
  nats = await startTestNats();
  bus = await Bus.connect(nats.url, log);
}, 30_000);
afterAll(async () => {
  for (const r of runners) await r.stop().catch(() => {});
  await bus?.close();
  await nats?.stop();
});

describe('the live engine partitioned by tenant', () => {
  it('splits the tenants between two engines after one engine had them all, and every tenant stays exact', async () => {
    // One engine for every tenant: the first 15 events of each, saved; 10 more, not saved.
    for (const t of TENANTS) await publish(t, all.get(t)!.slice(0, 15));
    const one = await startEngine({ of: 1, owned: [0] }, false);
    await caughtUp(one);
    await one.save();
    for (const t of TENANTS) await publish(t, all.get(t)!.slice(15, 25));
    await publish(LATE, all.get(LATE)!.slice(0, 20)); // a tenant no snapshot holds
    await caughtUp(one);
    await one.stop(); // saves nothing more: as if killed

    // N = 2: each engine loads only its own tenants' snapshots and resumes each exactly.
    const [p0, p1] = [await startEngine({ of: 2, owned: [0] }), await startEngine({ of: 2, owned: [1] })];
    for (const t of [...TENANTS, LATE]) await publish(t, all.get(t)!.slice(t === LATE ? 20 : 25));
    // a retried batch (new message, same ids): counted once
    for (const t of TENANTS) await bus.publishAll(toMessages(t, all.get(t)!.slice(3, 6)).map((m) => ({ ...m, msgID: `${m.msgID}:again` })));
    await caughtUp(p0, p1);
    for (const t of [...TENANTS, LATE]) {
      const [owner, other] = partitionOf(t, 2) === 0 ? [p0, p1] : [p1, p0];
      expect(other.engines.has(t), t).toBe(false);
      expect(canonical(owner.engines.get(t)!) === reference(t), t).toBe(true);
      expect(await answers(t), t).toBe(1);
    }
    const sample = p0.engines.get(TENANTS[0])!;
    for (const scope of Object.keys(EXPECTED)) expect(matchesTable(sample.metrics(scope, '15m', NOW) as never, EXPECTED[scope])).toEqual([]);
    // the snapshots of a tenant that moved hold only what its partition's engine saved
    await p0.save();
    await p1.save();
    expect(store.rows.get('~p:2:0')?.seq).toBe(store.rows.get('~p:2:1')?.seq);
    for (const t of TENANTS) expect(store.rows.get(t)!.seq).toBe(store.rows.get('~p:2:0')!.seq);
  }, 60_000);

  it('moves both partitions back to one engine (N = 2 → 1) without losing or repeating an event', async () => {
    const [p0, p1] = runners.slice(1);
    await p0.stop();
    await p1.stop();
    const one = await startEngine({ of: 1, owned: [0] });
    await caughtUp(one);
    for (const t of [...TENANTS, LATE]) {
      expect(canonical(one.engines.get(t)!) === reference(t), t).toBe(true);
      expect(await answers(t), t).toBe(1);
    }
    expect(one.status()).toMatchObject({ partitions: { of: 1, owned: [0] }, tenants: TENANTS.length + 1, consumer: 'ok' });
  }, 60_000);
});
