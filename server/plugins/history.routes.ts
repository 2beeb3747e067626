// GET /v1/history (KPIs per bucket and group, JSON or CSV), GET /v1/contacts (segments,
// filtered, cursor-paged) and GET /v1/contacts/:id (every event of one contact).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { requireScope, tenantOf, type Services } from '../context.ts';
import { Errors } from '../errors.ts';
import { QUEUES_BUCKET, TENANTS_BUCKET, parseQueueKey, queueSettings, tenantSettings, type QueueSettings, type TenantSettings } from '../settings.ts';
import { DEFAULT_POLICY } from '../../pipelines/engine/types.ts';
import { parseHistoryQuery, type Query } from '../history/params.ts';
import { historyBody, historyColumns, type QueuePolicies } from '../history/history-query.ts';
import { contactTimeline, listContacts } from '../history/contacts-query.ts';
import { parseStaffingQuery, staffingRows } from '../history/staffing-query.ts';

const S = Type.Optional(Type.String());
const HistoryQs = Type.Object(
  {
    metrics: Type.Optional(Type.String({ description: 'required: comma-separated windowed KPIs of kpis.md, e.g. service_level,asa_s' })),
    from: Type.Optional(Type.String({ description: 'required: RFC 3339 start (inclusive)' })),
    to: Type.Optional(Type.String({ description: 'RFC 3339 end (exclusive); default now' })),
    interval: Type.Optional(Type.String({ description: '15m, 1h (default), 1d or 1w' })),
    group_by: Type.Optional(Type.String({ description: 'queue, channel, team or agent' })),
    queue: S, channel: S, team: S, agent: S,
    tz: Type.Optional(Type.String({ description: 'IANA time zone of the buckets; default the tenant time zone' })),
    format: Type.Optional(Type.String({ description: 'json (default: rows), csv (Accept: text/csv also gives CSV) or columns (for charts: `buckets` once and one series per group, each metric an array aligned to the buckets, null where the group had no data)' })),
  },
  { additionalProperties: true },
);
const ContactsQs = Type.Object(
  {
    queue: S, channel: S, team: S, agent: S,
    outcome: Type.Optional(Type.String({ description: 'answered, abandoned, transferred or waiting (comma-separated)' })),
    wait_min: S, wait_max: S, from: S, to: S, ended_from: S, ended_to: S,
    score_min: S, score_max: S, survey: S, limit: S, cursor: S,
  },
  { additionalProperties: true },
);

export default async function historyRoutes(app: FastifyInstance, { svc, now: clock }: { svc: Services; now?: () => number }) {
  const nowMs = clock ?? Date.now;
  const tenants = await svc.kv<Partial<TenantSettings>>(TENANTS_BUCKET);
  const queues = await svc.kv<Partial<QueueSettings>>(QUEUES_BUCKET);

  // Service level uses each queue's current policy for the whole range (see README of history).
  const policies = (tenant: string): QueuePolicies => {
    const ids = [...queues.entries(`${tenant}.`)].map(([k]) => parseQueueKey(k).queue);
    const ps = ids.map((q) => queueSettings(queues, tenant, q));
    return {
      queues: ids,
      slMs: ps.map((p) => Math.round(p.sl_threshold_s * 1000)),
      shortMs: ps.map((p) => Math.round(p.short_abandon_s * 1000)),
      defaultSlMs: DEFAULT_POLICY.sl_threshold_s * 1000,
      defaultShortMs: DEFAULT_POLICY.short_abandon_s * 1000,
    };
  };

  app.get(
    '/history',
    { onRequest: requireScope('read'), schema: { tags: ['history'], summary: 'KPIs per time bucket and group', querystring: HistoryQs } },
    async (req, reply) => {
      const tenant = tenantOf(req);
      const now = nowMs();
      const h = parseHistoryQuery(req.query as Query, { tz: tenantSettings(tenants, tenant).time_zone, now });
      if (h.format === 'columns')
        return reply.type('application/json; charset=utf-8').send(await historyColumns(svc.ch, { tenant, ...h, policies: policies(tenant), now }));
      const csv = h.format === 'csv' || (!(req.query as Query).format && /\btext\/csv\b/.test(req.headers.accept ?? ''));
      const body = await historyBody(svc.ch, { tenant, ...h, policies: policies(tenant), now }, csv ? 'csv' : 'json');
      if (csv) {
        reply.header('content-disposition', `attachment; filename="history-${h.interval}.csv"`);
        return reply.type('text/csv; charset=utf-8').send(body);
      }
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.get(
    '/history/staffing',
    {
      onRequest: requireScope('read'),
      schema: {
        tags: ['history'],
        summary: 'Agents required (Erlang C, kpis.md "Staffing") against agents present, per 15-minute interval of one queue',
        querystring: Type.Object(
          {
            queue: Type.Optional(Type.String({ description: 'required: the queue id' })),
            from: Type.Optional(Type.String({ description: 'required: RFC 3339 start (inclusive)' })),
            to: Type.Optional(Type.String({ description: 'RFC 3339 end (exclusive); default now' })),
            tz: Type.Optional(Type.String({ description: 'IANA time zone of the buckets; default the tenant time zone' })),
          },
          { additionalProperties: true },
        ),
      },
    },
    async (req) => {
      const tenant = tenantOf(req);
      const now = nowMs();
      const q = parseStaffingQuery(req.query as Query, { tz: tenantSettings(tenants, tenant).time_zone, now });
      const policy = queueSettings(queues, tenant, q.queue);
      const rows = await staffingRows(svc.ch, { ...q, tenant, now, policy });
      return { interval: '15m', tz: q.tz, queue: q.queue, sl_target: policy.sl_target, sl_threshold_s: policy.sl_threshold_s, rows };
    },
  );

  app.get(
    '/contacts',
    { onRequest: requireScope('read'), schema: { tags: ['history'], summary: 'Contacts (one item per queue segment), newest first', querystring: ContactsQs } },
    async (req) => listContacts(svc.ch, tenantOf(req), req.query as Query, nowMs()),
  );

  app.get<{ Params: { id: string } }>(
    '/contacts/:id',
    { onRequest: requireScope('read'), schema: { tags: ['history'], summary: 'Every event of one contact, in time order' } },
    async (req) => {
      const t = await contactTimeline(svc.ch, tenantOf(req), req.params.id);
      if (!t) throw new Errors.NotFound(`no contact "${req.params.id}"`);
      return t;
    },
  );
}
