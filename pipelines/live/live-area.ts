// The live area: the engine role (JetStream → pure engine → cc.kpi.*) and the gateway
// role (KPI cache, /v1/kpis, /v1/live). Either can run alone (--roles).
import type { Area } from '../../server/runtime.ts';
import type { Services } from '../../server/context.ts';
import { kpisRoutes } from '../../server/plugins/kpis.routes.ts';
import {
  parseQueueKey,
  QUEUES_BUCKET,
  tenantSettings,
  TENANTS_BUCKET,
  type QueueSettings,
  type TenantSettings,
} from '../../server/settings.ts';
import type { QueuePolicy, ScopeSnapshot } from '../engine/types.ts';
import { EngineRunner, type TenantConfigSource } from './engine-runner.ts';
import { KpiCache } from './kpi-cache.ts';


async function configSource(svc: Services): Promise<TenantConfigSource> {
  const tenants = await svc.kv<Partial<TenantSettings>>(TENANTS_BUCKET);
  const queues = await svc.kv<Partial<QueueSettings>>(QUEUES_BUCKET);
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

export function liveArea(opts: { now?: () => number; onSnapshot?: (s: ScopeSnapshot) => void } = {}): Area {
  let runner: EngineRunner | null = null;
  let cache: KpiCache | null = null;
  return {
    name: 'live',
    routes: kpisRoutes(() => cache),
    async start(svc) {
      const { config, bus, ch, log } = svc;
      if (config.roles.has('engine')) {
        runner = new EngineRunner({
          bus,
          ch,
          log: log.child({ role: 'engine' }),
          config: await configSource(svc),
          now: opts.now,
          saveEveryMs: config.engineSnapshotMs,
          onSnapshot: opts.onSnapshot,
        });
        await runner.start();
      }
      if (config.roles.has('gateway')) cache = new KpiCache(bus, log.child({ role: 'gateway' }));
      return {
        name: 'live',
        stop: async () => {
          cache?.close();
          await runner?.stop();
        },
      };
    },
  };
}
