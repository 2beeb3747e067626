// Entry of an engine thread (started by engine-thread.ts): its own NATS connection and
// config watch, one EngineRunner, and snapshot storage through the main thread, which
// owns the ClickHouse client (embedded chDB lives once per process).
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { Bus } from '../bus/bus.ts';
import { KvMap } from '../bus/kv-map.ts';
import {
  parseQueueKey,
  QUEUES_BUCKET,
  tenantSettings,
  TENANTS_BUCKET,
  type QueueSettings,
  type TenantSettings,
} from '../../server/settings.ts';
import type { QueuePolicy } from '../engine/types.ts';
import { EngineRunner, type TenantConfigSource } from './engine-runner.ts';
import type { EngineThreadData, ToEngineThread, FromEngineThread } from './engine-thread.ts';

const data = workerData as EngineThreadData;
const port = parentPort!;
const log = pino({ level: data.logLevel }).child({ role: data.mode === 'publish' ? 'engine' : 'engine-checkpoint' });
const send = (m: FromEngineThread, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

let nextId = 1;
const pending = new Map<number, { resolve: (v: Uint8Array) => void; reject: (e: Error) => void }>();
function call(m: { type: 'load' } | { type: 'save'; body: Uint8Array }): Promise<Uint8Array> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    if (m.type === 'save') send({ type: 'save', id, body: m.body }, [m.body.buffer as ArrayBuffer]);
    else send({ type: 'load', id });
  });
}

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

const maps: { close(): void }[] = [];
let runner: EngineRunner | null = null;
let bus: Bus | null = null;

port.on('message', (m: ToEngineThread) => {
  if (m.type === 'reply') {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.body ?? new Uint8Array());
  } else if (m.type === 'stop') {
    void (async () => {
      await runner?.stop().catch((err) => log.warn({ err }, 'engine stop failed'));
      for (const m of maps) m.close();
      await bus?.close().catch(() => {});
      send({ type: 'stopped' });
      port.close();
    })();
  }
});

try {
  bus = await Bus.connect(data.natsUrl, log, { duplicateWindowMs: data.duplicateWindowMs });
  const fixed = data.fixedNow;
  runner = new EngineRunner({
    bus,
    log,
    config: await configSource(bus),
    publish: data.mode === 'publish',
    saveEveryMs: data.mode === 'checkpoint' ? data.saveEveryMs : 0,
    now: fixed === undefined ? undefined : () => fixed,
    store: {
      load: () => call({ type: 'load' }),
      save: async (body) => void (await call({ type: 'save', body })),
    },
  });
  await runner.start();
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'failed', message: (err as Error).message });
}
