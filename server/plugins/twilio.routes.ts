// Twilio Flex / TaskRouter adapter.
// - PUT /v1/adapters/twilio (admin): a tenant's Twilio auth token (and the public URL
//   Twilio calls, when a proxy makes it differ from what Floorwatch sees). The token is
//   needed in clear to check signatures, so it is kept in a KV bucket, never logged and
//   never returned; GET says only whether one is set.
// - POST /v1/adapters/twilio/:tenant/taskrouter: the Workspace's Event Callback URL. No API
//   key (TaskRouter cannot send one): the X-Twilio-Signature must match the tenant's token,
//   else 403. Each callback is mapped (pipelines/sources/twilio/mapper.ts) and published;
//   one Floorwatch cannot map goes to the dead-letter store with its reason, and TaskRouter
//   still gets 204 so it does not retry what will never map.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { requireScope, tenantOf, type Services } from '../context.ts';
import { BOOTSTRAP_TENANT, validTenant } from '../auth/keys.ts';
import { badRequest, Errors, unavailable } from '../errors.ts';
import { mappedEventAcceptor } from '../ingest/accept.ts';
import { adapterRejects, type AdapterReject } from './adapters.routes.ts';
import { queueMemoryAfter, TaskRouterMapper, type TaskQueueMemory, type TwilioConfig } from '../../pipelines/sources/twilio/mapper.ts';
import { validTwilioSignature, type FormParams } from '../../pipelines/sources/twilio/signature.ts';
import { tenantKey } from '../../pipelines/bus/kv-map.ts';

export const TWILIO_BUCKET = 'fw_twilio_adapters';
/** per tenant and task: the TaskQueue it is in (task-queue.moved names only the new one) */
export const TWILIO_TASKS_BUCKET = 'fw_twilio_tasks';
/** a task's queue memory is read (and kept) for 2 days */
export const TASK_MEMORY_MAX_AGE_MS = 2 * 86_400_000;
const SOURCE = 'twilio';

interface TwilioTenantConfig {
  auth_token: string;
  public_url?: string;
  mapping?: TwilioConfig;
}

const AgentStateT = Type.Union(['available', 'busy', 'wrap_up', 'away', 'offline'].map((s) => Type.Literal(s)));
const PutBody = Type.Object(
  {
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    auth_token: Type.String({ minLength: 8, maxLength: 256 }),
    public_url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 1000, description: 'the Event Callback URL exactly as set in the Workspace' })),
    activities: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), AgentStateT, { description: 'activity name → agent state' })),
  },
  { additionalProperties: false },
);

/** Form body kept as ordered name/value pairs (the signature needs every value). */
function formPairs(body: unknown): FormParams {
  return typeof body === 'string' ? [...new URLSearchParams(body)] : [];
}

/** The URLs Twilio may have signed: as given, and with/without the scheme's default port (as Twilio's helpers do). */
function candidateUrls(url: string): string[] {
  const out = [url];
  try {
    const u = new URL(url);
    const def = u.protocol === 'https:' ? '443' : '80';
    if (u.port === '') {
      const withPort = `${u.protocol}//${u.username ? `${u.username}:${u.password}@` : ''}${u.hostname}:${def}${u.pathname}${u.search}`;
      out.push(withPort);
    } else if (u.port === def) {
      u.port = '';
      out.push(u.toString());
    }
  } catch {
    /* not a URL: only the string itself */
  }
  return out;
}

