// The live area: the engine role (JetStream → pure engine → cc.kpi.*, in its own
// threads: engine-thread.ts) and the gateway role (KPI cache, /v1/kpis, /v1/live).
// Either can run alone (--roles).
import type { Area } from '../../server/runtime.ts';
import { kpisRoutes } from '../../server/plugins/kpis.routes.ts';
import { EngineThread } from './engine-thread.ts';
import { KpiCache } from './kpi-cache.ts';

export function liveArea(opts: { fixedNow?: number } = {}): Area {
  const threads: EngineThread[] = [];
  let cache: KpiCache | null = null;
  return {
    name: 'live',
    routes: kpisRoutes(() => cache),
    async start(svc) {
      const { config, bus, ch, log } = svc;
      if (config.roles.has('engine')) {
        const data = {
          natsUrl: bus.url,
          logLevel: config.logLevel,
          duplicateWindowMs: config.natsDuplicateWindowMs,
          saveEveryMs: config.engineSnapshotMs,
          fixedNow: opts.fixedNow,
        };
        const l = log.child({ role: 'engine' });
        try {
          threads.push(await EngineThread.start({ ...data, mode: 'publish' }, ch, l));
          threads.push(await EngineThread.start({ ...data, mode: 'checkpoint' }, ch, l));
        } catch (err) {
          await Promise.all(threads.map((t) => t.stop()));
          throw err;
        }
      }
      if (config.roles.has('gateway')) cache = new KpiCache(bus, log.child({ role: 'gateway' }));
      return {
        name: 'live',
        stop: async () => {
          cache?.close();
          await Promise.all(threads.map((t) => t.stop()));
        },
      };
    },
  };
}
