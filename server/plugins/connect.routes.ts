// Amazon Connect adapter: POST /v1/adapters/connect/firehose is a Kinesis Data Firehose
// "HTTP endpoint" destination. Firehose sends `{requestId, timestamp, records: [{data}]}`
// (optionally gzip), the access key in X-Amz-Firehose-Access-Key, and expects
// `{requestId, timestamp[, errorMessage]}` back: 200 when every record is taken care of,
// anything else makes it retry the whole request (so a re-sent batch must change nothing:
// every event id comes from Connect's own ids). Records Floorwatch cannot map do not fail
// the batch: they go to the dead-letter store with their reason and are counted.
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { type Services } from '../context.ts';
import { mappedEventAcceptor } from '../ingest/accept.ts';
import { adapterRejects, type AdapterReject } from './adapters.routes.ts';
import { tenantKey, type KvMap } from '../../pipelines/bus/kv-map.ts';
import { decodeRecord } from '../../pipelines/sources/connect/records.ts';
import { ConnectMapper, learnNames, newOutput, type ContactMemory } from '../../pipelines/sources/connect/mapper.ts';

export const CONNECT_NAMES_BUCKET = 'fw_connect_names';
/** per tenant and ContactId: its queue and queue transfers (pipelines/sources/connect/mapper.ts) */
export const CONNECT_CONTACTS_BUCKET = 'fw_connect_contacts';
/** a contact's memory is read (and kept) for 2 days */
export const CONTACT_MEMORY_MAX_AGE_MS = 2 * 86_400_000;
const SOURCE = 'connect';


class FirehoseError extends Error {
  constructor(readonly status: number, message: string, readonly retryAfter?: number) {
    super(message);
  }
}

