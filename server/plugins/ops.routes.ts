// Operations: liveness, readiness (NATS, ClickHouse, migrations), Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../context.ts';
import { ALERTS_STREAM, EVENTS_STREAM } from '../../pipelines/bus/subjects.ts';

/** The durable consumers (stream, name) that each role runs. */
const ROLE_CONSUMERS: Record<string, [string, string][]> = {
  writer: [[EVENTS_STREAM, 'writer'], [EVENTS_STREAM, 'history']],
  notifier: [[ALERTS_STREAM, 'notifier']],
  voc: [[EVENTS_STREAM, 'voc']],
};

export default async function opsRoutes(app: FastifyInstance, { svc }: { svc: Services }) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    checks.nats = svc.bus.isUp ? 'ok' : 'down';
    try {
      const ping = await Promise.race([
        // a query, so that a server refusing our credentials counts as down (its /ping does not ask for them)
        svc.ch.ping({ select: true }),
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

  // What this process is, for a split deployment: its roles, the NATS server and cluster
  // it is on, and how far behind its durable consumers are. 200 while NATS is up (a
  // consumer's lag is information, not a failure), else 503.
  app.get('/health', { schema: { hide: true } }, async (_req, reply) => {
    const roles = [...svc.config.roles];
    const info = svc.bus.isUp ? svc.bus.nc.info : undefined;
    const nats = { server: svc.bus.isUp ? svc.bus.nc.getServer() : null, server_name: info?.server_name ?? null, cluster: info?.cluster ?? null, replicas: svc.bus.replicas };
    const consumers: Record<string, { pending: number; ack_pending: number; redelivered: number } | 'missing' | 'unknown'> = {};
    for (const [stream, d] of roles.flatMap((r) => ROLE_CONSUMERS[r] ?? [])) {
      if (!svc.bus.isUp) {
        consumers[d] = 'unknown';
        continue;
      }
      try {
        const c = await svc.bus.jsm.consumers.info(stream, d);
        consumers[d] = { pending: c.num_pending, ack_pending: c.num_ack_pending, redelivered: c.num_redelivered };
      } catch {
        consumers[d] = 'missing';
      }
    }
    // roles with more to say: the engine's partitions, stream position and consumer
    const extra: Record<string, unknown> = {};
    for (const [name, fn] of svc.status) extra[name] = await fn().catch(() => null);
    // one word for a monitor: NATS up, every durable consumer there, every role's own consumer following
    const healthy = svc.bus.isUp && Object.values(consumers).every((c) => typeof c === 'object') &&
      Object.values(extra).every((x) => (x as { consumer?: string } | null)?.consumer === 'ok');
    if (!svc.bus.isUp) reply.header('Retry-After', '2');
    return reply.code(svc.bus.isUp ? 200 : 503).send({ status: svc.bus.isUp ? 'ok' : 'nats_down', healthy, roles, nats, consumers, ...extra });
  });

  const up = svc.metrics.gauge('fw_nats_connected', '1 while the NATS connection is up');
  up.set(() => (svc.bus.isUp ? 1 : 0));
  const role = svc.metrics.gauge('fw_role', 'the roles this process runs (1)');
  for (const r of svc.config.roles) role.set(1, { role: r });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.type('text/plain; version=0.0.4');
    return svc.metrics.renderAll();
  });
}
