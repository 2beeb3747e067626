// Entry of a role thread (host.ts starts it): its own NATS connection, logger and
// metrics registry, a ClickHouse client that forwards to the main thread, and one role.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import type { ClickHouseClient } from '@clickhouse/client';
import { Bus } from '../../pipelines/bus/bus.ts';
import { KvMap } from '../../pipelines/bus/kv-map.ts';
import { insertRaw, jsonEachRowBody, queryRaw, setRawOps } from '../db/clickhouse.ts';
import { Registry } from '../metrics.ts';
import { parseQueueKey, QUEUES_BUCKET, tenantSettings, TENANTS_BUCKET, type QueueSettings, type TenantSettings } from '../settings.ts';
import type { QueuePolicy } from '../../pipelines/engine/types.ts';
import { EngineRunner, type TenantConfigSource } from '../../pipelines/live/engine-runner.ts';
import { EventWriter } from '../../pipelines/writer/writer.ts';
import { HistoryConsumer } from '../../pipelines/history/consumer.ts';
import { insertTransfer, type FromThread, type RoleThreadData, type ToThread } from './protocol.ts';
import { nameThisThread, niceThisThread } from './os-thread.ts';

const data = workerData as RoleThreadData;
nameThisThread(`fw-${data.role}`);
// The checkpointer only shortens a restart: when the cores are busy it yields to the
// roles a user waits on (ingest acks, storage, the live numbers) and catches up after.
if (data.role === 'engine-checkpoint') niceThisThread(19);
const port = parentPort!;
const log = pino({ level: data.logLevel }).child({ role: data.role });
const metrics = new Registry();

let nextId = 1;
const pending = new Map<number, { resolve: (v: Uint8Array) => void; reject: (e: Error) => void }>();
function call(m: { type: 'query'; sql: string; params: Record<string, unknown> } | { type: 'insert'; table: string; body: Uint8Array; settings: Record<string, string | number> }): Promise<Uint8Array> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    const msg = { ...m, id } as FromThread;
    port.postMessage(msg, m.type === 'insert' ? insertTransfer(m.body) : []);
  });
}

const enc = new TextEncoder();
const dec = new TextDecoder();
/**
 * JSONEachRow results come as one JSON array (output_format_json_array_of_rows): one
 * JSON.parse of it costs 1.35 µs per row against 1.95 for a parse per line
 * (tmp-prof/jsonbench.ts). A query with its own SETTINGS clause gets plain lines.
 */
const ARRAY_OF_ROWS = ' SETTINGS output_format_json_array_of_rows = 1';
const jsonLines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);

/**
 * The part of @clickhouse/client the roles use, over the main thread's client: query
 * (`.json()` of JSON or the *EachRow formats) and insert (JSONEachRow); insertRows,
 * insertRaw and queryRaw take the byte path (setRawOps).
 */
function remoteClickHouse(): ClickHouseClient {
  const query = (sql: string, params: Record<string, unknown> = {}) => call({ type: 'query', sql, params });
  const insert = (table: string, body: string | Uint8Array, settings: Record<string, string | number> = {}) =>
    call({ type: 'insert', table, body: typeof body === 'string' ? enc.encode(body) : body, settings }).then(() => undefined);
  const ch = {
    async query(p: { query: string; query_params?: Record<string, unknown>; format?: string }) {
      const format = p.format ?? 'JSON';
      const asArray = format === 'JSONEachRow' && !/\bSETTINGS\b/i.test(p.query);
      const bytes = await query(`${p.query}${asArray ? ARRAY_OF_ROWS : ''} FORMAT ${format}`, p.query_params);
      return {
        json: async () => (/EachRow$/.test(format) && !asArray ? jsonLines(dec.decode(bytes)) : JSON.parse(dec.decode(bytes))),
      };
    },
    async insert(p: { table: string; values: unknown[]; format?: string; clickhouse_settings?: Record<string, string | number> }) {
      if (p.values.length) await insert(p.table, jsonEachRowBody(p.values as object[]), p.clickhouse_settings);
      return { executed: true };
    },
    async close() {},
  };
  const client = ch as unknown as ClickHouseClient;
  setRawOps(client, { insert, query });
  return client;
}

