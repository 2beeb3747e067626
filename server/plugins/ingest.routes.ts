// POST /v1/events: one event, a JSON array or NDJSON. 202 only after JetStream acked
// every accepted event; 207 lists the rejected ones; 503 when the bus is down.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AnyEvent, type BusEvent } from '../../pipelines/events/schema.ts';
import { requireScope, tenantOf, type Services } from '../context.ts';
import { badRequest, Errors, rateLimited, unavailable } from '../errors.ts';
import { validateEvent, type Rejection } from '../ingest/validate.ts';
import { eventPublisher } from '../ingest/accept.ts';
import { TokenBuckets } from '../ingest/rate-limit.ts';

const NDJSON_ERROR = Symbol('ndjson-error');

export default async function ingestRoutes(app: FastifyInstance, { svc }: { svc: Services }) {
  const { config, bus, metrics } = svc;
  const rejected = metrics.counter('fw_events_rejected_total', 'events rejected, by reason');
  const publish = eventPublisher(svc);
  const buckets = config.rateLimitPerKey > 0 ? new TokenBuckets(config.rateLimitPerKey) : null;

  app.addContentTypeParser(
    ['application/x-ndjson', 'application/ndjson'],
    { parseAs: 'string', bodyLimit: config.maxBodyBytes },
    (_req, body, done) => {
      const items: unknown[] = [];
      for (const line of (body as string).split('\n')) {
        if (!line.trim()) continue;
        try {
          items.push(JSON.parse(line));
        } catch (err) {
          items.push({ [NDJSON_ERROR]: `invalid JSON: ${(err as Error).message}` });
        }
      }
      done(null, items);
    },
  );

  app.post(
    '/events',
    {
      bodyLimit: config.maxBodyBytes,
      onRequest: requireScope('ingest'),
      schema: {
        summary: 'Post contact-center events',
        description: 'One event, a JSON array of events, or NDJSON (application/x-ndjson). At most 10,000 events or 5 MiB.',
        tags: ['ingestion'],
        body: Type.Union([AnyEvent, Type.Array(AnyEvent)]),
        response: {
          202: Type.Object({ accepted: Type.Integer() }),
          207: Type.Object({
            accepted: Type.Integer(),
            rejected: Type.Array(
              Type.Object({ index: Type.Integer(), id: Type.Optional(Type.String()), errors: Type.Array(Type.String()) }),
            ),
          }),
        },
      },
      // The schema above documents the route; events are validated one by one below so
      // that one bad event does not reject the others (207).
      validatorCompiler: () => () => true,
    },
    async (req, reply) => {
      const tenant = tenantOf(req);
      const body = req.body;
      const items = Array.isArray(body) ? body : [body];
      if (items.length === 0) throw badRequest('the request holds no events', []);
      if (items.length > config.maxEventsPerRequest) {
        rejected.inc({ reason: 'too_large' }, items.length);
        throw new Errors.TooLarge(`at most ${config.maxEventsPerRequest} events per request (got ${items.length})`);
      }
      if (buckets) {
        const wait = buckets.take(req.principal!.keyId, items.length);
        if (wait > 0) {
          rejected.inc({ reason: 'rate_limited' }, items.length);
          throw rateLimited(`rate limit of ${config.rateLimitPerKey} events/s exceeded for this key`, Math.ceil(wait));
        }
      }
      if (!bus.isUp) throw unavailable('the event bus is unavailable; nothing was accepted, retry later', 2);

      const now = Date.now();
      const good: BusEvent[] = [];
      const bad: Rejection[] = [];
      items.forEach((raw, index) => {
        const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : undefined;
        const parseErr = (raw as Record<symbol, string>)?.[NDJSON_ERROR];
        if (parseErr) {
          bad.push({ index, errors: [`(line ${index + 1}): ${parseErr}`], reason: 'bad_json' });
          return;
        }
        const r = validateEvent(raw, tenant, now);
        if (r.ok) good.push(r.event);
        else bad.push({ index, id, errors: r.errors, reason: r.reason });
      });
      for (const b of bad) rejected.inc({ reason: b.reason });
      const rejections = bad.map(({ reason: _r, ...rest }) => rest);
      if (good.length === 0) {
        throw badRequest(
          items.length === 1 ? `the event is invalid: ${bad[0].errors.join('; ')}` : 'every event in the request is invalid',
          rejections,
        );
      }
      await publish(tenant, good);
      if (bad.length) return reply.code(207).send({ accepted: good.length, rejected: rejections });
      return reply.code(202).send({ accepted: good.length });
    },
  );
}
