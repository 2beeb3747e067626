// Operations: liveness, readiness (NATS, ClickHouse, migrations), Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../context.ts';

export default async function opsRoutes(app: FastifyInstance, { svc }: { svc: Services }) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    checks.nats = svc.bus.isUp ? 'ok' : 'down';
    try {
      const ping = await Promise.race([
        svc.ch.ping(),
        new Promise<{ success: false }>((r) => setTimeout(() => r({ success: false }), 2_000)),
      ]);
      checks.clickhouse = ping.success ? 'ok' : 'down';
    } catch {
      checks.clickhouse = 'down';
    }
    checks.migrations = svc.ready() ? 'ok' : 'pending';
    const ok = Object.values(checks).every((v) => v === 'ok');
    if (!ok) reply.header('Retry-After', '2');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks });
  });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.type('text/plain; version=0.0.4');
    return svc.metrics.renderAll();
  });
}
