// The history area: its routes and its background consumer, for server/areas.ts.
import type { Area } from '../runtime.ts';
import historyRoutes from '../plugins/history.routes.ts';
import { startRoleThread } from '../threads/host.ts';
import { applyHistoryTtl, startCompactor } from './compact.ts';

export interface HistoryOptions {
  /** keep history facts this many days (0 = forever) */
  factsTtlDays?: number;
  /** start the consumer that maintains the facts (default true) */
  consumer?: boolean;
  /** the clock ("now" clips open agent states); tests pin it */
  now?: () => number;
}

export function historyArea(opts: HistoryOptions = {}): Area {
  return {
    name: 'history',
    routes: async (app, o) => historyRoutes(app, { ...o, now: opts.now }),
    async start(svc) {
      const ttl = Math.floor(opts.factsTtlDays ?? svc.config.historyTtlDays);
      if (ttl > 0) await applyHistoryTtl(svc.ch, ttl); // a setting, not a migration: it may change between starts
      if (opts.consumer === false || !svc.config.roles.has('writer')) return;
      // In its own thread: it parses every contact event and rebuilds facts per batch.
      const c = await startRoleThread('history', svc);
      // Where the facts are written, their settled days are merged and rolled up (compact.ts).
      const compactor = startCompactor(svc.ch, svc.log);
      return {
        name: 'history',
        stop: async () => {
          await c.stop();
          await compactor.stop();
        },
      };
    },
  };
}
