// Starts the parts of one Floorwatch process in order (NATS, ClickHouse, migrations,
// config, roles) and stops them in the reverse order DESIGN asks for: stop taking
// requests, drain consumers, flush writers, close NATS and ClickHouse.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { Bus } from '../pipelines/bus/bus.ts';
import { KvMap } from '../pipelines/bus/kv-map.ts';
import { withLock } from '../pipelines/bus/lock.ts';
import { startNatsServer, type PrivateNats } from '../pipelines/bus/nats-server.ts';
import { startRoleThread, type RoleThread } from './threads/host.ts';
import { openClickHouse, migrate } from './db/clickhouse.ts';
import { BOOTSTRAP_TENANT, KeyStore, type KeyRecord } from './auth/keys.ts';
import { Registry } from './metrics.ts';
import { buildApp } from './app.ts';
import type { Services } from './context.ts';

/** A role started by the runtime: something with a stop() called at shutdown. */
export interface RoleHandle {
  name: string;
  stop(): Promise<void>;
}

/** Extension point: later areas (engine, gateway, alerts …) plug in here. */
export interface Area {
  name: string;
  /** HTTP routes under /v1 */
  routes?: FastifyPluginAsync<{ svc: Services }>;
  /** background roles to start (after migrations), given the services */
  start?: (svc: Services) => Promise<RoleHandle | void>;
}

export interface Runtime {
  svc: Services;
  app: FastifyInstance;
  nats: PrivateNats | null;
  writer: RoleThread | null;
  /** the admin key created on first start (shown once), if any */
  bootstrapKey: string | null;
  close(): Promise<void>;
}

export async function startRuntime(config: Config, log: Logger, areas: Area[] = []): Promise<Runtime> {
  const metrics = new Registry();
  // This thread's event loop answers HTTP and WebSockets and serves the role threads'
  // ClickHouse calls: a long task here delays all of them.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const ld = metrics.gauge('fw_event_loop_delay_ms', 'event loop delay over the last minute (p50, p99, max)');
  ld.set(() => loopDelay.percentile(50) / 1e6, { quantile: '0.5' });
  ld.set(() => loopDelay.percentile(99) / 1e6, { quantile: '0.99' });
  ld.set(() => loopDelay.max / 1e6, { quantile: '1' });
  const resetDelay = setInterval(() => loopDelay.reset(), 60_000);
  resetDelay.unref();
  let nats: PrivateNats | null = null;
  let natsUrl = config.natsUrl;
  if (!natsUrl) {
    nats = await startNatsServer({ storeDir: path.join(config.dataDir, 'nats') });
    natsUrl = nats.url;
    // Tools such as `npm run keys` find the private server of a running Floorwatch here.
    fs.writeFileSync(path.join(config.dataDir, 'nats.url'), natsUrl);
    log.info({ url: natsUrl }, 'private nats-server started');
  }
  const bus = await Bus.connect(natsUrl, log, { duplicateWindowMs: config.natsDuplicateWindowMs, replicas: config.natsReplicas });
  const ch = await openClickHouse(config);
  // The processes of a split deployment share the server and start together: two running
  // the migrations at once race (one drops the table the other fills), so they take turns.
  const migrations = () => migrate(ch, { eventsTtlDays: config.eventsTtlDays });
  await (config.clickhouse ? withLock(bus, 'clickhouse-migrations', log, migrations) : migrations());
  let migrated = true;

  const kvMaps = new Map<string, Promise<KvMap<unknown>>>();
  const kv = <T>(bucket: string) => {
    let m = kvMaps.get(bucket);
    if (!m) kvMaps.set(bucket, (m = KvMap.open<unknown>(bus, bucket)));
    return m as Promise<KvMap<T>>;
  };
  const keys = new KeyStore(await kv<KeyRecord>('fw_keys'), config.adminKey);
  const svc: Services = { config, log, metrics, bus, ch, keys, kv, ready: () => migrated, status: new Map() };

  let bootstrapKey: string | null = null;
  if (!keys.hasAdmin(BOOTSTRAP_TENANT)) {
    bootstrapKey = (await keys.create(BOOTSTRAP_TENANT, ['ingest', 'read', 'admin'], 'bootstrap admin')).key;
  }
  const secrets = await kv<string>('fw_secrets');
  let sessionSecret = secrets.get('session');
  if (!sessionSecret) {
    sessionSecret = crypto.randomBytes(32).toString('base64url');
    await secrets.put('session', sessionSecret);
  }

  const roles: RoleHandle[] = [];
  // The writer parses and serialises every event: it gets its own thread.
  const writer = config.roles.has('writer') ? await startRoleThread('writer', svc) : null;
  for (const a of areas) {
    const h = await a.start?.(svc);
    if (h) roles.push(h);
  }

  const app = await buildApp({
    svc,
    sessionSecret,
    plugins: areas.flatMap((a) => (a.routes ? [a.routes] : [])),
  });

  let closed = false;
  return {
    svc,
    app,
    nats,
    writer,
    bootstrapKey,
    async close() {
      if (closed) return;
      closed = true;
      await app.close().catch((err) => log.warn({ err }, 'closing HTTP failed'));
      for (const r of roles.reverse()) await r.stop().catch((err) => log.warn({ err, role: r.name }, 'stop failed'));
      await writer?.stop().catch((err) => log.warn({ err }, 'writer stop failed'));
      for (const m of kvMaps.values()) (await m.catch(() => null))?.close();
      await bus.close().catch(() => {});
      await ch.close().catch(() => {});
      await nats?.stop();
      migrated = false;
      clearInterval(resetDelay);
      loopDelay.disable();
    },
  };
}
