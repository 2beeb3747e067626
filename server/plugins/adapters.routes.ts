// Adapter rejects: records a platform adapter could not map (a malformed queue_log line,
// an unknown event type) are kept with their reason instead of failing the batch. They go
// to the dead-letter stream, one subject per tenant and source, and are counted in
// /metrics, so a PBX-side adapter's problems show where the operator already looks.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { DeliverPolicy } from '@nats-io/jetstream';
import { DLQ_STREAM } from '../../pipelines/bus/subjects.ts';
import { requireScope, tenantOf, type Services } from '../context.ts';
import { unavailable } from '../errors.ts';

export const SOURCE_RE = '^[a-z][a-z0-9_-]{0,31}$';
export const adapterRejectSubject = (tenant: string, source: string) => `cc.dlq.${tenant}.adapter.${source}`;

const Reject = Type.Object(
  {
    line: Type.Optional(Type.Integer({ minimum: 0 })),
    reason: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'a short code: bad_field_count, bad_time, unknown_event, unmappable …' }),
    detail: Type.Optional(Type.String({ maxLength: 1024 })),
    record: Type.String({ maxLength: 8192, description: 'the raw record as the platform wrote it' }),
    id: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);
const RejectsBody = Type.Object(
  { records: Type.Array(Reject, { minItems: 1, maxItems: 10_000 }) },
  { additionalProperties: false },
);
export type AdapterReject = Static<typeof Reject>;

/** Stores rejects in CC_DLQ and counts them; used by the HTTP route and in-process adapters. */
export function adapterRejects(svc: Services) {
  const counter = svc.metrics.counter('fw_adapter_records_rejected_total', 'adapter records that could not be mapped, by source and reason');
  return async (tenant: string, source: string, records: AdapterReject[]): Promise<number> => {
    if (!svc.bus.isUp) throw unavailable('the event bus is unavailable; nothing was stored, retry later', 2);
    const subject = adapterRejectSubject(tenant, source);
    const receivedAt = new Date().toISOString();
    try {
      await Promise.all(
        records.map((r) =>
          svc.bus.js.publish(subject, JSON.stringify({ tenant, source, ...r, received_at: receivedAt }), { timeout: 5_000 }),
        ),
      );
    } catch {
      throw unavailable('the dead-letter stream did not acknowledge the rejects; retry later', 2);
    }
    for (const r of records) counter.inc({ source, reason: r.reason });
    return records.length;
  };
}

export default async function adaptersRoutes(app: FastifyInstance, { svc }: { svc: Services }) {
  const store = adapterRejects(svc);

  app.post<{ Params: { source: string }; Body: Static<typeof RejectsBody> }>(
    '/adapters/:source/rejects',
    {
      onRequest: requireScope('ingest'),
      schema: {
        summary: 'Report records an adapter could not map',
        description: 'Each record is kept in the dead-letter stream with its reason and counted in fw_adapter_records_rejected_total.',
        tags: ['adapters'],
        params: Type.Object({ source: Type.String({ pattern: SOURCE_RE }) }),
        body: RejectsBody,
        response: { 202: Type.Object({ stored: Type.Integer() }) },
      },
    },
    async (req, reply) => {
      const stored = await store(tenantOf(req), req.params.source, req.body.records);
      return reply.code(202).send({ stored });
    },
  );

  app.get<{ Querystring: { source?: string; limit?: number; hours?: number } }>(
    '/adapters/rejects',
    {
      onRequest: requireScope('read'),
      schema: {
        summary: "The tenant's most recent adapter rejects, newest first",
        tags: ['adapters'],
        querystring: Type.Object({
          source: Type.Optional(Type.String({ pattern: SOURCE_RE })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720, default: 24 })),
        }),
      },
    },
    async (req) => {
      const tenant = tenantOf(req);
      const { source, limit = 100, hours = 24 } = req.query;
      if (!svc.bus.isUp) throw unavailable('the event bus is unavailable, retry later', 2);
      const filter = source ? adapterRejectSubject(tenant, source) : `cc.dlq.${tenant}.adapter.>`;
      const info = await svc.bus.jsm.streams.info(DLQ_STREAM, { subjects_filter: filter });
      const pending = Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
      if (pending === 0) return { rejects: [] };
      const consumer = await svc.bus.js.consumers.get(DLQ_STREAM, {
        filter_subjects: filter,
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: new Date(Date.now() - hours * 3_600_000).toISOString(),
      });
      // Read the window through, keeping only the newest `limit` (bounded memory).
      const ring: unknown[] = [];
      const iter = await consumer.fetch({ max_messages: Math.min(pending, 50_000), expires: 2_000 });
      for await (const m of iter) {
        ring.push(m.json());
        if (ring.length > limit) ring.shift();
        if (m.info.pending === 0) break;
      }
      return { rejects: ring.reverse() };
    },
  );
}
