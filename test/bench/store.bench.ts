// npm run bench:store — what storing an event costs: the writer's own insert path
// (EventWriter: id lookup in event_ids, the `events_in` insert and its materialized
// views) into embedded chDB in a temp dir, with the merges the inserts cause. The
// events are bench:ingest's (makeBody: requests of 500, four types, 300 agents, 20
// queues), turned into bus messages by ingestion's own code (validateEvent, toMessages)
// before anything is measured, and handed to the writer as JetStream would (ids header
// included). CPU is read per thread from /proc/self/task/*/stat while storing and then
// until system.merges has been empty for a while (merge cost counted), minus the
// process's idle rate. The writer runs on the main thread here, with its ClickHouse calls
// taking the byte path the fw-writer thread's take through the main thread (asRoleThread).
// STORE_EVENTS (2,000,000), STORE_ROWS (the writer's maxRows; its default when unset),
// STORE_SQL (a file of statements run after the migrations, to try a schema variant).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { JsMsg } from '@nats-io/jetstream';
import { insertRaw, migrate, openClickHouse, queryRaw, setRawOps, splitStatements, type ClickHouseClient } from '../../server/db/clickhouse.ts';
import { EventWriter, pendingOf } from '../../pipelines/writer/writer.ts';
import { Registry } from '../../server/metrics.ts';
import { IDS_HEADER } from '../../pipelines/bus/event-message.ts';
import type { BusMessage } from '../../pipelines/bus/bus.ts';
import { BATCH, line, requestMessages, threadTimes } from './bench-util.ts';

const N = Number(process.env.STORE_EVENTS ?? 2_000_000);
const ROWS = process.env.STORE_ROWS ? Number(process.env.STORE_ROWS) : undefined;
const TENANT = 'bench';
/** merges count as done once system.merges was empty this long */
const QUIET_MS = 3_000;

function messages(): BusMessage[] {
  const now = Date.now();
  const out: BusMessage[] = [];
  for (let r = 0; r * BATCH < N; r++) out.push(...requestMessages('s', r, TENANT, now));
  return out;
}

/** A JetStream message as the writer's consumer hands it over. */
function jsMsg(m: BusMessage, seq: number): JsMsg {
  return {
    seq,
    subject: m.subject,
    data: m.data,
    headers: { get: (k: string) => (k === IDS_HEADER ? (m.ids ?? '') : '') },
    ack() {},
    working() {},
    nak() {},
  } as unknown as JsMsg;
}

/** Thread CPU seconds by label: main, node (helpers), or ClickHouse's pool names. */
function snapshot(): Map<string, { label: string; cpu: number }> {
  return threadTimes(process.pid);
}

function spent(a: Map<string, { label: string; cpu: number }>, b: Map<string, { label: string; cpu: number }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, { label, cpu }] of b) {
    const group = label === 'main' ? 'main (writer JS)' : label === 'node (helpers)' ? 'V8 helpers + libuv (chDB calls, GC)' : `chDB ${label}`;
    out.set(group, (out.get(group) ?? 0) + cpu - (a.get(k)?.cpu ?? 0));
  }
  return out;
}

/**
 * The client as the fw-writer thread has it (server/threads/worker.ts): its queries and
 * inserts go to the main thread's client as bytes (queryRaw, insertRaw), minus the
 * messages between the threads.
 */