export default async function twilioRoutes(app: FastifyInstance, { svc }: { svc: Services }) {
  const configs = await svc.kv<TwilioTenantConfig>(TWILIO_BUCKET);
  const tasks = await svc.kv<TaskQueueMemory>(TWILIO_TASKS_BUCKET);
  const fresh = (m: TaskQueueMemory | undefined) => (m && Date.now() - m.t <= TASK_MEMORY_MAX_AGE_MS ? m : undefined);
  // entries expire: an hourly sweep deletes those past the max age
  const sweep = setInterval(() => {
    for (const [k, m] of tasks.entries()) if (!fresh(m)) void tasks.delete(k).catch(() => {});
  }, 3_600_000);
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));
  const accept = mappedEventAcceptor(svc);
  const storeRejects = adapterRejects(svc);
  const denied = svc.metrics.counter('fw_twilio_callbacks_denied_total', 'TaskRouter callbacks refused for a missing or wrong X-Twilio-Signature');
  const ignored = svc.metrics.counter('fw_adapter_records_ignored_total', 'adapter records understood but with nothing to count, by source and kind');

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1 << 20 }, (_req, body, done) => done(null, body));

  const configTenant = (req: FastifyRequest, asked: string | undefined) => {
    const own = tenantOf(req);
    const tenant = asked ?? own;
    if (!validTenant(tenant)) throw badRequest('tenant: not a valid tenant id', [{ field: 'tenant', reason: 'invalid tenant id' }]);
    if (tenant !== own && own !== BOOTSTRAP_TENANT)
      throw new Errors.Forbidden('only admin keys of the bootstrap tenant may configure other tenants');
    return tenant;
  };

  app.put<{ Body: Static<typeof PutBody> }>(
    '/adapters/twilio',
    {
      onRequest: requireScope('admin'),
      schema: { summary: "Set a tenant's Twilio auth token for TaskRouter callbacks", tags: ['adapters'], body: PutBody },
    },
    async (req) => {
      const tenant = configTenant(req, req.body.tenant);
      if (!svc.bus.isUp) throw unavailable('the event bus is unavailable, retry later', 2);
      const value: TwilioTenantConfig = { auth_token: req.body.auth_token };
      if (req.body.public_url) value.public_url = req.body.public_url;
      if (req.body.activities) value.mapping = { activities: req.body.activities as TwilioConfig['activities'] };
      await configs.put(tenant, value);
      req.log.info({ tenant, public_url: value.public_url ?? null }, 'Twilio adapter configured');
      return { tenant, configured: true, public_url: value.public_url ?? null };
    },
  );

  app.get<{ Querystring: { tenant?: string } }>(
    '/adapters/twilio',
    {
      onRequest: requireScope('admin'),
      schema: {
        summary: 'Whether a Twilio auth token is set (the token itself is never returned)',
        tags: ['adapters'],
        querystring: Type.Object({ tenant: Type.Optional(Type.String({ maxLength: 63 })) }),
      },
    },
    async (req) => {
      const tenant = configTenant(req, req.query.tenant);
      const c = configs.get(tenant);
      return { tenant, configured: c !== undefined, public_url: c?.public_url ?? null, callback_path: `/v1/adapters/twilio/${tenant}/taskrouter` };
    },
  );

  app.post<{ Params: { tenant: string } }>(
    '/adapters/twilio/:tenant/taskrouter',
    {
      schema: {
        summary: 'TaskRouter Workspace event callback (form-encoded), signed with X-Twilio-Signature',
        tags: ['adapters'],
        params: Type.Object({ tenant: Type.String({ minLength: 1, maxLength: 63 }) }),
        security: [],
      },
    },
    async (req, reply) => {
      const tenant = req.params.tenant;
      const cfg = configs.get(tenant);
      const params = formPairs(req.body);
      const signature = req.headers['x-twilio-signature'];
      const url = cfg?.public_url ?? `${req.protocol}://${req.host}${req.url}`;
      const ok = cfg !== undefined && typeof signature === 'string' &&
        candidateUrls(url).some((u) => validTwilioSignature(cfg.auth_token, u, params, signature));
      if (!ok) {
        denied.inc({ reason: cfg === undefined ? 'not_configured' : typeof signature === 'string' ? 'bad_signature' : 'unsigned' });
        throw new Errors.Forbidden('the X-Twilio-Signature is missing or does not match this tenant\'s auth token');
      }
      if (!svc.bus.isUp) throw unavailable('the event bus is unavailable; nothing was accepted, retry later', 2);
      const p = Object.fromEntries(params);
      const key = p.TaskSid ? tenantKey(tenant, p.TaskSid) : undefined;
      const memory = key ? fresh(tasks.get(key)) : undefined;
      const r = new TaskRouterMapper(cfg.mapping).map(p, memory);
      const rejects: AdapterReject[] = [];
      const record = new URLSearchParams(params).toString().slice(0, 8192);
      const id = p.Sid && p.Sid.length <= 100 ? `twilio:reject:${p.Sid}` : undefined;
      if (!r.ok) rejects.push({ reason: r.reason, detail: r.detail, record, ...(id ? { id } : {}) });
      else {
        if (r.ignored) ignored.inc({ source: SOURCE, kind: r.ignored });
        const { invalid } = await accept(tenant, r.events);
        for (const x of invalid)
          rejects.push({ reason: 'invalid_event', detail: `${x.reason}: ${x.errors.join('; ')}`.slice(0, 1024), record });
      }
      if (rejects.length) await storeRejects(tenant, SOURCE, rejects);
      const next = key ? queueMemoryAfter(p, memory) : undefined;
      if (key && next) await tasks.put(key, next).catch((err) => req.log.warn({ err: (err as Error).message }, 'twilio: could not keep a task\'s queue'));
      return reply.code(204).header('content-type', 'application/json').send();
    },
  );
}
