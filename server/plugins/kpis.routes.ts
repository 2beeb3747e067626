// GET /v1/kpis, /v1/kpis/scopes, /v1/kpis/series and the /v1/live WebSocket: everything a
// wall reads, served from the node's KPI cache (fed by the engine over NATS).
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { requireScope, tenantOf, type Services } from '../context.ts';
import { Errors } from '../errors.ts';
import { WINDOWS, type ScopeInfo, type Window } from '../../pipelines/engine/types.ts';
import { SERIES_METRICS, type KpiCache } from '../../pipelines/live/kpi-cache.ts';
import { LiveSession } from '../../pipelines/live/live-session.ts';
import { QUEUES_BUCKET, parseQueueKey, type QueueSettings } from '../settings.ts';

const ScopeParam = Type.String({
  pattern: '^(all|(queue|channel|team|agent):.{1,128})$',
  description: 'all, queue:<id>, channel:<id>, team:<id> or agent:<id>',
});
const WindowParam = Type.Union(WINDOWS.map((w) => Type.Literal(w)), { description: '15m, 1h or today' });
const KpisQuery = Type.Object({ scope: ScopeParam, window: WindowParam }, { additionalProperties: false });
const SeriesQuery = Type.Object(
  {
    scope: ScopeParam,
    window: WindowParam,
    metric: Type.Union(SERIES_METRICS.map((m) => Type.Literal(m))),
    minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 30, default: 30 })),
  },
  { additionalProperties: false },
);

export function kpisRoutes(cache: () => KpiCache | null) {
  return async function routes(app: FastifyInstance, { svc }: { svc: Services }) {
    const queues = await svc.kv<Partial<QueueSettings>>(QUEUES_BUCKET);
    const sessions = new Set<LiveSession>();
    svc.metrics.gauge('fw_live_sockets', 'open /v1/live sockets on this node').set(() => sessions.size);
    svc.metrics
      .gauge('fw_live_buffered_bytes', 'bytes queued in this node for live sockets (socket buffers + coalesced)')
      .set(() => [...sessions].reduce((n, s) => n + s.bufferedBytes, 0));
    svc.metrics
      .gauge('fw_live_coalesced_total', 'live values replaced by a newer one before a slow socket took them')
      .set(() => coalesced + [...sessions].reduce((n, s) => n + s.dropped, 0));
    let coalesced = 0;
    const tenantKpis = async (tenant: string) => {
      const c = cache();
      if (!c) throw new Errors.Unavailable('this node does not run the gateway role');
      return c.tenant(tenant);
    };

    app.get<{ Querystring: Static<typeof KpisQuery> }>(
      '/kpis',
      { onRequest: requireScope('read'), schema: { tags: ['kpis'], querystring: KpisQuery } },
      async (req) => {
        const tk = await tenantKpis(tenantOf(req));
        const r = tk.metrics(req.query.scope, req.query.window as Window);
        if (!r) throw new Errors.NotFound(`no data for scope "${req.query.scope}" yet (GET /v1/kpis/scopes lists the scopes)`);
        return { scope: req.query.scope, window: req.query.window, at: new Date(r.at).toISOString(), metrics: r.metrics };
      },
    );

    app.get('/kpis/scopes', { onRequest: requireScope('read'), schema: { tags: ['kpis'] } }, async (req) => {
      const tenant = tenantOf(req);
      const tk = await tenantKpis(tenant);
      const names = new Map<string, string>();
      for (const [k, v] of queues.entries(`${tenant}.`)) if (v.name) names.set(`queue:${parseQueueKey(k).queue}`, v.name);
      const all = tk.latest.get('all');
      for (const a of all?.agents ?? []) if (a.name) names.set(`agent:${a.agent_id}`, a.name);
      const scopes: ScopeInfo[] = [...tk.latest.keys()].sort().map((scope) => {
        const i = scope.indexOf(':');
        const kind = (i < 0 ? scope : scope.slice(0, i)) as ScopeInfo['kind'];
        return { scope, kind, id: i < 0 ? null : scope.slice(i + 1), name: names.get(scope) ?? null };
      });
      return { scopes };
    });

    app.get<{ Querystring: Static<typeof SeriesQuery> }>(
      '/kpis/series',
      { onRequest: requireScope('read'), schema: { tags: ['kpis'], querystring: SeriesQuery } },
      async (req) => {
        const tk = await tenantKpis(tenantOf(req));
        const since = Date.now() - (req.query.minutes ?? 30) * 60_000;
        const points = tk.seriesPoints(req.query.scope, req.query.window as Window, req.query.metric, since);
        return { points: points.map((p) => ({ at: new Date(p.at).toISOString(), value: p.value })) };
      },
    );

    app.get('/live', { onRequest: requireScope('read'), websocket: true, schema: { hide: true } }, async (socket, req) => {
      // Subscribe before any await so no client message is lost while the cache opens.
      const early: string[] = [];
      const hold = (d: unknown) => early.push(String(d));
      socket.on('message', hold);
      try {
        const tk = await tenantKpis(tenantOf(req));
        socket.off('message', hold);
        const session = new LiveSession(socket, tk);
        sessions.add(session);
        socket.on('close', () => {
          sessions.delete(session);
          coalesced += session.dropped;
        });
        for (const m of early) socket.emit('message', m);
      } catch {
        socket.close(1011, 'the live feed is unavailable');
      }
    });
  };
}
