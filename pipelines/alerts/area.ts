// The alerts area: its routes, the evaluator (role "engine": it runs next to the KPI
// engine it listens to, and evaluates the rules of the same tenants, those of the
// process's engine partitions) and the notifier (role "notifier").
import type { Area, RoleHandle } from '../../server/runtime.ts';
import type { Services } from '../../server/context.ts';
import { TENANTS_BUCKET, type TenantSettings } from '../../server/settings.ts';
import { alertsRoutes } from '../../server/plugins/alerts.routes.ts';
import { AlertEngine } from './alert-engine.ts';
import { ownsTenant } from '../live/partition.ts';
import { Notifier, type NotifierOptions } from './notifier.ts';
import { TransitionLog } from './transition-log.ts';
import type { LookupAll } from './target-safety.ts';
import type { AlertState } from './evaluator.ts';
import type { Ack, Silence } from './silences.ts';
import { ACKS_BUCKET, RULES_BUCKET, SILENCES_BUCKET, STATE_BUCKET, type Rule } from './rule-schema.ts';

export interface AlertsAreaOptions {
  /** public URL of Floorwatch for links in notifications (default http://<host>:<port>) */
  baseUrl?: string;
  /** notifier tuning (tests shorten ack_wait and backoff) */
  notifier?: Partial<Pick<NotifierOptions, 'timeoutMs' | 'ackWaitMs' | 'baseBackoffMs' | 'maxBackoffMs' | 'maxAttempts' | 'concurrency'>>;
  /** DNS for target checks when rules are saved (tests) */
  lookup?: LookupAll;
}

export function alertsArea(opts: AlertsAreaOptions = {}): Area {
  let engine: AlertEngine | null = null;
  return {
    name: 'alerts',
    routes: alertsRoutes({ engine: () => engine, lookup: opts.lookup }),
    async start(svc: Services): Promise<RoleHandle> {
      const log = svc.log.child({ role: 'alerts' });
      let notifier: Notifier | null = null;
      if (svc.config.roles.has('engine')) {
        engine = new AlertEngine({
          bus: svc.bus,
          log,
          metrics: svc.metrics,
          rules: await svc.kv<Rule>(RULES_BUCKET),
          states: await svc.kv<AlertState>(STATE_BUCKET),
          silences: await svc.kv<Silence>(SILENCES_BUCKET),
          acks: await svc.kv<Ack>(ACKS_BUCKET),
          transitions: new TransitionLog(svc.ch, log),
          baseUrl: opts.baseUrl ?? svc.config.publicUrl ?? `http://${svc.config.host}:${svc.config.port}`,
          owns: ownsTenant(svc.config.enginePartitions),
        });
        await engine.start();
      }
      if (svc.config.roles.has('notifier')) {
        notifier = new Notifier({
          bus: svc.bus,
          log: svc.log.child({ role: 'notifier' }),
          metrics: svc.metrics,
          tenants: await svc.kv<Partial<TenantSettings>>(TENANTS_BUCKET),
          ...opts.notifier,
        });
        await notifier.start();
      }
      return {
        name: 'alerts',
        async stop() {
          await notifier?.stop();
          await engine?.stop();
        },
      };
    },
  };
}