function asRoleThread(ch: ClickHouseClient): ClickHouseClient {
  const dec = new TextDecoder();
  const client = {
    async query(p: { query: string; query_params?: Record<string, unknown>; format: string }) {
      const bytes = await queryRaw(ch, `${p.query} FORMAT ${p.format}`, p.query_params);
      return { json: async () => dec.decode(bytes).split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown) };
    },
  } as unknown as ClickHouseClient;
  setRawOps(client, { insert: (table, body, settings) => insertRaw(ch, table, typeof body === 'string' ? Buffer.from(body) : body, settings) });
  return client;
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bench-store-'));
try {
  const ch = await openClickHouse({ clickhouse: null, dataDir: dir });
  await migrate(ch);
  if (process.env.STORE_SQL) for (const q of splitStatements(fs.readFileSync(process.env.STORE_SQL, 'utf8'))) await ch.command({ query: q });
  const msgs = messages();
  const count = async (sql: string) => Number((await (await ch.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>())[0].n);

  // idle rate: what the process burns with nothing to do (chDB's schedulers)
  let c0 = process.cpuUsage();
  await sleep(2_000);
  const idle = cpuSeconds(process.cpuUsage(c0)) / 2;

  const w = new EventWriter({
    bus: {} as never,
    ch: asRoleThread(ch),
    log: pino({ level: 'warn' }),
    metrics: new Registry(),
    ...(ROWS ? { maxRows: ROWS } : {}),
  });
  const batcher = (w as unknown as { batcher: { add(p: unknown, n: number): Promise<void> } }).batcher;
  const t0 = performance.now();
  const th0 = snapshot();
  c0 = process.cpuUsage();
  let seq = 0;
  for (const m of msgs) {
    const p = pendingOf(jsMsg(m, ++seq))!;
    await batcher.add(p, p.ids.length);
  }
  await w.flush();
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const th1 = snapshot();

  // until the merges the inserts caused are done
  let quietSince = performance.now();
  let parts = 0;
  for (;;) {
    await sleep(250);
    const merging = await count('SELECT count() AS n FROM system.merges');
    if (merging > 0) quietSince = performance.now();
    else if (performance.now() - quietSince >= QUIET_MS) break;
  }
  const t2 = performance.now() - QUIET_MS; // the quiet wait itself is idle
  const c2 = process.cpuUsage();
  const th2 = snapshot();
  parts = await count("SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND table = 'events' AND active");
  const stored = await count('SELECT count() AS n FROM events');
  const bytes = await count(
    "SELECT sum(bytes_on_disk) AS n FROM system.parts WHERE database = currentDatabase() AND table = 'events' AND active",
  );

  const storeS = (t1 - t0) / 1000;
  const allS = (t2 - t0) / 1000;
  const storeCpu = cpuSeconds(c1) - cpuSeconds(c0) - idle * storeS;
  const allCpu = cpuSeconds(c2) - cpuSeconds(c0) - idle * allS - idle * (QUIET_MS / 1000);
  const us = (s: number) => `${((s * 1e6) / N).toFixed(2)} µs`;
  console.log(`store benchmark: ${N.toLocaleString('en')} events in ${msgs.length.toLocaleString('en')} messages, writer maxRows ${ROWS ?? 'default'}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  line('events stored', stored.toLocaleString('en'));
  line('time to store', `${storeS.toFixed(1)} s`);
  line('events/s stored', Math.round(N / storeS).toLocaleString('en'));
  line('time until merges idle', `${allS.toFixed(1)} s`);
  line('active parts of events after', String(parts));
  line('bytes on disk per event', (bytes / N).toFixed(1));
  line('idle rate (subtracted)', `${idle.toFixed(3)} CPU s/s`);
  line('CPU per event while storing', us(storeCpu));
  line('CPU per event, merges included', us(allCpu));
  // Merges depend on when the scheduler picked which parts (a run may end with 1 part or 8),
  // so the insert path is best compared without them.
  const merging = (m: Map<string, number>) => m.get('chDB MergeMutate') ?? 0;
  line('CPU per event, merge threads left out', us(allCpu - merging(spent(th0, th2))));
  const rows = [...spent(th0, th2)].filter(([, s]) => s > 0.005).sort((a, b) => b[1] - a[1]);
  const during = spent(th0, th1);
  console.log('  by thread (µs/event: while storing / merges included)');
  let listed = 0;
  for (const [name, s] of rows) {
    line(`    ${name}`, `${us(during.get(name) ?? 0)} / ${us(s)}`);
    listed += s;
  }
  line('    exited threads and idle (rest)', us(cpuSeconds(c2) - cpuSeconds(c0) - listed));
  if (stored !== N) {
    console.error(`stored ${stored} events, expected ${N}`);
    process.exitCode = 1;
  }
  await ch.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