const maps: { close(): void }[] = [];

async function configSource(bus: Bus): Promise<TenantConfigSource> {
  const tenants = await KvMap.open<Partial<TenantSettings>>(bus, TENANTS_BUCKET);
  const queues = await KvMap.open<Partial<QueueSettings>>(bus, QUEUES_BUCKET);
  maps.push(tenants, queues);
  return {
    timeZone: (t) => tenantSettings(tenants, t).time_zone,
    policies: (t) => {
      const out: Record<string, Partial<QueuePolicy>> = {};
      for (const [k, v] of queues.entries(`${t}.`)) {
        const { name: _n, ...policy } = v;
        out[parseQueueKey(k).queue] = policy;
      }
      return out;
    },
    onChange: (fn) => {
      tenants.onChange((t) => fn(t));
      queues.onChange((k) => fn(parseQueueKey(k).tenant));
    },
  };
}

async function startRole(bus: Bus, ch: ClickHouseClient): Promise<{ stop(): Promise<void> }> {
  switch (data.role) {
    case 'engine':
    case 'engine-checkpoint': {
      const fixed = data.fixedNow;
      const checkpoint = data.role === 'engine-checkpoint';
      const runner = new EngineRunner({
        bus,
        log,
        config: await configSource(bus),
        publish: !checkpoint,
        saveEveryMs: checkpoint ? data.saveEveryMs : 0,
        now: fixed === undefined ? undefined : () => fixed,
        partitions: data.partitions,
        // one engine's gauges per process: the publisher's (the checkpointer follows the same tenants)
        metrics: checkpoint ? undefined : metrics,
        store: {
          list: () => queryRaw(ch, 'SELECT tenant, seq FROM engine_snapshots FINAL FORMAT JSONEachRow'),
          load: (tenants) =>
            queryRaw(ch, 'SELECT tenant, seq, state FROM engine_snapshots FINAL WHERE tenant IN {tenants:Array(String)} FORMAT JSONEachRow', { tenants }),
          save: (body) => insertRaw(ch, 'engine_snapshots', body),
        },
      });
      await runner.start();
      status = () => runner.status();
      return runner;
    }
    case 'writer': {
      const w = new EventWriter({ bus, ch, log, metrics });
      await w.start();
      return w;
    }
    case 'history': {
      const c = new HistoryConsumer({ bus, ch, log, metrics });
      await c.start();
      return c;
    }
  }
}

let role: { stop(): Promise<void> } | null = null;
/** what the role tells /health, if anything */
let status: () => unknown = () => null;
let bus: Bus | null = null;

port.on('message', (m: ToThread) => {
  if (m.type === 'reply') {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p?.reject(Object.assign(new Error(m.error.message), m.error.code === undefined ? {} : { code: m.error.code }));
    else p?.resolve(m.body ?? new Uint8Array());
  } else if (m.type === 'metrics') {
    port.postMessage({ type: 'metrics', id: m.id, text: metrics.render() } satisfies FromThread);
  } else if (m.type === 'status') {
    port.postMessage({ type: 'status', id: m.id, status: status() } satisfies FromThread);
  } else if (m.type === 'stop') {
    void (async () => {
      await role?.stop().catch((err) => log.warn({ err }, 'role stop failed'));
      for (const k of maps) k.close();
      await bus?.close().catch(() => {});
      process.exit(0); // ends this thread only; the host waits for its exit
    })();
  }
});

try {
  bus = await Bus.connect(data.natsUrl, log, { duplicateWindowMs: data.duplicateWindowMs, replicas: data.natsReplicas });
  role = await startRole(bus, remoteClickHouse());
  port.postMessage({ type: 'ready' } satisfies FromThread);
} catch (err) {
  port.postMessage({ type: 'failed', message: (err as Error).message } satisfies FromThread);
}
