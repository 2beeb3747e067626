// The live area: the engine role (JetStream → pure engine → cc.kpi.*, in role threads:
// server/threads/) and the gateway role (KPI cache, /v1/kpis, /v1/live).
// Either can run alone (--roles).
import type { Area } from '../../server/runtime.ts';
import { kpisRoutes } from '../../server/plugins/kpis.routes.ts';
import { startRoleThread, type RoleThread } from '../../server/threads/host.ts';
import { KpiCache } from './kpi-cache.ts';

export function liveArea(opts: { fixedNow?: number } = {}): Area {
  const threads: RoleThread[] = [];
  let cache: KpiCache | null = null;
  return {
    name: 'live',
    routes: kpisRoutes(() => cache),
    async start(svc) {
      const { config, bus, log } = svc;
      if (config.roles.has('engine')) {
        // Two engines fed by the same stream, each in its own thread: one publishes and
        // never saves, the other only saves, so serialising a large state (seconds at
        // 300k open contacts) never holds up the numbers on the walls.
        try {
          threads.push(await startRoleThread('engine', svc, { fixedNow: opts.fixedNow }));
          threads.push(await startRoleThread('engine-checkpoint', svc, { fixedNow: opts.fixedNow }));
          const publisher = threads[0];
          svc.status.set('engine', () => publisher.status());
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
