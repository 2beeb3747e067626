// The history area: its routes and its background consumer, for server/areas.ts.
import type { Area } from '../runtime.ts';
import historyRoutes from '../plugins/history.routes.ts';
import { startRoleThread } from '../threads/host.ts';
import { startCompactor } from './compact.ts';

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
      if (ttl > 0) {
        // A setting, not a migration: it may change between starts.
        await svc.ch.command({ query: `ALTER TABLE hist_contact_facts MODIFY TTL toDateTime(time) + toIntervalDay(${ttl})` });
        await svc.ch.command({ query: `ALTER TABLE hist_agent_states MODIFY TTL toDateTime(end) + toIntervalDay(${ttl})` });
        // An hour later than the facts of its hour: the facts' TTL changes their part
        // first, so a day is never read from rollup rows its facts no longer have.
        await svc.ch.command({ query: `ALTER TABLE hist_queue_hourly MODIFY TTL hour + toIntervalDay(${ttl}) + toIntervalHour(1)` });
      }
      if (opts.consumer === false || !svc.config.roles.has('writer')) return;
      // In its own thread: it parses every contact event and rebuilds facts per batch.
      const c = await startRoleThread('history', svc);
      // Where the facts are written, their settled days are merged (compact.ts).
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
