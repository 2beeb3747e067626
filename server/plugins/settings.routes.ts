// /v1/tenant and /v1/queues/:id: the tenant's time zone and each queue's policy.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { requireScope, tenantOf, type Services } from '../context.ts';
import { badRequest } from '../errors.ts';
import {
  parseQueueKey,
  queueKey,
  queueSettings,
  QUEUES_BUCKET,
  tenantSettings,
  TENANTS_BUCKET,
  validTimeZone,
  type QueueSettings,
  type TenantSettings,
} from '../settings.ts';

const TenantBody = Type.Object(
  {
    name: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
    time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    allow_private_webhooks: Type.Optional(Type.Boolean()),
    voc_follow_up_hours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 8760 })),
  },
  { additionalProperties: false },
);

const QueueBody = Type.Object(
  {
    name: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
    sl_threshold_s: Type.Optional(Type.Number({ minimum: 0, maximum: 86400 })),
    sl_target: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    short_abandon_s: Type.Optional(Type.Number({ minimum: 0, maximum: 3600 })),
    first_response_sla_s: Type.Optional(Type.Number({ minimum: 1, maximum: 31_536_000 })),
  },
  { additionalProperties: false },
);

export default async function settingsRoutes(app: FastifyInstance, { svc }: { svc: Services }) {
  const tenants = await svc.kv<Partial<TenantSettings>>(TENANTS_BUCKET);
  const queues = await svc.kv<Partial<QueueSettings>>(QUEUES_BUCKET);

  app.get('/tenant', { onRequest: requireScope('read'), schema: { tags: ['config'] } }, async (req) => ({
    id: tenantOf(req),
    ...tenantSettings(tenants, tenantOf(req)),
  }));

  app.put<{ Body: Static<typeof TenantBody> }>(
    '/tenant',
    { onRequest: requireScope('admin'), schema: { tags: ['config'], body: TenantBody } },
    async (req) => {
      const t = tenantOf(req);
      if (req.body.time_zone !== undefined && !validTimeZone(req.body.time_zone))
        throw badRequest(`time_zone: "${req.body.time_zone}" is not an IANA time zone (e.g. Europe/Rome)`, [
          { field: 'time_zone', reason: 'unknown time zone' },
        ]);
      const next = { ...tenantSettings(tenants, t), ...req.body };
      await tenants.put(t, next);
      return { id: t, ...next };
    },
  );

  app.get('/queues', { onRequest: requireScope('read'), schema: { tags: ['config'] } }, async (req) => {
    const t = tenantOf(req);
    return {
      items: [...queues.entries(`${t}.`)].map(([k]) => {
        const id = parseQueueKey(k).queue;
        return { id, ...queueSettings(queues, t, id) };
      }),
    };
  });

  app.get<{ Params: { id: string } }>(
    '/queues/:id',
    { onRequest: requireScope('read'), schema: { tags: ['config'] } },
    async (req) => ({ id: req.params.id, ...queueSettings(queues, tenantOf(req), req.params.id) }),
  );

  app.put<{ Params: { id: string }; Body: Static<typeof QueueBody> }>(
    '/queues/:id',
    { onRequest: requireScope('admin'), schema: { tags: ['config'], body: QueueBody } },
    async (req) => {
      const t = tenantOf(req);
      if (req.params.id.length > 128) throw badRequest('id: at most 128 characters');
      const next = { ...queueSettings(queues, t, req.params.id), ...req.body };
      await queues.put(queueKey(t, req.params.id), next);
      return { id: req.params.id, ...next };
    },
  );
}