export default async function connectRoutes(app: FastifyInstance, { svc }: { svc: Services }) {
  const names: KvMap<string> = await svc.kv<string>(CONNECT_NAMES_BUCKET);
  const contacts: KvMap<ContactMemory> = await svc.kv<ContactMemory>(CONNECT_CONTACTS_BUCKET);
  const fresh = (m: ContactMemory | undefined) => (m && Date.now() - (m.t ?? 0) <= CONTACT_MEMORY_MAX_AGE_MS ? m : undefined);
  // entries expire: an hourly sweep deletes those past the max age
  const sweep = setInterval(() => {
    for (const [k, m] of contacts.entries()) if (!fresh(m)) void contacts.delete(k).catch(() => {});
  }, 3_600_000);
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));
  const accept = mappedEventAcceptor(svc);
  const storeRejects = adapterRejects(svc);
  const ignored = svc.metrics.counter('fw_adapter_records_ignored_total', 'adapter records understood but with nothing to count, by source and kind');
  const requests = svc.metrics.counter('fw_connect_firehose_requests_total', 'Firehose deliveries to the Amazon Connect adapter, by status');

  // Firehose may gzip the body (Content-Encoding: gzip); this parser is scoped to this plugin.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: svc.config.maxBodyBytes }, (req, body, done) => {
    try {
      const buf = req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(body as Buffer, { maxOutputLength: 64 << 20 }) : (body as Buffer);
      done(null, JSON.parse(buf.toString('utf8')));
    } catch (err) {
      done(Object.assign(new Error(`the body is not valid JSON: ${(err as Error).message}`), { statusCode: 400 }), undefined);
    }
  });

  const answer = (reply: FastifyReply, requestId: string, status: number, errorMessage?: string, retryAfter?: number) => {
    requests.inc({ status: String(status) });
    if (retryAfter) reply.header('Retry-After', String(retryAfter));
    const body: Record<string, unknown> = { requestId, timestamp: Date.now() };
    if (errorMessage) body.errorMessage = errorMessage;
    return reply.code(status).type('application/json').send(body);
  };

  function tenantOfFirehose(req: FastifyRequest): string {
    const key = req.headers['x-amz-firehose-access-key'];
    const p = typeof key === 'string' && key ? svc.keys.verify(key.trim()) : req.principal;
    if (!p) throw new FirehoseError(401, 'a Floorwatch ingest key is required as the delivery stream access key');
    if (!p.scopes.has('ingest')) throw new FirehoseError(403, 'the access key lacks the "ingest" scope');
    return p.tenant;
  }

  app.post(
    '/adapters/connect/firehose',
    {
      schema: {
        summary: 'Amazon Connect records delivered by Kinesis Data Firehose (HTTP endpoint destination)',
        description:
          'Agent event stream records, contact trace records and Amazon Connect contact events, base64 in records[].data. ' +
          'Auth: X-Amz-Firehose-Access-Key (or Authorization: Bearer) = an ingest key. Answers in the Firehose response format.',
        tags: ['adapters'],
        headers: Type.Object({ 'x-amz-firehose-request-id': Type.Optional(Type.String()) }),
        response: {
          200: Type.Object({ requestId: Type.String(), timestamp: Type.Integer() }),
        },
      },
      // the body is checked below so that errors come back in Firehose's format
      validatorCompiler: () => () => true,
    },
    async (req, reply) => {
      const body = req.body as { requestId?: unknown; records?: unknown } | null;
      const header = req.headers['x-amz-firehose-request-id'];
      const requestId = typeof header === 'string' ? header : typeof body?.requestId === 'string' ? body.requestId : '';
      try {
        const tenant = tenantOfFirehose(req);
        if (!body || !Array.isArray(body.records) || body.records.some((r) => typeof (r as { data?: unknown })?.data !== 'string'))
          throw new FirehoseError(400, 'the body must be a Firehose delivery request: {requestId, timestamp, records: [{data: <base64>}]}');
        if (!svc.bus.isUp) throw new FirehoseError(503, 'the event bus is unavailable; retry later', 2);
        const rejects: AdapterReject[] = [];
        const docs: unknown[] = [];
        (body.records as { data: string }[]).forEach((r, i) => {
          const d = decodeRecord(r.data);
          docs.push(...d.docs);
          if (d.error) rejects.push({ line: i, reason: 'bad_json', detail: d.error, record: d.text.slice(0, 8192) });
        });
        const learned = new Map<string, string>();
        for (const d of docs) learnNames(d, learned);
        const mapper = new ConnectMapper((id) => learned.get(id) ?? names.get(tenantKey(tenant, id)), {}, (cid) => fresh(contacts.get(tenantKey(tenant, cid))));
        const out = newOutput();
        mapper.mapAll(docs, out);
        for (const r of out.rejects) rejects.push({ reason: r.reason, detail: r.detail, record: r.record, ...(r.id ? { id: r.id } : {}) });
        const { invalid } = await accept(tenant, out.events);
        for (const x of invalid)
          rejects.push({ reason: 'invalid_event', detail: `${x.reason}: ${x.errors.join('; ')}`.slice(0, 1024), record: JSON.stringify(x.event).slice(0, 8192) });
        if (rejects.length) await storeRejects(tenant, SOURCE, rejects);
        for (const [kind, n] of Object.entries(out.ignored)) ignored.inc({ source: SOURCE, kind }, n);
        for (const [cid, m] of out.contacts) {
          const k = tenantKey(tenant, cid);
          const prior = fresh(contacts.get(k));
          const next: ContactMemory = { ...prior, ...m };
          if (prior && prior.q === next.q && prior.s === next.s && prior.next === next.next) continue;
          next.t = Date.now();
          await contacts.put(k, next).catch((err) => req.log.warn({ err: (err as Error).message }, 'connect: could not keep a contact\'s queue'));
        }
        for (const [id, name] of learned) {
          const k = tenantKey(tenant, id);
          if (names.get(k) !== name) await names.put(k, name).catch((err) => req.log.warn({ err: (err as Error).message }, 'connect: could not keep a learnt name'));
        }
        return answer(reply, requestId, 200);
      } catch (err) {
        if (err instanceof FirehoseError) return answer(reply, requestId, err.status, err.message, err.retryAfter);
        const e = err as Error & { statusCode?: number; retryAfter?: number };
        if (e.statusCode === 503) return answer(reply, requestId, 503, e.message, e.retryAfter ?? 2);
        req.log.error({ err }, 'connect: delivery failed');
        return answer(reply, requestId, 500, 'internal error; see the Floorwatch log');
      }
    },
  );
}
