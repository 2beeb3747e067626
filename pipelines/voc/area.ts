// The VoC area: the feedback routes and the role behind them. Every process that loads
// the area keeps the in-memory view (so any node answers the inbox); only processes
// with the "voc" role consume feedback events and publish the live KPIs.
import type { Area, RoleHandle } from '../../server/runtime.ts';
import type { Services } from '../../server/context.ts';
import { TENANTS_BUCKET, type TenantSettings } from '../../server/settings.ts';
import { feedbackRoutes } from '../../server/plugins/feedback.routes.ts';
import { VOC_RULES_BUCKET, VocRole, type VocRoleOptions, type VocRules } from './voc-role.ts';

export type VocAreaOptions = Partial<Pick<VocRoleOptions, 'now' | 'memoryDays' | 'tickMs' | 'heartbeatMs' | 'durable'>>;

export function vocArea(opts: VocAreaOptions = {}): Area {
  let role: VocRole | null = null;
  return {
    name: 'voc',
    routes: feedbackRoutes({ role: () => role }),
    async start(svc: Services): Promise<RoleHandle> {
      role = new VocRole({
        bus: svc.bus,
        ch: svc.ch,
        log: svc.log.child({ role: 'voc' }),
        metrics: svc.metrics,
        rules: await svc.kv<VocRules>(VOC_RULES_BUCKET),
        tenants: await svc.kv<Partial<TenantSettings>>(TENANTS_BUCKET),
        consume: svc.config.roles.has('voc'),
        ...opts,
      });
      await role.start();
      const r = role;
      return { name: 'voc', stop: () => r.stop() };
    },
  };
}
